"""Public verification: a certificate's status as of today (business time) and its QR token.

The status is the history read against the calendar (`Certificate.status_on`): a
certificate past its last valid day is expired even before the scheduler records it, and a
certificate with a pending re-rating is shown as extended after its expiry date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ocop_shared.db.uow import UnitOfWork

from ..adapters.findings import FindingsRepository, StoredCase
from ..adapters.repository import CertificateRecord, CertificateRepository
from ..adapters.signing import KeyRing, QrClaims, TokenError, verify_token
from ..domain.validity import local_day
from .problems import no_certificate


@dataclass(frozen=True)
class TokenCheck:
    valid: bool  # the signature is genuine and the token is for this certificate
    code: str  # "ok" or why not (malformed-token, signature-mismatch, unknown-key, ...)
    message_vi: str
    message_en: str
    claims: QrClaims | None = None


@dataclass(frozen=True)
class Verification:
    record: CertificateRecord
    today: date
    open_case: StoredCase | None
    token: TokenCheck | None


def check_token(ring: KeyRing, text: str, record: CertificateRecord | None) -> TokenCheck:
    try:
        claims = verify_token(ring, text)
    except TokenError as error:
        return TokenCheck(False, error.code, error.vi, error.en)
    if record is None:
        return TokenCheck(True, "ok", "Chữ ký hợp lệ", "The signature is genuine", claims)
    cert = record.certificate
    if claims.number != cert.number:
        return TokenCheck(False, "number-mismatch",
                          f"Mã QR là của giấy chứng nhận số {claims.number}, không phải số {cert.number}",
                          f"The QR belongs to certificate {claims.number}, not {cert.number}", claims)
    if (claims.product_code, claims.stars, claims.valid_until) != (cert.product_code, cert.stars,
                                                                     cert.valid_until):
        return TokenCheck(False, "content-mismatch",
                          "Nội dung mã QR không khớp với giấy chứng nhận đã cấp",
                          "The QR content does not match the certificate as issued", claims)
    return TokenCheck(True, "ok", "Mã QR hợp lệ, do cơ quan cấp giấy chứng nhận ký",
                      "The QR is genuine, signed by the issuing authority", claims)


async def verify(uow: UnitOfWork, ring: KeyRing, number: str, token: str | None,
                 on: date | None = None) -> Verification:
    """The certificate's status on `on` (default: today)."""
    record = await uow.repository(CertificateRepository).by_number(number)
    if record is None:
        raise no_certificate(number)
    today = on or local_day(uow.clock.now())
    open_case = await uow.repository(FindingsRepository).open_case_of(record.id)
    checked = check_token(ring, token, record) if token is not None else None
    return Verification(record, today, open_case, checked)
