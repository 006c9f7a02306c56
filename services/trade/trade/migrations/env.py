"""Alembic environment of the trade service."""

from ocop_shared.db.migrations import run_env
from trade.adapters.tables import metadata

run_env(metadata)
