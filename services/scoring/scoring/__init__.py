"""Scoring service: regulations, councils, evaluations and star ranking."""
