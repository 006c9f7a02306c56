"""A background job: a coroutine the service's host runs beside its consumers until `stopping`
is set (document rendering, deadline checks, webhook deliveries, key rotation)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

BackgroundJob = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
