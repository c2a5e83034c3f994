"""Base layout, GOV.UK Frontend macros, navigation, home page and error pages."""
