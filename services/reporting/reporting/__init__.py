"""Reporting: the province's OCOP reports, projected from the platform's events."""
