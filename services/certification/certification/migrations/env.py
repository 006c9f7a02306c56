"""Alembic environment of the certification service."""

from certification.adapters.tables import metadata
from ocop_shared.db.migrations import run_env

run_env(metadata)
