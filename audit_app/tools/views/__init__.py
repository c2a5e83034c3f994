"""Views of the template builder, one module per noun."""
