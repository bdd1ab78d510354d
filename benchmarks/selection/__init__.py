"""Cross-validation on TRAIN splits: choosing defaults, exploring candidates."""
