"""Benchmarks: `python -m bench` runs them all, `python -m bench savings` one of them; each prints a table."""
