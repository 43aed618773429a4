"""Benchmarks of geo: distances to many points and point-in-area over many areas."""
