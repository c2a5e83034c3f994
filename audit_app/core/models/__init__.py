"""Core models: the base class, the audit trail and the e-mail outbox."""
