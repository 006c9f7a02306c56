"""`ocop pos sync` — the reference POS client for showroom tills."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from .pos_client import LocalList, SyncResult

app = typer.Typer(no_args_is_help=True, help="Reference POS client (điểm bán)")
console = Console()


def show_changes(result: SyncResult) -> None:
    """What changed, a line each (or that the server is out of reach)."""
    from .pos_client import as_of_text

    if not result.online:
        console.print(f"[yellow]Mất kết nối máy chủ — danh sách tính đến "
                      f"{as_of_text(result.as_of)}[/] (offline: list as of "
                      f"{result.as_of or 'never synced'})")
        return
    for item in result.added:
        console.print(f"  [green]+[/] {item['product_name']} "
                      f"({'★' * int(item.get('stars', 0))}, {item.get('certificate_number')})")
    for item, reason in result.removed:
        console.print(f"  [red]−[/] {item['product_name']}: ngừng bán như sản phẩm OCOP "
                      f"({reason})")


def show(result: SyncResult, local: LocalList) -> None:
    from .pos_client import as_of_text

    if not result.online:
        console.print(f"[yellow]Mất kết nối máy chủ — danh sách tính đến "
                      f"{as_of_text(result.as_of)}[/] (offline: list as of "
                      f"{result.as_of or 'never synced'})")
    else:
        kind = "toàn bộ" if result.full_snapshot else "thay đổi"
        console.print(f"[green]Đã đồng bộ ({kind})[/] — phiên bản {result.version}, "
                      f"lúc {as_of_text(result.as_of)}")
        show_changes(result)
    table = Table(title=f"Sản phẩm OCOP được bán ({len(local.items())})")
    for column in ("Sản phẩm", "Sao", "Giấy chứng nhận", "Hiệu lực đến"):
        table.add_column(column)
    for item in local.items():
        table.add_row(item["product_name"], "★" * int(item["stars"]),
                      item["certificate_number"], item["valid_until"])
    console.print(table)


@app.command()
def sync(
    showroom: Annotated[str, typer.Option(help="Showroom id, e.g. long-xuyen")],
    api_key: Annotated[str, typer.Option(envvar="OCOP_POS_API_KEY", help="The showroom's key")],
    url: Annotated[str, typer.Option(help="Platform base URL")] = "http://127.0.0.1:8000",
    db: Annotated[Path | None, typer.Option(help="Local SQLite copy")] = None,
    terminal: Annotated[str, typer.Option(help="This till's id")] = "till-1",
    follow: Annotated[bool, typer.Option(
        "--follow", help="Then keep following: changes pushed as they happen (Ctrl-C to stop)")] = False,
) -> None:
    """Bring the till's list up to date (or show the last list when offline)."""
    from .pos_client import LocalList, PosClient  # here: `ocop run` needs no HTTP client

    local = LocalList(db or Path("data") / "pos" / f"{showroom}.sqlite3")
    client = PosClient(url, showroom, api_key, local, terminal)
    if follow:
        console.print(f"Đang theo dõi danh mục {showroom} (following; Ctrl-C to stop)")

        async def keep_following() -> None:
            try:
                await client.follow(show_changes)
            finally:
                await client.close()

        try:
            asyncio.run(keep_following())
        except KeyboardInterrupt:
            pass
        finally:
            local.close()
        return

    async def run() -> SyncResult:
        try:
            return await client.sync()
        finally:
            await client.close()

    try:
        result = asyncio.run(run())
        show(result, local)
    finally:
        local.close()
    if not result.online:
        raise typer.Exit(3)
