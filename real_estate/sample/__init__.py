"""Synthetic sample data shaped exactly like the real sources (see README: it is not real data)."""
