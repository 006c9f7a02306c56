"""Revocation fan-out: from the office's revocation decision (its HTTP response from the
certification API) to the tombstone at every till of the province.

Subject: certification and two trade processes (one database, one consumer group) on the real
stack; 1,000 tills (`BENCH_FANOUT_TILLS`) spread over 20 showrooms that carry every product,
half of them connected to each trade process, in one separate process (`bench.tills`), each
following its showroom's Server-Sent Events stream. For 100 s the office revokes 10
certificates a second through `POST /certification/certificates/{number}/revocation` while
5 new results a second are recognised and certified (the office signing their decisions every
second). Every (revocation, till) pair is measured, however late (the run waits up to 5 minutes for
trade to apply every revocation); a pair never seen is a missed tombstone.
Baseline: raw aiokafka produce -> consume latency on the same broker, same rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ocop_cli.api_client import ApiError, decide_all, poll
from ocop_cli.sandbox import Sandbox, ServiceProcess
from ocop_shared.settings import Settings

from .harness import Figure, Office, Publisher, Result, office_decides, percentile, rss_mib, scored
from .revocation import against_baseline, latency_figures

TILLS = int(os.environ.get("BENCH_FANOUT_TILLS", "1000"))
SHOWROOMS = 20
RATE = 10.0  # revocations per second, through the certification API
SECONDS = int(os.environ.get("BENCH_FANOUT_SECONDS", "100"))
REVOCATIONS = int(RATE * SECONDS)
BACKGROUND_RATE = 5.0  # results certified per second meanwhile


def pid_of(process: ServiceProcess) -> int:
    assert process.proc is not None, "started"
    return process.proc.pid


async def certificates(sandbox: Sandbox) -> dict[str, str]:
    """The active certificates' numbers, by product."""
    rows = await sandbox.fetchval("certification", "SELECT coalesce(json_agg(json_build_array("
                                  "product_id, number)), '[]') FROM certificates WHERE status = 'active'")
    return dict(json.loads(str(rows)))


async def issue(sandbox: Sandbox, certification_url: str, office: Office, count: int) -> None:
    """`count` recognised results certified (the office signs their decisions)."""
    async with Publisher(sandbox) as publisher:
        await publisher.send_many([scored(i) for i in range(count)])

    async def enough() -> bool:
        return len(await certificates(sandbox)) >= count

    await asyncio.wait_for(office_decides(certification_url, office, enough), 600)


async def showrooms(trade_url: str, office: Office) -> dict[str, str]:
    keys = {}
    async with httpx.AsyncClient(base_url=trade_url, timeout=30) as client:
        for n in range(SHOWROOMS):
            r = await client.post("/trade/showrooms", headers=await office.headers(), json={
                "id": f"bench-fanout-{n}", "name": f"Điểm bán thử tải {n}", "location_type": "trade_centre",
                "address": "An Giang", "operator": "Thử tải", "carries_all": True})
            r.raise_for_status()
            keys[f"bench-fanout-{n}"] = r.json()["api_key"]
    return keys


async def background(sandbox: Sandbox, certification_url: str, office: Office, stop: asyncio.Event) -> int:
    """New results at BACKGROUND_RATE, the office signing their decisions every second."""
    sent = 0
    async with Publisher(sandbox) as publisher, \
            httpx.AsyncClient(base_url=certification_url, timeout=60) as client:
        last_decided = time.monotonic()
        while not stop.is_set():
            await publisher.send(scored(100_000 + sent))
            sent += 1
            if time.monotonic() - last_decided >= 1.0:
                await decide_all(client, await office.headers())
                last_decided = time.monotonic()
            await asyncio.sleep(1 / BACKGROUND_RATE)
    return sent


async def revoke_all(certification_url: str, office: Office, numbers: list[tuple[str, str]]) -> dict[str, float]:
    """Revoke at RATE through the API; when each decision's response came back (wall clock)."""
    decided: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=certification_url, timeout=30) as client:
        for product_id, number in numbers:
            started = time.monotonic()
            r = await client.post(f"/certification/certificates/{number}/revocation",
                                  headers=await office.headers(),
                                  json={"grounds": [3], "decision_no": f"QĐ {number}/QĐ-UBND",
                                        "reason": "Thử tải: thu hồi"})
            decided[product_id] = time.time()
            r.raise_for_status()
            await asyncio.sleep(max(0.0, 1 / RATE - (time.monotonic() - started)))
    return decided


