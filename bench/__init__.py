"""Benchmarks on the real stack; each figure is reported against a raw baseline of the same run."""
