"""ressursbank: redeploy a municipality's own employees where they are needed most, lawfully and fairly."""

__version__ = "0.1.0"
