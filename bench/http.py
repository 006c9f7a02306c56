"""Public verification and the POS snapshot, against a bare uvicorn app returning the same bytes.

Load generator: wrk (Debian package), fixed concurrency, fixed duration, one service process
each (certification, trade) on PostgreSQL with certificates that came through Kafka. Figures:
requests per second and p99 latency of each endpoint; the baseline is the bare app
(`bench/bare.py`) serving the endpoint's own response bytes on the same machine.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from ocop_cli.api_client import poll
from ocop_cli.sandbox import ROOT, Sandbox, free_port
from ocop_shared.settings import Settings

from .harness import (
    Figure,
    Office,
    Publisher,
    Result,
    certificate_pdfs_stored,
    scored,
    start_services,
)

CERTIFICATES = 200
CONNECTIONS = 32
SECONDS = 10


def wrk(url: str, headers: dict[str, str]) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) measured by wrk."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors from {url}:\n{out}")
    return rps, p99


@asynccontextmanager
async def serve_bare(body: bytes, workdir: Path, content_type: str = "application/json") -> AsyncIterator[str]:
    """The bare app serving `body`; yields its URL."""
    body_file = workdir / "bare-body"
    body_file.write_bytes(body)
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "bench.bare:app", "--port", str(port), "--log-level", "warning",
        cwd=ROOT, env={"BENCH_BARE_BODY": str(body_file), "BENCH_BARE_TYPE": content_type,
                       "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}/"
    try:
        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(url)).status_code == 200
            except httpx.HTTPError:
                return False

        await poll(up, seconds=30, what="the bare app")
        yield url
    finally:
        server.terminate()
        await server.wait()


async def bare(body: bytes, workdir: Path) -> tuple[float, float]:
    async with serve_bare(body, workdir) as url:
        return await asyncio.to_thread(wrk, url, {})


async def run(settings: Settings, workdir: Path) -> Result:
    sandbox = Sandbox(settings, workdir, services=["certification", "trade"], prefix="b")
    await sandbox.create_databases()
    try:
        services = await start_services(sandbox, ["certification", "trade"])
        async with Publisher(sandbox) as publisher:
            await publisher.send_many([scored(i) for i in range(CERTIFICATES)])
        office = await (await Office(sandbox).start(services)).headers()
        async with httpx.AsyncClient(base_url=services["trade"].url, timeout=30) as trade:
            created = (await trade.post("/trade/showrooms", headers=office, json={
                "id": "bench-http", "name": "Điểm bán thử tải", "location_type": "trade_centre",
                "address": "Long Xuyên", "operator": "Thử tải", "carries_all": True})).json()
            key = {"X-API-Key": created["api_key"]}

            async def filled() -> bytes | None:
                r = await trade.get("/trade/pos/bench-http/catalog", headers=key)
                return r.content if len(r.json()["items"]) >= CERTIFICATES else None

            snapshot = await poll(filled, seconds=180, what="the showroom catalog")
        # steady state: the certificates' PDFs (rendered after issue) are done before measuring
        await poll(lambda: certificate_pdfs_stored(sandbox), seconds=300, what="the certificate PDFs")
        async with httpx.AsyncClient(base_url=services["certification"].url, timeout=30) as cert:
            number = (await cert.get("/certification/certificates", headers=office)).json()["items"][0]["number"]
            verification = (await cert.get(f"/certification/verify/{number}")).content
        figures = []
        for name, url, headers, body in (
                ("verify", f"{services['certification'].url}/certification/verify/{number}", {}, verification),
                ("pos-snapshot", f"{services['trade'].url}/trade/pos/bench-http/catalog", key, snapshot)):
            rps, p99 = await asyncio.to_thread(wrk, url, headers)
            bare_rps, bare_p99 = await bare(body, workdir)
            figures.append(Figure(f"{name} throughput", "req/s", round(bare_rps, 1), round(rps, 1),
                                  ">= 0.5 of bare", rps >= 0.5 * bare_rps))
            figures.append(Figure(f"{name} p99", "ms", round(bare_p99, 2), round(p99, 2), "", None,
                                  higher_is_better=False))
    finally:
        for process in sandbox.processes:
            process.kill()
        await sandbox.remove()
    return Result("http-endpoints", "Public verification and POS snapshot vs a bare uvicorn app",
                  "bare ASGI app under uvicorn returning the same response bytes",
                  "the service's endpoint (auth, database, serialisation) under wrk",
                  figures, {"connections": CONNECTIONS, "seconds": SECONDS, "snapshot_items": CERTIFICATES,
                            "snapshot_bytes": len(snapshot), "verification_bytes": len(verification)})
