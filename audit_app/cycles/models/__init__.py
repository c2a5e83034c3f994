"""Models of audit cycles: cycles, cases, assignments (returns) and answers."""
