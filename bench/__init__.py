"""Benchmarks: each runs as ``python -m bench.<name>`` and ends by printing one JSON line of its figures."""
