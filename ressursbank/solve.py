"""ressursbank.solve (see docs/architecture.md)."""
