"""ressursbank.demo (see docs/architecture.md)."""
