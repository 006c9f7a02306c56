"""The reference POS client: keeps a till's OCOP list in a local SQLite file through the
delta API, says what changed, and still shows the list (as of its last sync) when offline.
Following (`follow`), changes are pushed to it as they happen (Server-Sent Events), with a
long poll where the stream is unavailable and retries while offline."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx


@dataclass
class SyncResult:
    online: bool
    version: int
    as_of: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    full_snapshot: bool = False
    error: str = ""


class LocalList:
    """The till's copy: items by product and where the sync stands."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS items (product_id TEXT PRIMARY KEY, "
                         "item TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.commit()

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def items(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT item FROM items").fetchall()
        return sorted((json.loads(r[0]) for r in rows), key=lambda i: i["product_name"])

    def item(self, product_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT item FROM items WHERE product_id = ?",
                               (product_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def replace_all(self, items: list[dict[str, Any]]) -> None:
        self._db.execute("DELETE FROM items")
        self._db.executemany("INSERT INTO items VALUES (?, ?)",
                             [(i["product_id"], json.dumps(i, ensure_ascii=False)) for i in items])

    def upsert(self, item: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO items VALUES (?, ?)",
                         (item["product_id"], json.dumps(item, ensure_ascii=False)))

    def remove(self, product_id: str) -> None:
        self._db.execute("DELETE FROM items WHERE product_id = ?", (product_id,))

    def mark(self, cursor: str, version: int, as_of: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [("cursor", cursor), ("version", str(version)), ("as_of", as_of)])
        self._db.commit()

    def forget_cursor(self) -> None:
        """The server no longer has changes from here: the next sync takes a snapshot."""
        self._db.execute("DELETE FROM meta WHERE key = 'cursor'")
        self._db.commit()

    def close(self) -> None:
        self._db.close()


class PosClient:
    def __init__(self, base_url: str, showroom: str, api_key: str, local: LocalList,
                 terminal_id: str = "till-1", timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                       headers={"X-API-Key": api_key}, transport=transport)
        self._showroom = showroom
        self._local = local
        self._terminal = terminal_id

    async def close(self) -> None:
        await self._http.aclose()

    async def sync(self, wait: float = 0) -> SyncResult:
        """Bring the list up to date (with `wait`, a long poll: until something changes or
        `wait` seconds pass) and acknowledge the version now held."""
        try:
            result = await self._sync(wait)
        except httpx.TransportError as error:
            return SyncResult(online=False, version=int(self._local.get("version") or 0),
                              as_of=self._local.get("as_of") or "", error=str(error))
        await self._acknowledge(result)
        return result

    async def follow(self, heard: Callable[[SyncResult], None], wait: float = 30,
                     retry_seconds: float = 2.0) -> None:
        """Keep the list current until cancelled, telling `heard` of each change: the changes
        are pushed as they happen (Server-Sent Events, resumed from the last one held); where
        the server offers no stream, a long poll; offline, `heard` hears so once and it retries."""
        streaming = True
        while True:
            result = await self.sync()
            if result.added or result.removed or not result.online:
                heard(result)
            if not result.online:
                await asyncio.sleep(retry_seconds)
                continue
            try:
                if streaming:
                    streaming = await self._stream(heard)
                    await asyncio.sleep(0.5)  # the stream ended (e.g. the server restarts): again
                else:
                    changed = await self.sync(wait)
                    if changed.added or changed.removed or not changed.online:
                        heard(changed)
            except httpx.TransportError:
                await asyncio.sleep(retry_seconds)

    async def _stream(self, heard: Callable[[SyncResult], None]) -> bool:
        """Apply the changes the server pushes until the stream ends; False when the server
        has no stream (follow by long poll instead)."""
        cursor = self._local.get("cursor") or ""
        timeout = httpx.Timeout(10.0, read=60.0)  # the server sends a keep-alive every 15 s
        async with self._http.stream("GET", f"/trade/pos/{self._showroom}/stream",
                                     headers={"Last-Event-ID": cursor}, timeout=timeout) as response:
            if response.status_code in (404, 405):
                return False
            if response.status_code != 200:
                return True  # e.g. a cursor too old: the next sync takes a snapshot
            async for event in server_sent_events(response.aiter_lines()):
                if event.get("event") == "expired":
                    self._local.forget_cursor()
                    return True
                if "data" in event and "id" in event:
                    result = SyncResult(online=True, version=0, as_of=datetime.now(UTC).isoformat())
                    change = json.loads(event["data"])
                    self._apply(change, result)
                    result.version = change["version"]
                    self._local.mark(event["id"], result.version, result.as_of)
                    await self._acknowledge(result)
                    heard(result)
        return True

    async def _acknowledge(self, result: SyncResult) -> None:
        try:
            ack = await self._http.post(f"/trade/pos/{self._showroom}/acks",
                                        json={"terminal_id": self._terminal, "version": result.version})
        except httpx.TransportError as error:  # the list is synced; the ack waits for next time
            result.error = str(error)
            return
        ack.raise_for_status()

    def _apply(self, change: dict[str, Any], result: SyncResult) -> None:
        if change["kind"] == "upsert":
            self._local.upsert(change["item"])
            result.added.append(change["item"])
        else:
            known = self._local.item(change["product_id"]) or {
                "product_id": change["product_id"], "product_name": change["product_id"]}
            self._local.remove(change["product_id"])
            result.removed.append((known, change["reason_vi"] or change["reason"]))

    async def _sync(self, wait: float = 0) -> SyncResult:
        cursor = self._local.get("cursor")
        if cursor is None:
            return await self._snapshot()
        result = SyncResult(online=True, version=0, as_of="")
        while True:
            response = await self._http.get(
                f"/trade/pos/{self._showroom}/changes", params={"cursor": cursor, "wait": wait},
                timeout=httpx.Timeout(10.0, read=wait + 10.0))
            if response.status_code in (410, 400):
                return await self._snapshot()
            response.raise_for_status()
            body = response.json()
            for change in body["changes"]:
                self._apply(change, result)
            cursor = body["cursor"]
            self._local.mark(cursor, body["version"], body["as_of"])
            result.version, result.as_of = body["version"], body["as_of"]
            if not body["has_more"]:
                return result
            wait = 0

    async def _snapshot(self) -> SyncResult:
        response = await self._http.get(f"/trade/pos/{self._showroom}/catalog")
        response.raise_for_status()
        body = response.json()
        before = {i["product_id"] for i in self._local.items()}
        self._local.replace_all(body["items"])
        self._local.mark(body["cursor"], body["version"], body["as_of"])
        after = {i["product_id"] for i in body["items"]}
        return SyncResult(online=True, version=body["version"], as_of=body["as_of"],
                          added=[i for i in body["items"] if i["product_id"] not in before],
                          removed=[({"product_id": p, "product_name": p}, "không còn trong danh mục")
                                   for p in sorted(before - after)],
                          full_snapshot=True)


async def server_sent_events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, str]]:
    """The events of a `text/event-stream`, each as its fields (`event`, `data`, `id`); the
    keep-alive comments are skipped."""
    event: dict[str, str] = {}
    async for line in lines:
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(": ")
            event[name] = value
        elif event:
            yield event
            event = {}


def as_of_text(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone().strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return value or "chưa từng đồng bộ"
