"""ressursbank.explain (see docs/architecture.md)."""
