"""Base model, audit trail, permissions, domain errors, signals, the job registry and the e-mail outbox."""
