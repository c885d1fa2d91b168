"""ressursbank.formats (see docs/architecture.md)."""
