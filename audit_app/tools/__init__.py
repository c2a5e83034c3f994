"""The tools package (see ../shared/design/ARCHITECTURE.md)."""
