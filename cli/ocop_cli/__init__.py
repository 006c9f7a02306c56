"""The `ocop` command: run the platform, inspect dead letters, export contracts."""
