"""Secrets from a variable or from a file (`OCOP_<NAME>_FILE`, the Docker and Kubernetes
secrets convention), picked up again when the file changes.

A file may hold several lines, newest first: the first one signs or connects, every one is
accepted when checking a signature. Rotating a key is then: put the new one on top, wait as
long as what the old one signed stays valid, drop the old line — nothing is cut off, and each
purpose (till cursors, download links, the console's forms, a database password) rotates on its
own.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path


class SecretMissing(RuntimeError):
    """A secret's file cannot be read or holds nothing."""


class Secret:
    RECHECK_SECONDS = 1.0  # at most one stat() a second on a hot path

    def __init__(self, name: str, value: str | None = None, file: Path | None = None) -> None:
        self.name = name
        self._value = value
        self.file = file
        self._lines: tuple[str, ...] = ()
        self._seen: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self.file is not None or bool(self._value)

    def current(self) -> str:
        """The value to sign or connect with now."""
        return self.all()[0]

    def all(self) -> tuple[str, ...]:
        """Every accepted value, newest first."""
        if self.file is None:
            if not self._value:
                raise SecretMissing(f"{self.name} is not set")
            return (self._value,)
        now = time.monotonic()
        if self._lines and now - self._checked < self.RECHECK_SECONDS:
            return self._lines
        with self._lock:
            self._checked = now
            try:
                version = self.file.stat().st_mtime_ns
            except OSError as error:
                if self._lines:  # a rotation in progress (file replaced): keep what worked
                    return self._lines
                raise SecretMissing(f"{self.name}: cannot read {self.file}: {error}") from error
            if version != self._seen or not self._lines:
                lines = tuple(line.strip() for line in self.file.read_text(encoding="utf-8").splitlines()
                              if line.strip())
                if not lines:
                    raise SecretMissing(f"{self.name}: {self.file} is empty")
                self._lines, self._seen = lines, version
            return self._lines

    def __repr__(self) -> str:  # never the value
        where = f"file={self.file}" if self.file else "variable"
        return f"Secret({self.name}, {where})"
