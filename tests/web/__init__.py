"""Tests of audit_app.web."""
