"""The reports package (see ../shared/design/ARCHITECTURE.md)."""
