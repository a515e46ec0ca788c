"""Benchmarks: ``make bench`` (``python -m bench``) prints ratios measured in one run."""