async def subject(sandbox: Sandbox, workdir: Path) -> tuple[list[float], dict[str, Any]]:
    env = {"OCOP_LOG_LEVEL": "WARNING"}
    certification = sandbox.process("certification", **env).start()
    trades = [sandbox.process("trade", **env).start() for _ in range(2)]
    for process in (certification, *trades):
        await process.wait_ready(timeout=120)
    office = await Office(sandbox).start({"certification": certification, "trade": trades[0]})
    keys = await showrooms(trades[0].url, office)
    await issue(sandbox, certification.url, office, REVOCATIONS)
    for showroom in keys:
        async def filled(showroom: str = showroom) -> bool:
            count = await sandbox.fetchval("trade", "SELECT count(*) FROM catalog_items WHERE catalog_id = $1",
                                           showroom)
            return int(str(count)) >= REVOCATIONS

        await poll(filled, seconds=300, what=f"{showroom}'s catalog")
    to_revoke = sorted((await certificates(sandbox)).items())[:REVOCATIONS]

    stop_file, out_file, plan_file = workdir / "stop", workdir / "tills.json", workdir / "plan.json"
    plan = [{"till": f"till-{n}", "url": trades[n % 2].url, "showroom": f"bench-fanout-{n % SHOWROOMS}",
             "key": keys[f"bench-fanout-{n % SHOWROOMS}"]} for n in range(TILLS)]
    await asyncio.to_thread(plan_file.write_text, json.dumps({"tills": plan, "stop": str(stop_file)}))
    rss_before = sum(rss_mib(pid_of(t)) for t in trades)
    log = await asyncio.to_thread(open, workdir / "tills.log", "wb")
    tills = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.tills", str(plan_file), str(out_file),
        cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=log)

    async def connected() -> bool:
        if tills.returncode is not None:
            raise RuntimeError(f"the tills stopped before connecting; see {workdir / 'tills.log'}")
        return await asyncio.to_thread(out_file.exists)

    await poll(connected, seconds=600, what="every till's stream")
    rss_connected = sum(rss_mib(pid_of(t)) for t in trades)

    stop = asyncio.Event()
    loading = asyncio.create_task(background(sandbox, certification.url, office, stop))
    decided = await revoke_all(certification.url, office, to_revoke)
    stop.set()
    issued_meanwhile = await loading

    async def trade_caught_up() -> bool:  # late is measured as late; only what never comes is missed
        return int(str(await sandbox.fetchval(
            "trade", "SELECT count(*) FROM catalog_changes WHERE catalog_id = 'province' AND kind = 'tombstone'"
        ))) >= len(decided)

    with contextlib.suppress(ApiError):
        await poll(trade_caught_up, seconds=300, what="trade to apply every revocation")
    await asyncio.sleep(5)  # the last tombstones on their way to the tills
    await asyncio.to_thread(stop_file.write_text, "stop")
    await asyncio.wait_for(tills.wait(), 60)
    log.close()
    seen: dict[str, dict[str, float]] = json.loads(await asyncio.to_thread(out_file.read_text))["seen"]
    committed = dict(json.loads(str(await sandbox.fetchval(
        "trade", "SELECT coalesce(json_agg(json_build_array(product_id, extract(epoch FROM at))), '[]') "
                 "FROM catalog_changes WHERE catalog_id = 'province' AND kind = 'tombstone'"))))
    for process in (certification, *trades):
        process.terminate()
    latencies = [at[product] - moment for at in seen.values()
                 for product, moment in decided.items() if product in at]
    to_trade = [committed[p] - moment for p, moment in decided.items() if p in committed]
    to_tills = [at[p] - committed[p] for at in seen.values() for p in decided if p in at and p in committed]
    missed = len(decided) * TILLS - len(latencies)  # a till that never answered misses them all
    return latencies, {
        "tills": TILLS, "showrooms": SHOWROOMS, "trade_processes": len(trades),
        "revocations": len(decided), "pairs": len(decided) * TILLS, "missed": missed,
        "certified_meanwhile": issued_meanwhile,
        "trade_rss_mib_before_tills": round(rss_before, 1),
        "trade_rss_mib_with_tills": round(rss_connected, 1),
        "kib_per_connected_till": round((rss_connected - rss_before) * 1024 / TILLS, 1),
        # where the time goes: decision -> trade's commit of the tombstone -> each till
        "decision_to_trade_commit_ms": {f"p{p}": round(percentile(to_trade, p) * 1000, 1) for p in (50, 99)},
        "trade_commit_to_till_ms": {f"p{p}": round(percentile(to_tills, p) * 1000, 1) for p in (50, 99)},
    }


async def run(settings: Settings, workdir: Path) -> Result:
    base, latencies, details = await against_baseline(settings, workdir, ["certification", "trade"], subject)
    figures = latency_figures(latencies, base, ((50, 50), (99, 250)))
    figures.append(Figure("missed tombstones", "pairs", 0, details["missed"], "0", details["missed"] == 0,
                          higher_is_better=False))
    return Result("revocation-fanout", "Revocation decision to the tombstone at every till",
                  "raw aiokafka produce -> consume latency, same broker and rate",
                  f"POST /certification/certificates/{{number}}/revocation -> Kafka -> two trade processes -> "
                  f"Server-Sent Events to {TILLS} tills over {SHOWROOMS} showrooms", figures,
                  {**details, "rate_per_s": RATE, "background_certified_per_s": BACKGROUND_RATE})
