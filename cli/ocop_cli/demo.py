"""`ocop demo` — the platform with An Giang's OCOP story from 2020 to 2026, told through its APIs.

Embedded (default): SQLite files and local files under data/demo. Kafka mode (after `make up`):
the same story on the real stack — Kafka (its own topic namespace), PostgreSQL (fresh
`ocop_demo_<service>` databases) and the S3 server. Either way the services run in this
process on one business clock that the story moves from 2020 to 2026, then the APIs stay up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg
import httpx
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ocop_shared.clock import ManualClock
from ocop_shared.logging import configure_logging
from ocop_shared.settings import Mode, Settings

from .api_client import OcopClient
from .platform import SERVICES, make_app
from .scenario.story import Story, StoryResult, at, settle_all

console = Console()


class ProgressSteps:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start(self, label: str, total: int) -> Callable[[], None]:
        task = self.progress.add_task(label, total=total)
        return lambda: self.progress.advance(task)


async def fresh_databases(settings: Settings) -> None:
    """Kafka mode: the demo's own databases, recreated empty."""
    dsn = settings.postgres_url.replace("postgresql+asyncpg", "postgresql").rstrip("/")
    conn = await asyncpg.connect(f"{dsn}/postgres", timeout=10)
    try:
        for service in SERVICES:
            name = f"{settings.database_prefix}_{service}"
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def demo(settings: Settings, serve: bool, *, small: bool = False, quiet: bool = False) -> StoryResult:
    """Run the story on a fresh platform; keep serving afterwards when `serve`."""
    configure_logging("WARNING", json_lines=False)
    if settings.mode is Mode.KAFKA:
        await fresh_databases(settings)
    clock = ManualClock(at("2020-02-20"))
    app, runtimes = make_app(settings, clock=clock)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                            log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(base_url=settings.base_url(), timeout=60) as client:
            ocop = OcopClient(client, settings.jwt_secret, today=lambda: clock.now().date())
            out = settings.data_dir / "reports"
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, disable=quiet) as progress:
                story = Story(ocop, clock, lambda: settle_all(runtimes), settings.base_url(), out,
                              ProgressSteps(progress), small=small)
                result = await story.run()
        if not quiet:
            print_story(result, time.monotonic() - started)
            url = settings.base_url()
            console.print(f"\n[bold green]Nền tảng đang chạy / the platform is up[/] at {url}  "
                          f"(API docs {url}/docs; xác minh / verify: {url}/certification/verify/<số>)")
            console.print(f"Dữ liệu / data: {settings.data_dir.resolve()} "
                          f"({settings.mode.value}); business clock stays at {clock.now():%d/%m/%Y}")
        if serve:
            console.print("Ctrl-C để dừng / to stop.")
            await serving
        return result
    finally:
        server.should_exit = True
        await serving


def _yes(value: bool) -> str:
    return "[green]Đạt[/]" if value else "[red]Chưa đạt[/]"


def print_story(result: StoryResult, seconds: float) -> None:
    for year, report in result.reports.items():
        s = report["summary"]
        table = Table(title=f"Báo cáo năm {year} — OCOP An Giang (annual report)")
        for column in ("Chỉ tiêu / figure", "Giá trị"):
            table.add_column(column)
        stars = {r["stars"]: r for r in report["by_star"]}
        rows = [
            ("Sản phẩm tham gia đánh giá / evaluated", s["evaluated"]),
            ("Đạt từ 3 sao / at 3★+", f"{s['three_plus']} ({s['share_three_plus'] * 100:.1f}%)"),
            ("3★ / 4★ / đề xuất 5★ / 5★",
             f"{stars[3]['products']} / {stars[4]['products']} / "
             f"{sum(r['pending_central'] for r in report['by_star'])} / {stars[5]['recognised']}"),
            ("Chủ thể / entities", ", ".join(f"{r['name_vi']} {r['entities']}"
                                            for r in report["by_entity_type"] if r["entities"])),
            ("Theo nhóm (từ 3★) / by group (3★+)", ", ".join(f"{r['name_vi']} {r['three_plus']}"
                                                            for r in report["by_group"] if r["three_plus"])),
            ("Nâng hạng / đánh giá lại / hết hạn / thu hồi",
             f"{s['upgrades']} / {s['reratings']} / {s['expiries']} / {s['revocations']}"),
            ("Điểm bán / hội chợ (sản phẩm)", f"{s['products_in_showrooms']} / {s['products_at_fairs']}"),
        ]
        for name, value in rows:
            table.add_row(name, str(value))
        console.print(table)
        if report["targets"]:
            targets = Table(title=f"Chỉ tiêu kế hoạch {year} / plan targets")
            for column in ("Chỉ tiêu", "Kế hoạch", "Thực hiện", ""):
                targets.add_column(column)
            for t in report["targets"]:
                share = t["metric"].startswith("share")
                planned = (f"≥ {t['target_min'] * 100:.0f}%" if share else
                           f"{t['target_min']:.0f}–{t['target_max']:.0f}" if t["target_max"] else
                           f"≥ {t['target_min']:.0f}")
                actual = f"{t['actual'] * 100:.1f}%" if share else f"{t['actual']:.0f}"
                targets.add_row(t["label_vi"], planned, actual, _yes(t["met"]))
            console.print(targets)
    catalog = Table(title=f"Danh mục sản phẩm OCOP đang hiệu lực (phiên bản {result.catalog['version']})")
    for column in ("Sản phẩm", "Chủ thể", "Sao", "Giấy chứng nhận", "Hiệu lực đến"):
        catalog.add_column(column)
    for entry in result.catalog["entries"]:
        catalog.add_row(entry["product_name"], entry["entity_name"], "★" * entry["stars"],
                        entry["certificate_number"], entry["valid_until"])
    console.print(catalog)
    console.print(f"Quầy POS Núi Sam: nhận {len(result.pos_before)} sản phẩm; sau quyết định thu hồi, "
                  f"đã gỡ: {', '.join(result.pos_removed) or '—'}")
    console.print("Tệp báo cáo / report files: " + ", ".join(str(p) for p in result.files))
    console.print(f"Kịch bản chạy trong {seconds:.0f} giây / the story took {seconds:.0f} s")

