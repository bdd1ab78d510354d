"""Test accuracy of every method on official splits, and on unseen datasets."""
