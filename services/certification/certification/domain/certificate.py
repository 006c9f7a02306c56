# Over 400 lines: the status machine's transitions and the events they record stay in one
# place, one class (its plain values — statuses, history entries, revocations, the signer —
# are in certificate_status.py, the issuers in authority.py, the dates in validity.py).
"""The Certificate aggregate and its status machine. Plain Python, no framework.

Recorded statuses and the changes between them (every change appends a history entry;
any other change raises `IllegalTransition`)::

    issue ──> ACTIVE ──supersede──> SUPERSEDED      (a newer certificate of the same product)
                │  ├───revoke─────> REVOKED         (grounds 1-6 of Article 8 and a decision)
                │  └───expire─────> EXPIRED         (only after the last valid day)
                └─extend_pending_rerating──> EXTENDED ──supersede / revoke / expire──> ...
                                                └──end_extension──> ACTIVE or EXPIRED

EXTENDED ("extended pending re-rating") records that a re-rating dossier was filed in
the window, or that the transitional rule of Article 12(3) applies: the certificate then
stays valid until the authority's decision, but at most 180 days after its expiry.

Recorded status is not the whole story: an ACTIVE certificate whose last valid day has
passed *is* expired even before the scheduler records it. `status_on(day)` combines the
history with the calendar and is what verification, trade and fairs should use.
Every change carries `at` (the instant it was recorded) and `on` (the Vietnamese
calendar day it takes effect), so `status_on` also answers for past days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
)
from ocop_shared.contracts.certification_events import (
    CertificateExpiredPayload,
    CertificateExtendedPayload,
    CertificateRevokedPayload,
    CertificateSupersededPayload,
    CertifiedPayload,
)
from ocop_shared.i18n import said

from .authority import Authority, Issuer, check_stars
from .certificate_status import TERMINAL, VALID, CertificateStatus, HistoryEntry, Revocation, SignedBy
from .errors import IllegalTransition, InvalidCertificate
from .grounds import GROUNDS, validate_grounds
from .validity import local_day, valid_until

__all__ = ["EXTENSION_DAYS", "RERATING_WINDOW_CLOSES_DAYS", "RERATING_WINDOW_OPENS_DAYS", "TERMINAL",
           "VALID", "Certificate", "CertificateStatus", "HistoryEntry", "Revocation", "SignedBy"]

EXTENSION_DAYS = 180  # Article 12(3): at most 180 days after the expiry date
RERATING_WINDOW_OPENS_DAYS = 180  # Article 7(6)(a): file no earlier than 180 days before expiry
RERATING_WINDOW_CLOSES_DAYS = 120  # ... and no later than 120 days before expiry


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _with_note(text: str, note: str) -> str:
    return f"{text}: {note}" if note else text


@dataclass
class Certificate(Aggregate):
    """A certificate; every change it records is an event of its stream (`version` counts them)."""

    id: str
    number: str
    product_id: str
    product_code: str
    product_name: str
    entity_id: str
    entity_name: str
    stars: int
    regulation: str  # e.g. "26/2026/QĐ-TTg"
    decision_no: str  # the recognition decision
    decision_date: date
    issued_on: date
    valid_until: date
    issuer: Issuer  # the body that recognised it (and the place it is named after)
    signed_by: SignedBy | None = None  # who signed its decision (none before decisions were kept)
    status: CertificateStatus = CertificateStatus.ACTIVE
    evaluation_id: str = ""
    entity_address: str = ""
    supersedes: str | None = None  # number of the certificate this one replaced
    superseded_by: str | None = None
    revocation: Revocation | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    version: int = 0  # events in its stream so far (the aggregate_version of the latest)

    # ---- creation -------------------------------------------------------------------

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        number: str,
        product_id: str,
        product_code: str,
        product_name: str,
        entity_id: str,
        entity_name: str,
        stars: int,
        regulation: str,
        decision_no: str,
        issuer: Issuer,
        at: datetime,
        issued_on: date | None = None,
        decision_date: date | None = None,
        evaluation_id: str = "",
        entity_address: str = "",
        supersedes: Certificate | None = None,
        signed_by: SignedBy | None = None,
        note: str = "",
    ) -> Certificate:
        """A new ACTIVE certificate, valid 36 months from `issued_on` (default: the day of `at`).

        With `supersedes`, the older certificate of the same product is marked SUPERSEDED
        in the same step, so a product never has two valid certificates. `certify` then
        announces it (the first event of its stream) once it carries its signed QR.
        """
        check_stars(stars)
        _require_fields(number=number, product_code=product_code, product_name=product_name,
                        entity_name=entity_name, decision_no=decision_no, regulation=regulation)
        day = issued_on or local_day(at)
        decided = decision_date or day
        if decided > day:
            raise InvalidCertificate(
                f"Ngày cấp {_fmt(day)} không thể trước ngày quyết định {_fmt(decided)}",
                f"Issue day {day} cannot precede the decision of {decided}",
            )
        certificate = cls(
            id=id, number=number, product_id=product_id, product_code=product_code,
            product_name=product_name, entity_id=entity_id, entity_name=entity_name, stars=stars,
            regulation=regulation, decision_no=decision_no, decision_date=decided, issued_on=day,
            valid_until=valid_until(day), evaluation_id=evaluation_id, entity_address=entity_address,
            issuer=issuer, supersedes=supersedes.number if supersedes is not None else None,
            signed_by=signed_by,
        )
        vi = (f"Cấp giấy chứng nhận sản phẩm OCOP {stars} sao theo Quyết định số {decision_no} "
              f"ngày {_fmt(decided)}")
        en = f"Issued for a {stars}-star OCOP product by decision {decision_no} of {decided}"
        if supersedes is not None:
            vi += f", thay thế giấy chứng nhận số {supersedes.number}"
            en += f", replacing certificate {supersedes.number}"
            supersedes.supersede(by=certificate, at=at, on=day)
        certificate.history.append(HistoryEntry(
            at=at, on=day, from_status=None, to_status=CertificateStatus.ACTIVE,
            reason=_with_note(vi, note), reason_en=_with_note(en, note)))
        return certificate

    def certify(self, *, verification_url: str, qr_text: str | None) -> None:
        """Announce the issue (`Certified`, the first event of the stream) with what the
        certificate prints: its verification link and signed QR."""
        if self.version != 0 or not self.history:
            raise IllegalTransition(*said("certification.certificate_was_already_announced", self_number=self.number))
        self.record(Certified, CertifiedPayload(
            certificate_id=self.id, number=self.number, product_id=self.product_id,
            product_code=self.product_code, product_name=self.product_name, entity_id=self.entity_id,
            entity_name=self.entity_name, stars=self.stars, regulation=self.regulation,
            decision_no=self.decision_no, issued_on=self.issued_on, valid_until=self.valid_until,
            authority=self.authority.name_vi, verification_url=verification_url, qr_text=qr_text,
            supersedes=self.supersedes))

    # ---- derived facts --------------------------------------------------------------

    @property
    def authority(self) -> Authority:
        """The issuing authority, as the certificate names it."""
        return self.issuer.authority()

    def revoking_authority(self, on: date) -> Authority:
        """Who decides its revocation on `on`: the issuer, or the issuer's legal successor."""
        return self.issuer.revoking_authority(on)

    @property
    def province(self) -> str:
        return self.issuer.province

    @property
    def expires_on(self) -> date:
        """The first day the certificate is no longer valid (without an extension)."""
        return self.valid_until + timedelta(days=1)

    @property
    def extension_ends_on(self) -> date:
        """The last day an extension pending re-rating can reach (expiry + 180 days)."""
        return self.valid_until + timedelta(days=EXTENSION_DAYS)

    @property
    def rerating_window(self) -> tuple[date, date]:
        """First and last day to file the re-rating dossier (180 to 120 days before expiry)."""
        return (self.valid_until - timedelta(days=RERATING_WINDOW_OPENS_DAYS),
                self.valid_until - timedelta(days=RERATING_WINDOW_CLOSES_DAYS))

    @property
    def rerating_pending(self) -> bool:
        return self.status is CertificateStatus.EXTENDED

    def recorded_status_on(self, day: date) -> CertificateStatus | None:
        """The status the history records for `day` (None before issue), calendar ignored."""
        current: CertificateStatus | None = None
        for entry in self.history:
            if entry.on > day:
                break
            current = entry.to_status
        return current

    def status_on(self, day: date) -> CertificateStatus | None:
        """The status a person should be told for `day`; None before the certificate existed."""
        if day < self.issued_on:
            return None
        recorded = self.recorded_status_on(day)
        if recorded is None:  # a certificate built without history (e.g. loaded from rows)
            recorded = self.status
        if recorded is CertificateStatus.ACTIVE:
            return CertificateStatus.ACTIVE if day <= self.valid_until else CertificateStatus.EXPIRED
        if recorded is CertificateStatus.EXTENDED:
            if day <= self.valid_until:
                return CertificateStatus.ACTIVE
            if day <= self.extension_ends_on:
                return CertificateStatus.EXTENDED
            return CertificateStatus.EXPIRED
        return recorded

    def is_valid_on(self, day: date) -> bool:
        """May the product be sold and shown as OCOP on `day` (trade, fairs)?"""
        return self.status_on(day) in VALID

    def valid_through(self) -> date:
        """The last valid day as things stand (the extension limit while extended)."""
        if self.status is CertificateStatus.EXTENDED:
            return self.extension_ends_on
        return self.valid_until

    # ---- transitions ----------------------------------------------------------------

    def supersede(self, *, by: Certificate, at: datetime, on: date | None = None,
                  note: str = "") -> None:
        """Replaced by a newer certificate of the same product (upgrade or re-rating)."""
        day = self._effective_day(at, on)
        if by is self or by.number == self.number:
            raise IllegalTransition(*said("certification.certificate_cannot_supersede_itself"))
        if by.product_id != self.product_id:
            raise IllegalTransition(
                *said("certification.certificate_another_product_cannot_supersede", by_number=by.number,
                      self_number=self.number),
            )
        self._require_valid(day, "thay thế", "supersede")
        self._move(CertificateStatus.SUPERSEDED, at, day,
                   _with_note(f"Được thay thế bằng giấy chứng nhận số {by.number}", note),
                   _with_note(f"Superseded by certificate {by.number}", note))
        self.superseded_by = by.number
        self.record(CertificateSuperseded, CertificateSupersededPayload(
            certificate_id=self.id, number=self.number, product_id=self.product_id,
            superseded_by=by.number))

    def revoke(self, *, grounds: Iterable[int], decision_no: str, at: datetime,
               on: date | None = None, note: str = "") -> None:
        """Revoked by the competent authority's decision on grounds 1-6 of Article 8(1); the
        note is the reason `CertificateRevoked` gives."""
        picked = validate_grounds(grounds)
        if not decision_no or not decision_no.strip():
            raise InvalidCertificate(*said("certification.revocation_decision_number_missing"))
        day = self._effective_day(at, on)
        self._require_valid(day, "thu hồi", "revoke")
        letters = ", ".join(GROUNDS[g].letter for g in picked)
        numbers = ", ".join(str(g) for g in picked)
        self._move(
            CertificateStatus.REVOKED, at, day,
            _with_note(f"Thu hồi theo Quyết định số {decision_no} ngày {_fmt(day)} "
                       f"(căn cứ điểm {letters} khoản 1 Điều 8 Quyết định 26/2026/QĐ-TTg)", note),
            _with_note(f"Revoked by decision {decision_no} of {day} "
                       f"(grounds {numbers} of Decision 26/2026/QĐ-TTg Article 8(1))", note),
        )
        self.revocation = Revocation(grounds=picked, decision_no=decision_no, decided_on=day)
        self.record(CertificateRevoked, CertificateRevokedPayload(
            certificate_id=self.id, number=self.number, product_id=self.product_id,
            grounds=list(picked), decision_no=decision_no, revoked_on=day, reason=note))

    def extend_pending_rerating(self, *, at: datetime, on: date | None = None,
                                dossier_filed_on: date | None = None, transitional: bool = False,
                                note: str = "", submission_id: str | None = None) -> None:
        """Keep the certificate valid until the re-rating decision, at most 180 days after expiry.

        Allowed when the re-rating dossier was filed within the window (180 to 120 days
        before expiry), or when `transitional` is set because Article 12(3) applies (a
        product due for re-rating whose filing could not meet the window). Recorded after
        the expiry day (but before the expiry was recorded), it takes effect on the expiry
        day, so the certificate never lapses in between.
        """
        day = self._effective_day(at, on)
        if self.status is not CertificateStatus.ACTIVE:
            raise IllegalTransition(
                f"Giấy chứng nhận {self.number} đang ở trạng thái '{self.status.label_vi}', "
                "không thể kéo dài hiệu lực",
                f"Certificate {self.number} is {self.status.label_en.lower()} and cannot be extended",
            )
        if day > self.extension_ends_on:
            raise IllegalTransition(
                f"Đã quá 180 ngày kể từ ngày hết hạn {_fmt(self.valid_until)}, không thể kéo dài hiệu lực",
                f"More than 180 days have passed since expiry on {self.valid_until}; no extension",
            )
        opens, closes = self.rerating_window
        if not transitional:
            if dossier_filed_on is None:
                raise IllegalTransition(
                    *said("certification.either_re_rating_dossier_s_filing"),
                )
            if not opens <= dossier_filed_on <= closes:
                raise IllegalTransition(
                    f"Hồ sơ đánh giá, phân hạng lại nộp ngày {_fmt(dossier_filed_on)}, ngoài thời hạn "
                    f"từ {_fmt(opens)} đến {_fmt(closes)}",
                    f"The re-rating dossier was filed on {dossier_filed_on}, outside the window "
                    f"{opens} to {closes}",
                )
        effective = min(day, self.expires_on)
        if transitional:
            vi = "Kéo dài hiệu lực chờ kết quả đánh giá, phân hạng lại (khoản 3 Điều 12)"
            en = "Extended pending re-rating (transitional rule, Article 12(3))"
        else:
            assert dossier_filed_on is not None
            vi = (f"Kéo dài hiệu lực chờ kết quả đánh giá, phân hạng lại "
                  f"(hồ sơ nộp ngày {_fmt(dossier_filed_on)})")
            en = f"Extended pending re-rating (dossier filed on {dossier_filed_on})"
        vi += f", tối đa đến hết ngày {_fmt(self.extension_ends_on)}"
        en += f", at most until {self.extension_ends_on}"
        self._move(CertificateStatus.EXTENDED, at, effective, _with_note(vi, note), _with_note(en, note))
        self.record(CertificateExtended, CertificateExtendedPayload(
            certificate_id=self.id, number=self.number, product_id=self.product_id,
            valid_until=self.valid_until, extended_until=self.extension_ends_on,
            submission_id=submission_id, reason=self.history[-1].reason))

    def end_extension(self, *, at: datetime, on: date | None = None, note: str = "") -> None:
        """The re-rating ended without a new certificate (refused, below 3★, withdrawn).

        Before the expiry day the certificate simply runs to its own term (back to ACTIVE);
        from the expiry day to the extension limit it expires that day (CertificateExpired;
        the scheduler's notices leave such an expiry alone). After the
        extension limit the certificate has already expired by the calendar: refused.
        """
        day = self._effective_day(at, on)
        if self.status is not CertificateStatus.EXTENDED:
            raise IllegalTransition(
                *said("certification.certificate_not_pending_re_rating", self_number=self.number),
            )
        if day > self.extension_ends_on:
            raise IllegalTransition(
                f"Thời gian kéo dài đã kết thúc ngày {_fmt(self.extension_ends_on)}; giấy chứng nhận "
                "đã hết hiệu lực",
                f"The extension already ended on {self.extension_ends_on}; the certificate has expired",
            )
        if day <= self.valid_until:
            self._move(CertificateStatus.ACTIVE, at, day,
                       _with_note("Kết thúc chờ đánh giá, phân hạng lại; giấy chứng nhận có giá trị "
                                  f"đến hết ngày {_fmt(self.valid_until)}", note),
                       _with_note(f"Re-rating closed; the certificate runs to {self.valid_until}", note))
        else:
            self.expire(at=at, on=day, note=note)

    def expire(self, *, at: datetime, on: date | None = None, note: str = "") -> None:
        """Record the end of validity (the scheduler, or a re-rating that ended without renewal).

        Without `on`, an ACTIVE certificate expires on its expiry day and an extended one on
        the day of `at`, but no later than the day after the extension limit: a scheduler
        running late still records the true day.
        """
        if self.status is CertificateStatus.ACTIVE:
            day = on or self.expires_on
            if day <= self.valid_until or day > local_day(at):
                raise IllegalTransition(
                    f"Giấy chứng nhận {self.number} còn hiệu lực đến hết ngày {_fmt(self.valid_until)}",
                    f"Certificate {self.number} is valid until {self.valid_until}",
                )
            reason_vi = f"Hết hiệu lực sau ngày {_fmt(self.valid_until)} (36 tháng kể từ ngày cấp)"
            reason_en = f"Expired after {self.valid_until} (36 months from issue)"
        elif self.status is CertificateStatus.EXTENDED:
            day = on or min(local_day(at), self.extension_ends_on + timedelta(days=1))
            if day <= self.valid_until or day > local_day(at):
                raise IllegalTransition(
                    f"Giấy chứng nhận {self.number} còn hiệu lực đến hết ngày {_fmt(self.valid_until)}",
                    f"Certificate {self.number} is valid until {self.valid_until}",
                )
            if day > self.extension_ends_on:
                reason_vi = (f"Hết hiệu lực: hết thời gian kéo dài 180 ngày "
                             f"(đến ngày {_fmt(self.extension_ends_on)})")
                reason_en = f"Expired: the 180-day extension ended on {self.extension_ends_on}"
            else:
                reason_vi = "Hết hiệu lực: kết thúc thời gian kéo dài chờ đánh giá, phân hạng lại"
                reason_en = "Expired: the extension pending re-rating ended"
        else:
            raise IllegalTransition(
                f"Giấy chứng nhận {self.number} đang ở trạng thái '{self.status.label_vi}', "
                "không thể chuyển sang hết hiệu lực",
                f"Certificate {self.number} is {self.status.label_en.lower()} and cannot expire",
            )
        self._check_order(day)
        self._move(CertificateStatus.EXPIRED, at, day, _with_note(reason_vi, note),
                   _with_note(reason_en, note))
        self.record(CertificateExpired, CertificateExpiredPayload(
            certificate_id=self.id, number=self.number, product_id=self.product_id, expired_on=day))

    # ---- internals ------------------------------------------------------------------

    def _effective_day(self, at: datetime, on: date | None) -> date:
        day = on if on is not None else local_day(at)
        self._check_order(day)
        return day

    def _check_order(self, day: date) -> None:
        if day < self.issued_on:
            raise IllegalTransition(
                f"Ngày {_fmt(day)} trước ngày cấp {_fmt(self.issued_on)}",
                f"{day} is before the issue day {self.issued_on}",
            )
        if self.history and day < self.history[-1].on:
            raise IllegalTransition(
                f"Ngày {_fmt(day)} trước lần thay đổi gần nhất ({_fmt(self.history[-1].on)})",
                f"{day} is before the latest recorded change ({self.history[-1].on})",
            )

    def _require_valid(self, day: date, action_vi: str, action_en: str) -> None:
        current = self.status_on(day)
        if current not in VALID:
            shown = current if current is not None else self.status
            raise IllegalTransition(
                f"Không thể {action_vi} giấy chứng nhận {self.number}: "
                f"{shown.label_vi.lower()} (ngày {_fmt(day)})",
                f"Cannot {action_en} certificate {self.number}: it is "
                f"{shown.label_en.lower()} on {day}",
            )

    def _move(self, to: CertificateStatus, at: datetime, on: date, reason: str, reason_en: str) -> None:
        self.history.append(HistoryEntry(at=at, on=on, from_status=self.status, to_status=to,
                                         reason=reason, reason_en=reason_en))
        self.status = to


def _require_fields(**values: str) -> None:
    for name, value in values.items():
        if not value or not value.strip():
            raise InvalidCertificate(*said("certification.missing_required_field", name=name))
