"""Tests of audit_app.api."""
