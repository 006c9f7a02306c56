"""Certification service: certificates, verification, inspections, revocation, expiry."""
