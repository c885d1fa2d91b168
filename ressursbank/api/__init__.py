"""ressursbank.api (see docs/architecture.md)."""
