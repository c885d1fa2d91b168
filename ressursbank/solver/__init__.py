"""ressursbank.solver (see docs/architecture.md)."""
