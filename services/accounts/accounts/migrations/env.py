"""Alembic environment of the accounts service."""

from accounts.adapters.tables import metadata
from ocop_shared.db.migrations import run_env

run_env(metadata)
