"""Alembic environment of the certification service."""

from ocop_shared.db.migrations import run_env
from certification.adapters.tables import metadata

run_env(metadata)
