"""The province running the platform is configuration, not code: another province's office sees
its own name on the catalog and on the reports."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from helpers import api, running_platform
from ocop_shared.settings import Settings
from trade.adapters.tables import catalogs


async def test_the_province_name_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, province_code="82")
    async with running_platform(settings, ["registry", "trade", "reporting"]) as (client, runtimes):
        office = await api(client).office()
        r = await client.post("/trade/showrooms", headers=office, json={
            "id": "sen-hong", "name": "Điểm bán OCOP Sen Hồng", "location_type": "tourist_site",
            "address": "Số 1 Nguyễn Huệ", "commune_code": "30307", "operator": "HTX Sen Hồng"})
        assert r.status_code == 201, r.text
        trade = next(r for r in runtimes if r.name == "trade")
        async with trade.uow() as uow:
            named = await uow.session.scalar(select(catalogs.c.name).where(catalogs.c.id == "province"))
        assert named == "Danh mục sản phẩm OCOP tỉnh Đồng Tháp"
        report = await client.get("/reporting/reports/2026/annual", headers=office)
        assert report.json()["province"] == "Đồng Tháp"
        sheet = await client.get("/reporting/reports/2026/annual", headers=office, params={"format": "xlsx"})
        assert sheet.status_code == 200
        cells = [c for ws in load_workbook(io.BytesIO(sheet.content)) for row in ws.iter_rows(values_only=True)
                 for c in row if isinstance(c, str)]
        assert any(c.endswith("Chương trình OCOP tỉnh Đồng Tháp") for c in cells)
