"""Tests of audit_app.agencies."""
