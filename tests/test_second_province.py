"""Another province runs the platform by configuration alone (`ocop demo --province 82 --small`):
Đồng Tháp's 2026 story, in its own communes, with its name on certificates, catalog and reports
and its own certificate numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from helpers import free_port
from ocop_cli.demo import demo
from ocop_cli.scenario.story import StoryResult
from ocop_shared.provinces import province
from ocop_shared.settings import Settings
from registry.adapters.admin_units_loader import packaged_admin_units

DONG_THAP = province("82")


async def test_dong_thap_tells_its_2026_story_by_configuration_alone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, http_port=free_port(), province_code=DONG_THAP.code)
    result: StoryResult = await demo(settings, serve=False, quiet=True, small=True)

    # its communes: every producer's commune is one of Đồng Tháp's
    units = packaged_admin_units()
    report = result.reports[2026]
    assert report["province"] == "Đồng Tháp"
    communes = {row["commune_code"] for row in report["by_commune"]}
    assert communes and all(units.province_of(code, date(2026, 11, 1)).code == "82" for code in communes)

    # the same plot as An Giang's 2026: seven evaluated, six at 3★+, one to the central council
    s = report["summary"]
    assert (s["evaluated"], s["three_plus"], s["national_evaluation"], s["revocations"]) == (7, 6, 1, 1)

    # its own certificate numbers and its People's Committee as issuer (5★: the ministry)
    assert sorted(result.issuers_2026.values()) == [
        (3, "UBND tỉnh Đồng Tháp")] * 3 + [(4, "UBND tỉnh Đồng Tháp")] * 2 + [
        (5, "Bộ Nông nghiệp và Môi trường")]
    entries = result.catalog["entries"]
    assert entries
    for entry in entries:
        series = "BNNMT" if entry["stars"] == 5 else "82"
        assert entry["certificate_number"].startswith(f"{series}-2026-"), entry
    assert result.revoked_by == "Chủ tịch UBND tỉnh Đồng Tháp"
    assert len(result.pos_removed) == 1

    # the report the office files names the province
    pdf = next(p for p in result.files if p.name == "bao-cao-ocop-2026.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Chương trình OCOP tỉnh Đồng Tháp" in " ".join(text.split())
