"""The province's sheet file for the scenario's 148 round (the 2023 re-ratings).

1048's rounds (2020, 2021) are scored on 1048's packaged sheets
(`ocop_shared/regulations/data/qd-1048-2019.json`, built from two transcriptions of them). No
sheet of 148/QĐ-TTg has been found, so 148 keeps a *scenario sheet*: its part maxima (A 40 /
B 25 / C 35), criteria named after the parts' real headings, five options per criterion and
star-minimum marks on the quality criteria, labelled as scenario data wherever it shows. A real
deployment loads the province's own 148 file through `POST /scoring/sheet-files`.
"""

from __future__ import annotations

import json
from typing import Any

from ocop_shared.regulations import sheet

CLASSIFICATION = "26/2026/QĐ-TTg"  # names and groups of the product sets

# (part, part name, [(group code, group name, [(leaf code, leaf name, max, knockout)])])
LAYOUTS: dict[str, list[tuple[str, str, list[tuple[str, str, list[tuple[str, str, int, bool]]]]]]] = {
    "148/QĐ-TTg": [
        ("A", "SẢN XUẤT VÀ PHÁT TRIỂN CỘNG ĐỒNG", [
            ("1", "Tổ chức sản xuất, kinh doanh", [("1.1", "Nguồn nguyên liệu", 5, False),
                                                   ("1.2", "Sử dụng lao động địa phương", 5, False),
                                                   ("1.3", "Liên kết sản xuất", 5, False),
                                                   ("1.4", "Bảo vệ môi trường", 5, False)]),
            ("2", "Phát triển sản phẩm", [("2.1", "Bao bì, nhãn hàng hóa", 5, False),
                                          ("2.2", "Nguồn gốc ý tưởng sản phẩm", 5, False),
                                          ("2.3", "Câu chuyện về sản phẩm", 10, False)])]),
        ("B", "KINH DOANH VÀ TIẾP THỊ", [
            ("3", "Tiếp thị", [("3.1", "Kênh phân phối", 10, False),
                               ("3.2", "Quảng bá sản phẩm", 10, False),
                               ("3.3", "Bảo hộ nhãn hiệu", 5, False)])]),
        ("C", "CHẤT LƯỢNG SẢN PHẨM", [
            ("4", "Chất lượng", [("4.1", "Tính đặc biệt, cảm quan", 10, False),
                                 ("4.2", "Tiêu chuẩn sản phẩm, công bố chất lượng", 10, False),
                                 ("4.3", "An toàn thực phẩm", 10, True),
                                 ("4.4", "Tiềm năng thị trường", 5, False)])]),
    ],
}
LEVEL_WORDS = ("Chưa đạt yêu cầu", "Đạt mức cơ bản", "Đạt mức khá", "Đạt mức tốt", "Đạt mức rất tốt")


def _options(maximum: int, quality: bool) -> list[dict[str, Any]]:
    """Five options from 0 to the maximum; on quality criteria the 3rd, 4th and 5th are the
    minimums for 3, 4 and 5 stars."""
    points = sorted({round(maximum * step / 4) for step in range(5)})
    marks = {2: 3, 3: 4, 4: 5} if quality else {}
    return [{"label_vi": f"{LEVEL_WORDS[min(i, 4)]} ({p} điểm)", "points": p,
             "min_star": marks.get(i)} for i, p in enumerate(points)]


def _product_set(regulation: str, set_no: int) -> dict[str, Any]:
    named = sheet(CLASSIFICATION, set_no)
    parts: list[dict[str, Any]] = []
    for part_code, part_name, groups in LAYOUTS[regulation]:
        criteria: list[dict[str, Any]] = []
        for group_code, group_name, leaves in groups:
            children: list[dict[str, Any]] = [{"code": code, "name_vi": name, "max": maximum,
                         "note_vi": "Bị loại nếu không có giấy tờ an toàn thực phẩm" if knockout else None,
                         "knockout": knockout, "children": [],
                         "options": _options(maximum, part_code == "C")}
                        for code, name, maximum, knockout in leaves]
            criteria.append({"code": group_code, "name_vi": group_name,
                             "max": sum(c["max"] for c in children), "note_vi": None,
                             "knockout": False, "options": [], "children": children})
        parts.append({"code": part_code, "name_vi": part_name,
                      "max": sum(c["max"] for c in criteria), "criteria": criteria})
    return {"no": set_no, "slug": f"kich-ban-{set_no}", "category": named.category,
            "category_vi": named.category_vi, "group_vi": named.category_vi,
            "name_vi": f"{named.name_vi} (phiếu mô phỏng của kịch bản)",
            "name_en": f"{named.name_en} (scenario sheet)",
            "disqualifiers_vi": ["Hồ sơ bị loại khi: giả mạo hồ sơ"], "parts": parts}


def sheet_file(regulation: str, set_numbers: list[int]) -> bytes:
    """The JSON file a province would load for `regulation`, covering `set_numbers`."""
    return json.dumps({"regulation": {"code": regulation,
                                      "part_max": {p: sum(m for _, _, leaves in groups for *_, m, _ in leaves)
                                                   for p, _, groups in LAYOUTS[regulation]}},
                       "product_sets": [_product_set(regulation, n) for n in sorted(set(set_numbers))]},
                      ensure_ascii=False).encode("utf-8")
