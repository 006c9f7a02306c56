"""`make bench`: the benchmarks on the real stack; a table, and bench/results/<name>.json.

Every figure is shown next to a baseline measured in the same run, and as their ratio:
absolute times drift on shared machines, ratios much less. `python -m bench NAME...` runs
some of them (names: see BENCHMARKS).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ocop_shared.settings import Settings

from . import events_chain, fanout, http, pipeline, relay, replay, revocation, scale, upload
from .harness import Result
from .machine import describe

RESULTS = Path(__file__).parent / "results"
BENCHMARKS = {"relay": relay.run, "revocation": revocation.run, "pipeline": pipeline.run, "http": http.run,
              "upload": upload.run, "scale": scale.run, "replay-1m": replay.run, "fanout": fanout.run,
              "events-chain": events_chain.run}


def table(results: list[Result]) -> Table:
    out = Table(title="Benchmarks (ratio = subject / baseline, measured in the same run)")
    for column in ("benchmark", "figure", "baseline", "subject", "ratio", "goal", "met"):
        out.add_column(column)
    for result in results:
        for figure in result.figures:
            met = "—" if figure.met is None else ("yes" if figure.met else "NO")
            out.add_row(result.name, f"{figure.metric} ({figure.unit})", str(figure.baseline),
                        str(figure.subject), str(figure.ratio), figure.goal, met)
    return out


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    settings = Settings(log_level="WARNING")
    machine = describe()
    results = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in names or list(BENCHMARKS):
        workdir = RESULTS / "tmp" / name  # service logs stay here for a look afterwards
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        result = asyncio.run(BENCHMARKS[name](settings, workdir))
        (RESULTS / f"{result.name}.json").write_text(result.to_json(machine), encoding="utf-8")
        results.append(result)
        Console().print(table([result]))
    Console().print(table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
