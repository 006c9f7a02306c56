"""`ocop report` — the coordination office's report from a running platform, as tables or files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ocop_shared.settings import Settings

if TYPE_CHECKING:
    import httpx

console = Console()
FORMATS = ("table", "json", "xlsx", "pdf")


def print_report(report: dict[str, Any], out: Console = console) -> None:
    """The figures a reader looks for first, and the plan's targets when the year has a plan."""
    year = report["year"]
    s = report["summary"]
    table = Table(title=f"{report['period_name_vi']} {year} — OCOP {report['province']} ({report['period_name_en']})")
    table.add_column("Chỉ tiêu / figure")
    table.add_column("Giá trị / value")
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
        ("Sản phẩm tại điểm bán / hội chợ", f"{s['products_in_showrooms']} / {s['products_at_fairs']}"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    out.print(table)
    if report["targets"]:
        targets = Table(title=f"Chỉ tiêu kế hoạch {year} / plan targets")
        for column in ("Chỉ tiêu / target", "Kế hoạch", "Thực hiện", "Kết quả"):
            targets.add_column(column)
        for t in report["targets"]:
            share = t["metric"].startswith("share")
            planned = (f"≥ {t['target_min'] * 100:.0f}%" if share else
                       f"{t['target_min']:.0f}–{t['target_max']:.0f}" if t["target_max"] else
                       f"≥ {t['target_min']:.0f}")
            actual = f"{t['actual'] * 100:.1f}%" if share else f"{t['actual']:.0f}"
            met = "[green]Đạt[/]" if t["met"] else "[red]Chưa đạt[/]"
            targets.add_row(t["label_vi"], planned, actual, met)
        out.print(targets)


async def fetch_report(base_url: str, year: int, period: str, fmt: str,
                       lang: str) -> httpx.Response:
    """As the signed-in person (`ocop login`): the report is the office's."""
    import httpx  # only here: `ocop run` imports this module and a service needs no HTTP client

    from .login_cmd import access_token

    headers = {"authorization": f"Bearer {await access_token(base_url)}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        params = {"format": "json" if fmt == "table" else fmt, "lang": lang}
        return await client.get(f"/reporting/reports/{year}/{period}", headers=headers, params=params)


def report(
    year: Annotated[int, typer.Argument(help="Year, e.g. 2021")],
    period: Annotated[str, typer.Option(help="annual (due 30 November) or half-year (due 30 May)")] = "annual",
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}")] = "table",
    lang: Annotated[str, typer.Option(help="vi or en (files)")] = "vi",
    out: Annotated[Path | None, typer.Option(help="File to write (xlsx, pdf, json)")] = None,
    url: Annotated[str | None, typer.Option(help="Platform base URL (default: this machine's)")] = None,
) -> None:
    """Fetch the report from the reporting service and show it or save it."""
    if fmt not in FORMATS or period not in ("annual", "half-year") or lang not in ("vi", "en"):
        console.print(f"[red]--format {fmt} / --period {period} / --lang {lang}: choose --format from "
                      f"{', '.join(FORMATS)}, --period annual|half-year, --lang vi|en[/]")
        raise typer.Exit(2)
    import httpx

    settings = Settings()
    base = url or settings.base_url()
    try:
        response = asyncio.run(fetch_report(base, year, period, fmt, lang))
    except LookupError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error
    except httpx.TransportError as error:
        console.print(f"[red]Không kết nối được / cannot reach {base}: {error}. "
                      f"Is the platform running (make run / make demo)?[/]")
        raise typer.Exit(1) from error
    if response.status_code != 200:
        console.print(f"[red]{response.status_code}: {response.text[:300]}[/]")
        raise typer.Exit(1)
    if fmt == "table":
        print_report(response.json())
        return
    target = out or Path(f"bao-cao-ocop-{year}-{period}.{fmt}")
    target.write_bytes(response.content)
    console.print(f"Đã lưu / saved {target} ({len(response.content):,} bytes)")
