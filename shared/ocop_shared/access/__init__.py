"""Grants the office records (who is office staff, a commune officer, an inspector, a showroom
operator), kept by every service as its own copy and read when a request arrives."""

from .grants import GrantRow, access_from_grants, access_handlers, add_access_table, grants_source

__all__ = ["GrantRow", "access_from_grants", "access_handlers", "add_access_table", "grants_source"]
