"""The README's benchmark table from bench/results/*.json: `python -m bench.table`."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
ORDER = ("outbox-relay-throughput", "revocation-to-till", "revocation-fanout", "events-chain", "pipeline-throughput",
         "replay-1m", "http-endpoints", "dossier-upload", "national-scale")


def markdown() -> str:
    results = {r["name"]: r for r in (json.loads(p.read_text(encoding="utf-8"))
                                      for p in RESULTS.glob("*.json")) if "figures" in r}
    lines = ["| benchmark | figure | baseline | subject | ratio | goal | met |", "|---|---|---|---|---|---|---|"]
    runs = set()
    for name in sorted(results, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
        result = results[name]
        runs.add(result["machine"]["when"][:10])
        for f in result["figures"]:
            met = "—" if f["met"] is None else ("yes" if f["met"] else "**no**")
            lines.append(f"| {name} | {f['metric']} ({f['unit']}) | {f['baseline']} | {f['subject']} | "
                         f"{f['ratio']} | {f['goal'] or '—'} | {met} |")
    machine = next(iter(results.values()))["machine"]
    lines.append("")
    lines.append(f"Machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, {machine['os']}, "
                 f"Python {machine['python']}, {machine['java']}; runs on {', '.join(sorted(runs))}.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
