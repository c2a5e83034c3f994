"""Models of the theme taxonomy."""
