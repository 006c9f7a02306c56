"""What the demo and the tests file and score: real PDFs, a food product's evidence, the
default council, and sheet choices that add up to a wanted total."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject


def pdf_document(note: str = "", filler: bytes = b"") -> bytes:
    """A real one-page PDF (blank A4) for the demo's and the tests' dossiers: `note` goes in as a
    comment, `filler` as more page content (any bytes, to make a file of some size)."""
    writer = PdfWriter()
    content = DecodedStreamObject()
    content.set_data(b"% " + " ".join(note.split()).encode() + b"\n" + filler)
    writer.add_blank_page(595, 842).replace_contents(content)  # type: ignore[arg-type]  # works; stub too narrow
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_document("OCOP")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Evidence of a food product's first dossier: (kind, file name, valid until)
FOOD_EVIDENCE = (
    ("business_registration", "giay-dkkd.pdf", None),
    ("food_safety_certificate", "giay-cn-attp.pdf", "2031-12-31"),
    ("quality_declaration", "ban-cong-bo.pdf", None),
    ("test_report", "phieu-kiem-nghiem.pdf", "2027-06-30"),
    ("label", "nhan-san-pham.pdf", None),
    ("product_photo", "anh-san-pham.png", None),
)


# The council the client establishes when a round has none: (id suffix, name, role, department)
DEFAULT_COUNCIL = (
    ("chu-tich", "Nguyễn Thị Hồng", "chair", "UBND {province}"),
    ("so-nnmt", "Trần Văn Bình", "member", "Sở Nông nghiệp và Môi trường"),
    ("so-ct", "Lê Thị Cúc", "member", "Sở Công Thương"),
    ("so-yt", "Phạm Văn Dũng", "member", "Sở Y tế"),
    ("thu-ky", "Võ Thị Em", "secretary", "Văn phòng Điều phối nông thôn mới tỉnh"),
)
COUNCIL_LEVEL_VI = {"district": "cấp huyện", "province": "cấp tỉnh", "central": "cấp trung ương"}
STAR_MINIMA = ((Decimal(90), 5), (Decimal(70), 4), (Decimal(50), 3), (Decimal(30), 2))


def band_of(mean: Decimal) -> int:
    """The 26/2026 star band of a mean (used only to pick which star minimums to meet)."""
    return next((stars for minimum, stars in STAR_MINIMA if mean >= minimum), 1)


def member_totals(mean_score: str | Decimal, scorers: int) -> list[int]:
    """Integer sheet totals of `scorers` members whose mean is exactly `mean_score`
    (74.25 with 4 members -> [76, 75, 74, 72]); ValueError when no such totals exist."""
    total = Decimal(str(mean_score)) * scorers
    if total != total.to_integral_value() or not 0 <= total <= 100 * scorers:
        raise ValueError(f"a mean of {mean_score} needs totals adding up to {total}: "
                         f"not possible for {scorers} members with whole-point sheets")
    whole = int(total)
    base, extra = divmod(whole, scorers)
    totals = [base + 1] * extra + [base] * (scorers - extra)
    if scorers >= 2 and totals[0] < 100 and totals[-1] > 0:
        totals[0] += 1
        totals[-1] -= 1
    return totals


def _leaves(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for criterion in criteria:
        found.extend(_leaves(criterion["children"]) if criterion["children"] else [criterion])
    return found


def choices_for_total(sheet: dict[str, Any], total: int, meet_star: int) -> dict[str, int]:
    """Options (criterion code -> index) adding up to `total`, each at least the option marked
    as the minimum for `meet_star` stars or fewer, spread evenly over the criteria. Two-case
    criteria use their first case. Falls back to fewer star minimums if none fits."""
    leaves = [leaf for part in sheet["parts"] for leaf in _leaves(part["criteria"])]
    for stars in range(meet_star, 1, -1):
        found = _fit(leaves, total, stars)
        if found is not None:
            return found
    found = _fit(leaves, total, 0)
    if found is None:
        raise ValueError(f"no choice of options adds up to {total}")
    return found


def _fit(leaves: list[dict[str, Any]], total: int, stars: int) -> dict[str, int] | None:
    allowed: list[list[dict[str, Any]]] = []
    for leaf in leaves:
        first_case = leaf["options"][0]["case_vi"]
        options = [o for o in leaf["options"] if o["case_vi"] == first_case]
        floor = max((o["index"] for o in options
                     if o["min_star"] is not None and o["min_star"] <= stars), default=-1)
        allowed.append([o for o in options if o["index"] >= floor])
    # reachable[i]: the sums the leaves i.. can still add up to
    reachable: list[set[int]] = [set() for _ in range(len(leaves) + 1)]
    reachable[-1] = {0}
    for i in range(len(leaves) - 1, -1, -1):
        reachable[i] = {s + o["points"] for s in reachable[i + 1] for o in allowed[i]
                        if s + o["points"] <= total}
    if total not in reachable[0]:
        return None
    share = Decimal(total) / 100
    choices: dict[str, int] = {}
    remaining = total
    for i, leaf in enumerate(leaves):
        target = share * leaf["max"]
        for option in sorted(allowed[i], key=lambda o: (abs(o["points"] - target), -o["points"])):
            if remaining - option["points"] in reachable[i + 1]:
                choices[leaf["code"]] = option["index"]
                remaining -= option["points"]
                break
    return choices
