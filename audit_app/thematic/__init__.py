"""The thematic package (see ../shared/design/ARCHITECTURE.md)."""
