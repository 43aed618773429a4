"""Benchmarks of opening hours: open-now evaluation and free-text parsing."""
