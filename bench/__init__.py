"""Shoplet benchmark harness: ``python -m bench`` (``make bench``) writes docs/benchmarks.md."""
