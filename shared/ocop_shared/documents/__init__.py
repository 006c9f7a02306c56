"""Helpers for the documents offices print: PDFs with Vietnamese text."""
