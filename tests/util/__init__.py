"""Tests of audit_app.util."""
