"""Database kit: engines, metadata conventions, unit of work, migrations."""
