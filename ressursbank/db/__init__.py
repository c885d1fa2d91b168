"""ressursbank.db (see docs/architecture.md)."""
