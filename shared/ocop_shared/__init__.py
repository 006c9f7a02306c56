"""Shared library of the OCOP platform: contracts, messaging, storage, database, HTTP kit."""
