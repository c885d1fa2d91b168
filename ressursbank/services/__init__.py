"""ressursbank.services (see docs/architecture.md)."""
