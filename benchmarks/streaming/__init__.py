"""Streaming prediction and early classification benchmarks."""
