"""`ocop demo` — the platform embedded, with a small An Giang scenario run through the real APIs.

Producers register products, submit them to the 2026 round, the province council (a chair
and three members) scores each on its sheet and the chair finalises, certificates are
issued, and the province catalog that showroom tills read fills up; then one certificate is
revoked and leaves the catalog.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ocop_shared.logging import configure_logging
from ocop_shared.settings import Settings
from registry.domain.validation import with_check_digit

from .api_client import OcopClient, expect, poll
from .platform import make_app

console = Console()


@dataclass(frozen=True)
class DemoProduct:
    entity: str
    legal_form: str
    registration_no: str
    commune_code: str
    product: str
    product_set_no: int
    mean_score: str


def _tax(first_nine: str) -> str:
    code = with_check_digit(first_nine)
    assert code, first_nine
    return code


SCENARIO = (
    DemoProduct("HTX Nông nghiệp Mắm Châu Đốc", "cooperative", _tax("160054321"), "30316",
                "Mắm cá linh Châu Đốc", 9, "74.25"),
    DemoProduct("Cơ sở Khô cá lóc Sáu Tâm", "household", "91A8012345", "30316",
                "Khô cá lóc Sáu Tâm", 8, "66.50"),
    DemoProduct("DNTN Đường thốt nốt Bảy Núi", "enterprise_private", _tax("160112233"), "30544",
                "Đường thốt nốt Tri Tôn", 4, "71.00"),
    DemoProduct("HTX Gạo sạch Tịnh Biên", "cooperative", _tax("160098765"), "30520",
                "Gạo Nàng Nhen Tịnh Biên", 3, "58.75"),
    DemoProduct("Cơ sở Lạp xưởng Tân Châu", "household", "91B8019876", "30376",
                "Lạp xưởng tươi Tân Châu", 8, "48.00"),
    DemoProduct("HTX Trà thảo mộc Núi Cấm", "cooperative", _tax("160045678"), "30538",
                "Trà khổ qua rừng Núi Cấm", 12, "69.75"),
)
ROUND = "AG-2026-R2"


async def run_scenario(client: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    """Runs the scenario through the HTTP APIs; returns the catalog at the end."""
    ocop = OcopClient(client, settings.jwt_secret)
    await ocop.open_round(ROUND, name="Đợt 2 năm 2026 (hồ sơ trước 30/10)")
    product_ids: dict[str, str] = {}
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("Đăng ký, nộp hồ sơ / registering and filing dossiers",
                                 total=len(SCENARIO))
        for item in SCENARIO:
            done = await ocop.submit_new_product(
                registration_no=item.registration_no, entity_name=item.entity,
                legal_form=item.legal_form, commune=item.commune_code,
                product_name=item.product, product_set_no=item.product_set_no, round_id=ROUND)
            product_ids[item.product] = done.product_id
            progress.advance(task)
        task = progress.add_task("Hội đồng tỉnh chấm điểm / council results",
                                 total=len(SCENARIO))
        for item in SCENARIO:
            evaluation = await ocop.open_evaluation(product_ids[item.product])
            await ocop.score_by_council(evaluation["id"], item.mean_score,
                                        "QĐ 1234/QĐ-UBND ngày 15/11/2026")
            progress.advance(task)

    async def catalog_settled() -> Any:
        body = await ocop.catalog()
        return body if len(body["entries"]) >= 5 else None

    catalog = await poll(catalog_settled, what="the catalog")
    revoked = next(e for e in catalog["entries"] if e["product_name"].startswith("Khô cá lóc"))
    expect(await client.post(
        f"/certification/certificates/{revoked['certificate_number']}/revocation",
        headers=ocop.office, json={"grounds": [3], "decision_no": "QĐ 99/QĐ-UBND",
                                   "reason": "Kết luận thanh tra ATTP: vi phạm ghi nhãn hàng hóa"}),
        204)

    async def removed() -> Any:
        body = await ocop.catalog()
        gone = all(e["product_id"] != revoked["product_id"] for e in body["entries"])
        return body if gone else None

    final: dict[str, Any] = await poll(removed, what="the revocation to reach the catalog")
    _print_catalog(final, revoked)
    return final


def _print_catalog(catalog: dict[str, Any], revoked: dict[str, Any]) -> None:
    table = Table(title=f"Danh mục sản phẩm OCOP tỉnh (phiên bản {catalog['version']})")
    for column in ("Sản phẩm", "Chủ thể", "Sao", "Giấy chứng nhận", "Hiệu lực đến"):
        table.add_column(column)
    for entry in catalog["entries"]:
        table.add_row(entry["product_name"], entry["entity_name"], "★" * entry["stars"],
                      entry["certificate_number"], entry["valid_until"])
    console.print(table)
    console.print(f"[yellow]Thu hồi[/] {revoked['certificate_number']} "
                  f"({revoked['product_name']}): đã rời danh mục của mọi điểm bán.")
    console.print("Lạp xưởng Tân Châu đạt 2★ (48 điểm): có kết quả, không cấp giấy chứng nhận.")


async def demo(settings: Settings, serve: bool) -> dict[str, Any]:
    configure_logging("WARNING", json_lines=False)
    app, _ = make_app(settings)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                            log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as client:
            catalog = await run_scenario(client, settings)
        url = settings.base_url()
        console.print(f"\n[bold green]Nền tảng đang chạy[/] at {url}  "
                      f"(API docs: {url}/docs, web console: {url}/console)")
        console.print(f"Data: {settings.data_dir.resolve()}")
        if serve:
            console.print("Ctrl-C to stop.")
            await serving
        return catalog
    finally:
        server.should_exit = True
        await serving
