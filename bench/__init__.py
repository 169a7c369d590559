"""Benchmarks: `make bench` (or `.venv/bin/python -m bench [NAME ...]`) runs them and prints tables."""
