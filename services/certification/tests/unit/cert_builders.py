"""Builders shared by the certification unit tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from certification.domain.authority import recognising_issuer
from certification.domain.certificate import Certificate
from certification.domain.validity import VIETNAM

ISSUED_AT = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in An Giang
ISSUED_ON = date(2026, 6, 15)
VALID_UNTIL = date(2029, 6, 14)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An instant at `hour`:`minute` on a Vietnamese calendar day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)


def issue(**overrides: Any) -> Certificate:
    """An issued and announced certificate (`Certified` recorded: version 1)."""
    fields: dict[str, Any] = {
        "id": "cert-1", "number": "89-2026-00001", "product_id": "prod-1",
        "product_code": "89-30301-1-2026", "product_name": "Mắm cá linh Châu Đốc",
        "entity_id": "ent-1", "entity_name": "Hợp tác xã Thủy sản Bà Giáo Khỏe", "stars": 4,
        "regulation": "26/2026/QĐ-TTg", "decision_no": "1234/QĐ-UBND", "at": ISSUED_AT,
    }
    fields.update(overrides)
    fields.setdefault("issuer", recognising_issuer(
        regulation=fields["regulation"], stars=fields["stars"], decided_on=fields["at"].date(),
        province="An Giang"))
    certificate = Certificate.issue(**fields)
    certificate.certify(verification_url=f"https://ocop.example/verify/{certificate.number}", qr_text=None)
    return certificate
