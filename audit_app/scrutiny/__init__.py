"""The scrutiny package (see ../shared/design/ARCHITECTURE.md)."""
