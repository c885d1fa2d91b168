"""ressursbank.result (see docs/architecture.md)."""
