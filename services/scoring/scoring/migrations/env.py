"""Alembic environment of the scoring service."""

from ocop_shared.db.migrations import run_env
from scoring.adapters.tables import metadata

run_env(metadata)
