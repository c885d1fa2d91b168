"""ressursbank.domain (see docs/architecture.md)."""
