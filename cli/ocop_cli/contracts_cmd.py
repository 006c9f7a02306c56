"""`ocop contracts export|check` — the published contracts, generated from the code."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ocop_shared.contracts.compat import event_changes, openapi_changes
from ocop_shared.contracts.export import asyncapi, event_schemas
from ocop_shared.http.app import build_app
from ocop_shared.settings import Settings

from .platform import SERVICES, make_runtimes

app = typer.Typer(no_args_is_help=True, help="Event and API contracts")
console = Console()
DEFAULT_DIR = Path("contracts")


def generate() -> dict[str, Any]:
    """Every contract document, keyed by its path under contracts/."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        runtimes = make_runtimes(settings, list(SERVICES))
        consumers = {group: sorted({cls.topic for cls in handlers})  # every consumer group
                     for rt in runtimes for group, handlers in rt.consumer_groups().items() if handlers}
        documents: dict[str, Any] = {
            "events.schema.json": event_schemas(),
            "asyncapi.json": asyncapi(consumers),
        }
        for runtime in runtimes:
            api = build_app([runtime], settings, title=f"OCOP {runtime.name} service")
            documents[f"openapi/{runtime.name}.json"] = api.openapi()
    return documents


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@app.command()
def export(out: Annotated[Path, typer.Option(help="Folder to write to")] = DEFAULT_DIR) -> None:
    """Write JSON Schema, AsyncAPI and OpenAPI documents generated from the code."""
    for name, document in generate().items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_dump(document), encoding="utf-8")
        console.print(f"wrote {target}")


def breaking_changes(folder: Path = DEFAULT_DIR) -> list[str]:
    problems: list[str] = []
    for name, document in generate().items():
        committed = folder / name
        if not committed.exists():
            continue
        old = json.loads(committed.read_text(encoding="utf-8"))
        if name == "events.schema.json":
            problems += event_changes(old, document)
        elif name.startswith("openapi/"):
            problems += [f"{name}: {p}" for p in openapi_changes(old, document)]
    return problems


@app.command()
def check(folder: Annotated[Path, typer.Option(help="Committed contracts")] = DEFAULT_DIR) -> None:
    """Fail if the code breaks a committed contract."""
    problems = breaking_changes(folder)
    if problems:
        for problem in problems:
            console.print(f"[red]BREAKING[/] {problem}")
        raise typer.Exit(1)
    console.print("[green]contracts compatible[/]")
