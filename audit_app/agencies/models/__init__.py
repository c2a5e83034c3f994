"""Models of the partnership, its agencies and users, and their credentials."""
