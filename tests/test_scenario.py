"""`make demo`'s story (An Giang 2020-2026) runs through the real APIs of the embedded platform
and its reports say what the province's 2021 plan says about 2020, and how 2021 met its targets."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from helpers import free_port
from ocop_cli.demo import demo
from ocop_cli.scenario.story import StoryResult
from ocop_shared.settings import Settings


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def rendered_pages(path: Path) -> list[Path]:
    """Pages rendered by poppler: the PDF is not only parseable but drawable."""
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(path.with_suffix(""))], check=True)
    return sorted(path.parent.glob(f"{path.stem}-*.png"))


def by(rows: list[dict[str, Any]], key: str, value: str = "three_plus") -> dict[str, Any]:
    return {row[key]: row[value] for row in rows}


async def test_the_story_reproduces_2020_meets_2021_targets_and_reaches_the_tills(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, http_port=free_port())
    result: StoryResult = await demo(settings, serve=False, quiet=True)

    # 2020, as plan 152/KH-UBND reports it
    r2020 = result.reports[2020]
    s = r2020["summary"]
    assert (s["evaluated"], s["three_plus"], s["entities"]) == (49, 42, 28)
    stars = {row["stars"]: row for row in r2020["by_star"]}
    assert (stars[3]["products"], stars[4]["products"]) == (26, 11)
    assert (stars[5]["products"], stars[5]["pending_central"], stars[5]["recognised"]) == (5, 5, 0)
    assert by(r2020["by_entity_type"], "entity_type", "entities") == {
        "household": 12, "enterprise": 13, "cooperative": 3, "cooperative_group": 0, "other": 0}
    assert by(r2020["by_group"], "category") == {"I": 33, "II": 7, "III": 1, "IV": 1, "V": 0, "VI": 0}
    assert [(r["round_id"], r["evaluated"]) for r in r2020["by_round"]] == [("AG-2020-R1", 28),
                                                                              ("AG-2020-R2", 21)]
    levels = {row["level"]: row for row in r2020["by_level"]}
    assert levels["district"]["results"] == 49 and levels["district"]["forwarded"] == 45
    assert levels["province"]["forwarded"] == 5  # the five proposed for five stars

    # 2021 against the plan's targets
    r2021 = result.reports[2021]
    targets = {t["metric"]: (t["actual"], t["met"]) for t in r2021["targets"]}
    assert targets == {"products_3_star_plus": (24, True), "share_3_star_plus": (round(24 / 28, 4), True),
                       "min_entities_per_unit": (2, True), "national_evaluation": (2, True),
                       "upgrades": (6, True)}
    assert len(r2021["by_district"]) == 11 and min(d["entities"] for d in r2021["by_district"]) == 2
    assert [c["detail"] for c in r2021["changes"] if c["kind"] == "upgrade"] == ["3★ → 4★"] * 6
    assert r2021["fairs"][0]["products"] == 10 and r2021["summary"]["products_at_fairs"] == 10
    assert [r["round_id"] for r in r2021["trend"]] == ["AG-2020-R1", "AG-2020-R2", "AG-2021-R1"]

    # 2026: after the merger, the central council, the 2023 re-ratings ending, one revocation
    r2026 = result.reports[2026]
    s = r2026["summary"]
    assert (s["evaluated"], s["three_plus"], s["national_evaluation"]) == (7, 6, 1)
    assert (s["expiries"], s["revocations"]) == (4, 1)
    assert {row["stars"]: row["recognised"] for row in r2026["by_star"]}[5] == 1
    assert r2026["by_district"] == []  # communes of the new province have no district
    assert {r["commune_name"] for r in r2026["by_commune"]} >= {"Phường Châu Đốc", "Phường Long Xuyên"}
    listed = {e["product_name"]: e["stars"] for e in result.catalog["entries"]}
    assert listed == {"Mắm cá linh Châu Đốc": 4, "Đường thốt nốt Tri Tôn": 5, "Gạo Nàng Nhen Tịnh Biên": 3,
                      "Trà khổ qua rừng Núi Cấm": 3, "Bánh pía sầu riêng Long Xuyên": 4}
    assert "Khô cá lóc Út Hạnh" in result.pos_before and result.pos_removed == ["Khô cá lóc Út Hạnh"]

    # who issued: under 148 a district People's Committee recognised 3★ and the province 4★
    # (2023); 2026's revocation goes to the province, the issuer under 26/2026
    assert result.issuers_2023 == {
        "Chả cá thác lác Châu Phú": (4, "UBND tỉnh An Giang"),
        "Bò một nắng Bảy Núi": (3, "UBND thị xã Tịnh Biên"),
        "Nước mắm cá linh Mỹ Luông": (3, "UBND huyện Chợ Mới"),
        "Mật ong hoa xoài Bảy Núi": (3, "UBND huyện Tri Tôn")}
    assert result.revoked_by == "Chủ tịch UBND tỉnh An Giang"

    # the files the office files: XLSX that opens, PDF that renders with its diacritics
    files = {path.name: path for path in result.files}
    book = load_workbook(files["bao-cao-ocop-2021.xlsx"])
    rows = [[c.value for c in row] for row in book["Chỉ tiêu kế hoạch"].iter_rows(min_row=4)]
    assert rows[0][:4] == ["Sản phẩm đạt từ 3 sao trở lên", "≥ 20", 24, "Đạt"]
    assert [row[3] for row in rows] == ["Đạt"] * 5
    districts = [row[1].value for row in book["Theo huyện, thị xã, thành phố"].iter_rows(min_row=4)]
    assert "Huyện Thoại Sơn" in districts and len(districts) == 11
    text = pdf_text(files["bao-cao-ocop-2020.pdf"])
    assert text.startswith("Báo cáo năm 2020 — Chương trình OCOP tỉnh An Giang")
    assert "Khăn choàng thổ cẩm Văn Giáo" in text and "Hạng sao theo nhóm sản phẩm" in text
    assert "Kết quả qua các đợt đánh giá" in pdf_text(files["bao-cao-ocop-2021.pdf"])
    assert len(rendered_pages(files["bao-cao-ocop-2021.pdf"])) >= 2
