"""Effectiveness by regime: where the default is strong or weak."""
