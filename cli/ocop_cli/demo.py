"""`ocop demo` — the platform embedded, with a small An Giang scenario run through the real APIs.

Producers register products, submit them to the 2026 round, the province council's
results come in, certificates are issued, and the province catalog that showroom tills
read fills up; then one certificate is revoked and leaves the catalog.
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

from ocop_shared.auth import Principal, Role, issue_token
from ocop_shared.logging import configure_logging
from ocop_shared.settings import Settings

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


SCENARIO = (
    DemoProduct("HTX Nông nghiệp Mắm Châu Đốc", "cooperative", "1600543210", "30280",
                "Mắm cá linh Châu Đốc", 9, "74.25"),
    DemoProduct("Cơ sở Khô cá lóc Sáu Tâm", "household", "89A8012345", "30307",
                "Khô cá lóc Sáu Tâm", 8, "66.50"),
    DemoProduct("DNTN Đường thốt nốt Bảy Núi", "enterprise_private", "1601122334", "30568",
                "Đường thốt nốt Tri Tôn", 4, "71.00"),
    DemoProduct("HTX Gạo sạch Tịnh Biên", "cooperative", "1600987654", "30535",
                "Gạo Nàng Nhen Tịnh Biên", 3, "58.75"),
    DemoProduct("Cơ sở Lạp xưởng Tân Châu", "household", "89A8019876", "30340",
                "Lạp xưởng tươi Tân Châu", 8, "48.00"),
    DemoProduct("Tổ hợp tác Dệt thổ cẩm Văn Giáo", "cooperative_group", "89B0004567", "30544",
                "Khăn thổ cẩm Chăm Châu Phong", 21, "69.99"),
)


def _headers(settings: Settings) -> dict[str, str]:
    office = Principal(subject="demo-office", name="Văn phòng điều phối OCOP tỉnh",
                       roles=frozenset({Role.PROVINCE_OFFICE}))
    return {"authorization": f"Bearer {issue_token(settings.jwt_secret, office)}"}


async def _until(probe: Any, seconds: float = 30) -> Any:
    for _ in range(int(seconds / 0.1)):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise RuntimeError("the platform did not answer in time")


async def run_scenario(client: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    """Runs the scenario through the HTTP APIs; returns the catalog at the end."""
    headers = _headers(settings)
    product_ids: list[str] = []
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("Đăng ký và nộp hồ sơ / registering and submitting",
                                 total=len(SCENARIO))
        for item in SCENARIO:
            r = await client.post("/registry/entities", headers=headers, json={
                "name": item.entity, "legal_form": item.legal_form,
                "registration_no": item.registration_no, "commune_code": item.commune_code,
                "province_code": "89"})
            r.raise_for_status()
            entity_id = r.json()["id"]
            r = await client.post("/registry/products", headers=headers, json={
                "entity_id": entity_id, "name": item.product,
                "product_set_no": item.product_set_no})
            r.raise_for_status()
            product_id = r.json()["id"]
            product_ids.append(product_id)
            r = await client.post(f"/registry/products/{product_id}/submissions",
                                  headers=headers, json={"round_id": "AG-2026-R1"})
            r.raise_for_status()
            progress.advance(task)

        task = progress.add_task("Hội đồng tỉnh chấm điểm / council results",
                                 total=len(product_ids))
        scores = {item.product: item.mean_score for item in SCENARIO}
        for product_id in product_ids:
            async def opened(pid: str = product_id) -> Any:
                items = (await client.get("/scoring/evaluations", headers=headers,
                                          params={"product_id": pid})).json()
                return items[0] if items else None

            evaluation = await _until(opened)
            r = await client.post(
                f"/scoring/evaluations/{evaluation['id']}/result", headers=headers,
                json={"mean_score": scores[evaluation["product_name"]],
                      "part_scores": {}, "decision_ref": "QĐ 1234/QĐ-UBND ngày 15/11/2026"})
            r.raise_for_status()
            progress.advance(task)

    async def catalog_settled() -> Any:
        body = (await client.get("/trade/catalogs/province")).json()
        return body if len(body["entries"]) >= 5 else None

    catalog = await _until(catalog_settled)
    revoked = next(e for e in catalog["entries"] if e["product_name"].startswith("Khô cá lóc"))
    r = await client.post(f"/certification/certificates/{revoked['certificate_number']}/revocation",
                          headers=headers, json={
                              "grounds": [3], "decision_no": "QĐ 99/QĐ-UBND",
                              "reason": "Kết luận thanh tra ATTP: vi phạm ghi nhãn hàng hóa"})
    r.raise_for_status()

    async def removed() -> Any:
        body = (await client.get("/trade/catalogs/province")).json()
        gone = all(e["product_id"] != revoked["product_id"] for e in body["entries"])
        return body if gone else None

    final: dict[str, Any] = await _until(removed)
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
                      f"(API docs: {url}/docs, verify: {url}/certification/verify/<số>)")
        console.print(f"Data: {settings.data_dir.resolve()}")
        if serve:
            console.print("Ctrl-C to stop.")
            await serving
        return catalog
    finally:
        server.should_exit = True
        await serving
