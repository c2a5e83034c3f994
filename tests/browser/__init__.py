"""Tests of audit_app.browser."""
