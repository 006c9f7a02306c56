"""`ocop rebuild trade|reporting --mode kafka`: a projection built again from the topics beside
the one in use, with a progress bar, and swapped in when caught up (see rebuild.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from ocop_shared.settings import Mode, Settings

console = Console()


def _rate(progress: Progress, task: TaskID) -> str:
    speed = progress.tasks[task].speed
    return f"{speed:,.0f} sự kiện/s (events/s)" if speed else "…"


def rebuild(
    service: Annotated[str, typer.Argument(help="trade or reporting")],
    mode: Annotated[Mode, typer.Option(help="kafka: the services' PostgreSQL and topics")] = Mode.EMBEDDED,
) -> None:
    """Rebuild a projection from its topics beside the one in use, then swap it in at once.
    Run it again after an interruption: it resumes where it stopped."""
    from .rebuild import Progress as Steps
    from .rebuild import Rebuild, RebuildRefused

    if mode is not Mode.KAFKA:
        console.print("[red]ocop rebuild chạy với --mode kafka / runs with --mode kafka: the embedded platform "
                      "keeps its projections in its own files; stop it and start it with a new data folder to "
                      "replay its bus.[/]")
        raise typer.Exit(2)
    settings = Settings(mode=Mode.KAFKA)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task(f"Dựng lại {service} / rebuilding {service}", total=None, rate="…")

        def started(schema: str, resumed: bool) -> None:
            bar.console.print(("Tiếp tục / resuming " if resumed else "Bắt đầu / starting ") + schema)

        def advanced(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            bar.update(task, rate=_rate(bar, task))

        def swapped(what: str) -> None:
            bar.console.print(f"[green]Đã thay / swapped: {what}[/]")

        async def run() -> None:
            job = Rebuild(settings, service)
            try:
                await job.run(Steps(started, advanced, swapped))
            finally:
                await job.close()

        try:
            asyncio.run(run())
        except RebuildRefused as refused:
            console.print(f"[red]{refused}[/]")
            raise typer.Exit(2) from refused
        except Exception as error:  # the operator needs the cause and what to do, not a traceback
            console.print(f"[red]Dựng lại dừng / the rebuild stopped: {type(error).__name__}: "
                          f"{str(error).splitlines()[0] if str(error) else ''}[/]\n"
                          "Nothing was swapped; run the command again to resume.")
            raise typer.Exit(1) from error
