"""Many tills in one process, for `bench.fanout`: each takes its showroom's snapshot, then
follows the pushed changes (`GET /trade/pos/{id}/stream`) and notes when each tombstone
reaches it (wall clock, comparable with the benchmark's own process on the same machine).

    python -m bench.tills PLAN.json OUT.json

PLAN: {"tills": [{"till": id, "url": base url, "showroom": id, "key": api key}], "stop": path}.
It writes OUT.json's "ready" as soon as every stream is open, and the rest (every tombstone
seen, per till) once the file `stop` exists.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ocop_cli.pos_client import server_sent_events


async def follow(client: httpx.AsyncClient, till: dict[str, str], seen: dict[str, float],
                 opened: asyncio.Event) -> None:
    headers = {"X-API-Key": till["key"]}
    snapshot = (await client.get(f"/trade/pos/{till['showroom']}/catalog", headers=headers)).json()
    cursor = snapshot["cursor"]
    while True:  # reconnect from the last event when a stream ends
        async with client.stream("GET", f"/trade/pos/{till['showroom']}/stream",
                                 headers={**headers, "Last-Event-ID": cursor}) as response:
            response.raise_for_status()
            opened.set()
            async for event in server_sent_events(response.aiter_lines()):
                if event.get("event") == "tombstone":
                    seen.setdefault(json.loads(event["data"])["product_id"], time.time())
                cursor = event.get("id", cursor)


def check(tasks: list[asyncio.Task[None]]) -> None:
    """A till whose stream failed stops the run, saying why."""
    for task in tasks:
        if task.done():
            task.result()
            raise RuntimeError("a till's stream ended for good")


async def main(plan: dict[str, Any], out_path: Path) -> None:
    tills: list[dict[str, str]] = plan["tills"]
    stop = Path(plan["stop"])
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(30.0, read=60.0)
    clients = {url: httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout)
               for url in sorted({t["url"] for t in tills})}
    seen: dict[str, dict[str, float]] = {t["till"]: {} for t in tills}
    opened = {t["till"]: asyncio.Event() for t in tills}
    tasks: list[asyncio.Task[None]] = []

    async def all_open() -> None:
        while not all(opened[t["till"]].is_set() for t in tills[:len(tasks)]):
            check(tasks)
            await asyncio.sleep(0.05)

    for till in tills:  # fifty at a time: a thousand snapshots at once would only queue
        tasks.append(asyncio.create_task(follow(clients[till["url"]], till, seen[till["till"]],
                                                opened[till["till"]])))
        if len(tasks) % 50 == 0:
            await all_open()
    await all_open()
    ready = time.time()
    await asyncio.to_thread(out_path.write_text, json.dumps({"ready": ready}))
    while not await asyncio.to_thread(stop.exists):
        check(tasks)
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.to_thread(out_path.write_text, json.dumps({"ready": ready, "seen": seen}))
    for client in clients.values():
        await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])))
