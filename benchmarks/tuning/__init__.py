"""Tuning: pruning against no pruning and grid search."""
