"""WSGI entry point: what gunicorn and `flask --app wsgi` load."""

from audit_app import create_app

app = create_app()
