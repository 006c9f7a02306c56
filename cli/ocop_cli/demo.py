"""`ocop demo` — the platform with An Giang's OCOP story from 2020 to 2026, told through its APIs
(`--province <code> --small`: another province's 2026, by configuration alone).

Embedded (default): SQLite files and local files under data/demo. Kafka mode (after `make up`):
the same story on the real stack — Kafka (its own topic namespace), PostgreSQL (fresh
`ocop_demo_<service>` databases) and the S3 server. Either way the services run in this
process on one business clock that the story moves from 2020 to 2026, then the APIs stay up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ocop_shared.clock import ManualClock
from ocop_shared.db.postgres import create_service_database, drop_database
from ocop_shared.logging import configure_logging
from ocop_shared.settings import Environment, Mode, Settings

from .api_client import OcopClient
from .people import DEMO_PASSWORD, OFFICE_LOGIN, InProcessPeople, people_for
from .platform import SERVICES, make_app
from .report_cmd import print_report
from .scenario.cast import cast_of
from .scenario.story import Story, StoryResult, at, settle_all

console = Console()


class ProgressSteps:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start(self, label: str, total: int) -> Callable[[], None]:
        task = self.progress.add_task(label, total=total)
        return lambda: self.progress.advance(task)


async def fresh_deployment(settings: Settings) -> None:
    """Kafka mode: the demo's own databases, recreated empty, each owned by its service's role;
    and, on a cluster with ACLs, its namespace's topics and each service's rights on them."""
    for service in SERVICES:
        name = f"{settings.database_prefix}_{service}"
        await drop_database(settings, name)
        await create_service_database(settings, service, name)
    if settings.kafka_access(None).secured:
        from .kafka_admin import provision

        await asyncio.to_thread(provision, settings, settings.kafka_namespace, users=False)


async def demo(settings: Settings, serve: bool, *, small: bool = False, quiet: bool = False) -> StoryResult:
    """Run the story on a fresh platform; keep serving afterwards when `serve`.

    A demo is development by nature (demo people, one-click sign-in, the stack's development
    credentials), so it runs as development unless OCOP_ENV says otherwise — and production
    then refuses the development settings, as it should."""
    configure_logging("WARNING", json_lines=False)
    if settings.env is None:
        settings = settings.model_copy(update={"env": Environment.DEVELOPMENT})
    if settings.mode is Mode.KAFKA:
        await fresh_deployment(settings)
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
            people = people_for(settings, runtimes)
            ocop = OcopClient(client, people, today=lambda: clock.now().date(), province=settings.province)
            cast = await cast_of(ocop, settings.province)
            out = settings.data_dir / "reports"
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, disable=quiet) as progress:
                story = Story(ocop, clock, lambda: settle_all(runtimes), settings.base_url(), out,
                              ProgressSteps(progress), small=small, cast=cast)
                result = await story.run()
            if isinstance(people, InProcessPeople):  # the form works too, not only one click
                await people.ensure(OFFICE_LOGIN, "", password=DEMO_PASSWORD)
        if not quiet:
            print_story(result, time.monotonic() - started)
            url = settings.base_url()
            console.print(f"\n[bold green]Nền tảng đang chạy / the platform is up[/] at {url}  "
                          f"(bảng điều khiển / web console {url}/console; API docs {url}/docs)")
            one_click = ("một cú nhấp với từng người trong kịch bản / one click as any of the "
                         "story's people, or " if settings.demo_sign_in else "")
            console.print(f"Đăng nhập / sign in at {url}/console/sign-in: {one_click}"
                          f"{OFFICE_LOGIN} / {DEMO_PASSWORD} (demo only)")
            console.print(f"Dữ liệu / data: {settings.data_dir.resolve()} "
                          f"({settings.mode.value}); business clock stays at {clock.now():%d/%m/%Y}")
        if serve:
            console.print("Ctrl-C để dừng / to stop.")
            await serving
        return result
    finally:
        server.should_exit = True
        await serving


def print_story(result: StoryResult, seconds: float) -> None:
    for report in result.reports.values():
        print_report(report, console)
    catalog = Table(title=f"Danh mục sản phẩm OCOP đang hiệu lực (phiên bản {result.catalog['version']})")
    for column in ("Sản phẩm", "Chủ thể", "Sao", "Giấy chứng nhận", "Hiệu lực đến"):
        catalog.add_column(column)
    for entry in result.catalog["entries"]:
        catalog.add_row(entry["product_name"], entry["entity_name"], "★" * entry["stars"],
                        entry["certificate_number"], entry["valid_until"])
    console.print(catalog)
    console.print(f"Quầy POS: nhận {len(result.pos_before)} sản phẩm; sau quyết định thu hồi, "
                  f"đã gỡ: {', '.join(result.pos_removed) or '—'}")
    console.print("Tệp báo cáo / report files: " + ", ".join(str(p) for p in result.files))
    console.print(f"Kịch bản chạy trong {seconds:.0f} giây / the story took {seconds:.0f} s")

