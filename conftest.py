"""Every test process finds the local stack's credentials: deploy/stack.sh writes them to
<stack dir>/secrets (OCOP_SECRETS_DIR, unless the environment names another folder)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("OCOP_SECRETS_DIR", str(
    Path(os.environ.get("OCOP_STACK_DIR") or Path(__file__).parent / ".stack") / "secrets"))
