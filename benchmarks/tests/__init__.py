"""Tests of the benchmark scripts (``python -m pytest`` from the repository root)."""
