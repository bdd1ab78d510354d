"""Benchmarks of sklearn_convlstm: a shared harness and scripts by theme."""
