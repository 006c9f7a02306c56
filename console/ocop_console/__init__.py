"""The web console: server-rendered pages over the platform's HTTP APIs (no service internals)."""

from .app import build_console, mount_console

__all__ = ["build_console", "mount_console"]
