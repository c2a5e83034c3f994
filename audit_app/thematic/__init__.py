"""The theme taxonomy (voice of the child, escalation, supervision, ...), tagging, and theme suggestion from text."""
