"""Recognition decisions (Quyết định công nhận): the competent authority's act that recognises a
round's results. Plain Python, no framework.

A council's minutes are not the decision. The office drafts one decision per issuing body from
a round's finalised results that await one (one decision, many products, as provinces do); the
body's signer signs it with a number and a date, and the signed PDF is kept. Only then are the
products recognised and their certificates issued, citing the decision's number, date and signer.

    draft ──sign──> SIGNED      (RecognitionDecided, once)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import RecognitionDecided
from ocop_shared.contracts.certification_events import RecognisedProduct, RecognitionDecidedPayload
from ocop_shared.i18n import said

from .authority import Issuer, check_stars
from .errors import IllegalTransition, InvalidCertificate


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


@dataclass(frozen=True)
class DecisionItem:
    """A finalised result the decision recognises."""

    evaluation_id: str
    product_id: str
    product_name: str
    entity_name: str
    stars: int


@dataclass(frozen=True)
class Signature:
    number: str  # "1234/QĐ-UBND"
    signed_on: date
    signer_name: str
    signer_title: str  # "Chủ tịch", "KT. Chủ tịch, Phó Chủ tịch"
    document_sha256: str  # the signed PDF


@dataclass
class RecognitionDecision(Aggregate):
    id: str
    round_id: str
    issuer: Issuer
    items: list[DecisionItem]
    drafted_at: datetime
    drafted_by: str
    status: DecisionStatus = DecisionStatus.DRAFT
    signature: Signature | None = None
    signed_at: datetime | None = None
    certificates: dict[str, str] = field(default_factory=dict)  # evaluation id -> number issued
    version: int = 0

    @classmethod
    def draft(cls, *, id: str, round_id: str, issuer: Issuer, items: Iterable[DecisionItem],
              at: datetime, by: str) -> RecognitionDecision:
        listed = sorted(items, key=lambda item: (-item.stars, item.product_name))
        if not listed:
            raise InvalidCertificate(*said("certification.decision_lists_no_result", round_id=round_id))
        for item in listed:
            check_stars(item.stars)
        if len({item.evaluation_id for item in listed}) != len(listed):
            raise InvalidCertificate(*said("certification.decision_lists_a_result_twice"))
        return cls(id=id, round_id=round_id, issuer=issuer, items=listed, drafted_at=at, drafted_by=by)

    def sign(self, signature: Signature, *, at: datetime, drafted_on: date) -> None:
        """The signer signs: the products are recognised from `signature.signed_on`."""
        if self.status is DecisionStatus.SIGNED:
            assert self.signature is not None
            raise IllegalTransition(*said("certification.decision_already_signed",
                                          number=self.signature.number))
        if not signature.number.strip() or not signature.signer_name.strip():
            raise InvalidCertificate(*said("certification.decision_needs_number_and_signer"))
        if signature.signed_on < drafted_on:
            raise InvalidCertificate(*said("certification.decision_signed_before_drafted",
                                           signed_on=signature.signed_on, drafted_on=drafted_on))
        self.signature = signature
        self.signed_at = at
        self.status = DecisionStatus.SIGNED

    def announce(self, issued: dict[str, str]) -> None:
        """Record the certificates issued from the signed decision and raise RecognitionDecided."""
        signature = self.signature
        if signature is None or self.version != 0:
            raise IllegalTransition(*said("certification.decision_not_signed_or_announced"))
        self.certificates = dict(issued)
        authority = self.issuer.authority()
        self.record(RecognitionDecided, RecognitionDecidedPayload(
            decision_id=self.id, round_id=self.round_id, number=signature.number,
            signed_on=signature.signed_on, signer_name=signature.signer_name,
            signer_title=signature.signer_title, issuer_id=self.issuer.body_id,
            authority=authority.name_vi, document_sha256=signature.document_sha256,
            products=[RecognisedProduct(evaluation_id=item.evaluation_id, product_id=item.product_id,
                                        product_name=item.product_name, stars=item.stars,
                                        certificate_number=issued.get(item.evaluation_id))
                      for item in self.items]))
