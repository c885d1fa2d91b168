"""ressursbank.web (see docs/architecture.md)."""
