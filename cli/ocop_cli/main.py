"""`ocop` — run the platform and operate it."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
import uvicorn
import uvloop
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ocop_shared.logging import configure_logging
from ocop_shared.memory import return_large_buffers_promptly
from ocop_shared.production import RefusedInProduction
from ocop_shared.provinces import all_provinces
from ocop_shared.settings import Mode, Settings, default_province

from . import accounts_cmd, contracts_cmd, dlq_cmd, events_cmd, kafka_cmd, login_cmd, pos_cmd, rebuild_cmd, report_cmd
from .platform import SERVICES, MissingCredential, make_app

app = typer.Typer(no_args_is_help=True, help="OCOP platform — Mỗi xã một sản phẩm")


@app.callback()
def check_settings() -> None:
    """Refuse to start on settings that cannot be right (an unknown OCOP_PROVINCE_CODE...),
    with one line per setting instead of a traceback."""
    try:
        Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "OCOP_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"{name}: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        raise typer.Exit(2) from None


app.add_typer(contracts_cmd.app, name="contracts")
app.add_typer(dlq_cmd.app, name="dlq")
app.add_typer(pos_cmd.app, name="pos")
app.add_typer(events_cmd.app, name="events")
app.add_typer(accounts_cmd.app, name="accounts")
app.add_typer(kafka_cmd.kafka_app, name="kafka")
app.add_typer(kafka_cmd.subscribers_app, name="subscribers")
app.command("report")(report_cmd.report)
app.command("rebuild")(rebuild_cmd.rebuild)
app.command("login")(login_cmd.login)
app.command("logout")(login_cmd.logout)
app.command("token")(login_cmd.token)
console = Console()


@app.command()
def run(
    services: Annotated[list[str] | None, typer.Argument(
        help=f"Services to run ({', '.join(SERVICES)}); all when omitted")] = None,
    mode: Annotated[Mode, typer.Option(help="embedded (default) or kafka")] = Mode.EMBEDDED,
    host: Annotated[str | None, typer.Option(help="HTTP host")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
) -> None:
    """Start services: all five in one process (embedded) or one per process (kafka)."""
    overrides: dict[str, object] = {"mode": mode}
    if host:
        overrides["http_host"] = host
    if port:
        overrides["http_port"] = port
    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, settings.log_json)
    return_large_buffers_promptly()
    if mode is Mode.KAFKA and not services:
        console.print("[red]kafka mode runs one service per process: "
                      "ocop run --mode kafka registry (or: console, with OCOP_API_URL)[/red]")
        raise typer.Exit(2)
    try:
        if services == ["console"]:  # the web console on its own, in front of the gateway
            from ocop_console.app import standalone_console
            from ocop_shared import production

            production.check(settings, ("console",))
            fastapi_app, names = standalone_console(settings, settings.api_url), "console"
        else:
            fastapi_app, runtimes = make_app(settings, services)
            names = ", ".join(rt.name for rt in runtimes)
    except (RefusedInProduction, MissingCredential) as refusal:
        console.print(f"[red]{refusal}[/]", soft_wrap=True)
        raise typer.Exit(2) from refusal
    console.print(f"[bold green]OCOP[/] {names} ({mode.value}) on {settings.base_url()}")
    config = uvicorn.Config(
        fastapi_app, host=settings.http_host, port=settings.http_port, log_config=None,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        access_log=False,  # configure_logging silences uvicorn.access: skip formatting its lines
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # libuv: less CPU per socket write
        runner.run(uvicorn.Server(config).serve())


@app.command("demo")
def demo_command(
    serve: Annotated[bool, typer.Option(help="Keep serving after the scenario")] = True,
    port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
    mode: Annotated[Mode, typer.Option(help="embedded (default) or kafka (after `make up`)")] = Mode.EMBEDDED,
    small: Annotated[bool, typer.Option(help="Only the 2026 part of the story")] = False,
    province: Annotated[str | None, typer.Option(
        help="The province's code (OCOP_PROVINCE_CODE; `ocop provinces` lists them): another "
             "province tells the 2026 story with its own communes (with --small)")] = None,
) -> None:
    """An Giang's OCOP story 2020-2026 through the platform's APIs, then keep it running."""
    import shutil
    import time

    from .demo import demo

    base = Settings()
    data_dir = base.data_dir / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)  # the scenario starts from a clean slate
    overrides: dict[str, object] = {"data_dir": data_dir, "mode": mode}
    if mode is Mode.KAFKA:  # its own topics, databases and bucket on the shared stack
        overrides.update(kafka_namespace=f"demo-{int(time.time())}.", database_prefix="ocop_demo",
                         s3_bucket="ocop-demo", env="development")
    overrides["demo_sign_in"] = True  # the console's one-click sign-in as the demo's people
    if port:
        overrides["http_port"] = port
    if province:
        overrides["province_code"] = province
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        console.print(f"[red]--province: {error.errors()[0]['msg'].removeprefix('Value error, ')}[/red]")
        raise typer.Exit(2) from None
    story_of = default_province()
    if settings.province != story_of and not small:
        console.print(f"[red]Câu chuyện 2020-2025 là của {story_of.full_name}; {settings.province.full_name} "
                      f"kể phần 2026: thêm --small / the 2020-2025 story is {story_of.name}'s: add --small[/red]")
        raise typer.Exit(2)
    try:
        asyncio.run(demo(settings, serve, small=small))
    except KeyboardInterrupt:
        console.print("stopped")


@app.command()
def provinces() -> None:
    """The provinces by code (OCOP_PROVINCE_CODE): the 34 since 1 July 2025."""
    current = Settings().province_code
    table = Table(title="Tỉnh, thành phố / provinces (OCOP_PROVINCE_CODE)")
    table.add_column("Mã / code")
    table.add_column("Tên / name")
    for province in all_provinces():
        table.add_row(province.code, province.full_name + (" ◀" if province.code == current else ""))
    console.print(table)


if __name__ == "__main__":
    app()
