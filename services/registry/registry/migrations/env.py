"""Alembic environment of the registry service."""

from ocop_shared.db.migrations import run_env
from registry.adapters.tables import metadata

run_env(metadata)
