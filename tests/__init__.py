"""The test suite: mirrors audit_app/."""
