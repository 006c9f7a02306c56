"""Named crash points for fault-injection tests.

`OCOP_FAILPOINTS=consumer.after_db_commit:certification` makes the process
SIGKILL itself the first time it reaches that point (optionally only for one
consumer), so tests can prove that a crash at the worst moment loses and
duplicates nothing. Unset in production: each check is one dict lookup.
"""

from __future__ import annotations

import os
import signal

_ARMED: set[str] = {
    name.strip() for name in os.environ.get("OCOP_FAILPOINTS", "").split(",") if name.strip()
}


def reached(point: str, scope: str | None = None) -> None:
    if not _ARMED:
        return
    if point in _ARMED or (scope is not None and f"{point}:{scope}" in _ARMED):
        os.kill(os.getpid(), signal.SIGKILL)
