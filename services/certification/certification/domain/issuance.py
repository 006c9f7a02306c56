"""When a council result becomes a certificate, and how certificates and products are numbered.

Only a result at a level that may recognise it (province for 3★/4★, the ministry for 5★)
with 3★ or more gets a certificate (26/2026 Article 4). A product holds one valid
certificate at a time; stars change only through re-rating, or through revocation followed
by a new evaluation (Article 8; there is no separate downgrade), so:

- re-rating at expiry: the new result replaces the current certificate, whatever its stars;
- upgrade: only a higher star rank replaces it; otherwise the current certificate stands;
- first evaluation: only when the product holds no valid certificate (after revocation or
  expiry, a new evaluation starts from scratch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .certificate import Certificate

# numbering series of the ministries (by the body in the authorities data); the People's
# Committees number by the province's code (a district's within its province's series)
MINISTRY_SERIES = {"mard": "BNNPTNT", "mae": "BNNMT"}


class Outcome(StrEnum):
    ISSUED = "issued"
    AWAITING_DECISION = "awaiting_decision"  # recognised once the authority signs its decision
    NOT_RECOGNISING = "not_recognising"  # e.g. a province result of 90+ forwarded to the ministry
    BELOW_THREE_STARS = "below_three_stars"
    UPGRADE_NOT_ACHIEVED = "upgrade_not_achieved"
    ALREADY_CERTIFIED = "already_certified"


_REASONS: dict[Outcome, tuple[str, str]] = {
    Outcome.ISSUED: ("Đã cấp giấy chứng nhận", "Certificate issued"),
    Outcome.AWAITING_DECISION: ("Chờ quyết định công nhận của cơ quan có thẩm quyền",
                                "Awaiting the competent authority's recognition decision"),
    Outcome.NOT_RECOGNISING: ("Cấp đánh giá này không có thẩm quyền công nhận kết quả",
                              "This level does not recognise the result"),
    Outcome.BELOW_THREE_STARS: ("Dưới 3 sao: không có quyết định công nhận, không cấp giấy chứng nhận",
                                "Below 3 stars: no recognition decision and no certificate"),
    Outcome.UPGRADE_NOT_ACHIEVED: ("Không đạt hạng cao hơn: giấy chứng nhận hiện tại giữ nguyên",
                                   "No higher rank reached: the current certificate stands"),
    Outcome.ALREADY_CERTIFIED: ("Sản phẩm đang có giấy chứng nhận còn hiệu lực; số sao chỉ thay đổi "
                                "qua đánh giá, phân hạng lại",
                                "The product holds a valid certificate; stars change only through "
                                "re-rating"),
}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    supersede: Certificate | None = None  # the valid certificate the new one replaces

    @property
    def issues(self) -> bool:
        return self.outcome is Outcome.ISSUED

    @property
    def reason_vi(self) -> str:
        return _REASONS[self.outcome][0]

    @property
    def reason_en(self) -> str:
        return _REASONS[self.outcome][1]


def decide(*, case: str, stars: int, recognising: bool, current: Certificate | None,
           day: date) -> Decision:
    """What a council result means for the product's certificates on `day`.

    `case` is the evaluation case ("first", "upgrade" or "rerating"); `current` the product's
    latest certificate that is not terminal (None if it has none).
    """
    if not recognising:
        return Decision(Outcome.NOT_RECOGNISING)
    if stars < 3:
        return Decision(Outcome.BELOW_THREE_STARS)
    valid = current if current is not None and current.is_valid_on(day) else None
    if valid is None:
        return Decision(Outcome.ISSUED)
    if case == "rerating":
        return Decision(Outcome.ISSUED, supersede=valid)
    if case == "upgrade":
        if stars > valid.stars:
            return Decision(Outcome.ISSUED, supersede=valid)
        return Decision(Outcome.UPGRADE_NOT_ACHIEVED)
    return Decision(Outcome.ALREADY_CERTIFIED)


def number_series(issuer_id: str, province_code: str) -> str:
    """Each issuing authority numbers its own certificates: the province (by its code) or the ministry."""
    return MINISTRY_SERIES.get(issuer_id, province_code)


def certificate_number(series: str, year: int, serial: int) -> str:
    """E.g. ``91-2026-00001`` (An Giang) or ``BNNMT-2026-00001`` (the ministry)."""
    return f"{series}-{year}-{serial:05d}"


def product_code(province_code: str, commune_code: str, serial: int, year: int) -> str:
    """The OCOP product code ``T-X-STT-Year``: province, commune (19/2025/QĐ-TTg), the serial
    within the commune, and the year of the product's first recognition."""
    return f"{province_code}-{commune_code}-{serial}-{year}"
