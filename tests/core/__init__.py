"""Tests of audit_app.core."""
