"""Regression regime tests: synthetic and real regression tasks, CV on TRAIN."""
