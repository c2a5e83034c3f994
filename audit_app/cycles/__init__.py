"""The cycles package (see ../shared/design/ARCHITECTURE.md)."""
