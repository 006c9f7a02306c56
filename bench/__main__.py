"""`make bench`: run the benchmarks on the real stack, print a table, write bench/results/."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ocop_shared.settings import Settings

from . import relay
from .machine import describe

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    settings = Settings()
    machine = describe()
    results = [asyncio.run(relay.run(settings))]
    table = Table(title="Benchmarks (ratio = subject / baseline, same run)")
    for column in ("benchmark", "unit", "baseline", "subject", "ratio"):
        table.add_column(column)
    for result in results:
        table.add_row(result["name"], result["unit"], str(result["baseline"]),
                      str(result["subject"]), str(result["ratio"]))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{result['name']}.json").write_text(
            json.dumps({**result, "machine": machine}, indent=2, ensure_ascii=False) + "\n")
    Console().print(table)


if __name__ == "__main__":
    main()
