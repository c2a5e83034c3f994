"""Views of the cycles package."""
