"""Benchmarks that print figures; none of them are tests. Run with `make bench` or `python -m bench NAME`."""
