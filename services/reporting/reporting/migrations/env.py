"""Alembic environment of the reporting service."""

from ocop_shared.db.migrations import run_env
from reporting.adapters.tables import metadata

run_env(metadata)
