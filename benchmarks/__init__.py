"""Benchmark tooling: a large-dataset generator and timing runs (not part of the app)."""
