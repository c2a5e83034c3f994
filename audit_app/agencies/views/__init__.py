"""Views of the agencies package: sign-in and passwords (auth), administration of agencies and users (admin)."""
