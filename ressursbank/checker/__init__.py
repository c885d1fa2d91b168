"""ressursbank.checker (see docs/architecture.md)."""
