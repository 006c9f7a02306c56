"""Recognition decisions: drafted from a round's results, signed once, then announced with the
certificates they issued."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from certification.domain.authority import Issuer
from certification.domain.errors import IllegalTransition, InvalidCertificate
from certification.domain.recognition import DecisionItem, DecisionStatus, RecognitionDecision, Signature

AT = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
PROVINCE = Issuer("province-committee", "An Giang")
ITEMS = [DecisionItem("ev-1", "p-1", "Mắm cá linh Châu Đốc", "HTX Mắm Châu Đốc", 4),
         DecisionItem("ev-2", "p-2", "Gạo Nàng Nhen Tịnh Biên", "HTX Gạo sạch", 3)]
SIGNED = Signature(number="2150/QĐ-UBND", signed_on=date(2026, 9, 5), signer_name="Hồ Văn Mừng",
                   signer_title="KT. Chủ tịch, Phó Chủ tịch", document_sha256="a" * 64)


def draft(items: list[DecisionItem] = ITEMS) -> RecognitionDecision:
    return RecognitionDecision.draft(id="d-1", round_id="AG-2026-R1", issuer=PROVINCE, items=items,
                                     at=AT, by="van-phong@ocop.example.vn")


def test_a_draft_lists_the_rounds_results_by_stars_then_name() -> None:
    decision = draft(list(reversed(ITEMS)))
    assert decision.status is DecisionStatus.DRAFT
    assert [item.evaluation_id for item in decision.items] == ["ev-1", "ev-2"]
    assert decision.take_raised() == []  # nothing is announced before it is signed


@pytest.mark.parametrize("items", [[], [ITEMS[0], ITEMS[0]],
                                   [DecisionItem("ev-3", "p-3", "Bánh", "Cơ sở", 2)]])
def test_a_draft_needs_distinct_certifiable_results(items: list[DecisionItem]) -> None:
    with pytest.raises(InvalidCertificate) as raised:
        draft(items)
    assert raised.value.vi and raised.value.en


def test_signing_then_announcing_raises_recognition_decided_once() -> None:
    decision = draft()
    decision.sign(SIGNED, at=AT, drafted_on=date(2026, 9, 1))
    decision.announce({"ev-1": "91-2026-00001", "ev-2": "91-2026-00002"})
    [raised] = decision.take_raised()
    payload = raised.payload
    assert (raised.event.__name__, raised.version) == ("RecognitionDecided", 1)
    assert (payload.number, payload.signed_on, payload.authority) == (
        "2150/QĐ-UBND", date(2026, 9, 5), "UBND tỉnh An Giang")
    assert [(p.product_id, p.stars, p.certificate_number) for p in payload.products] == [
        ("p-1", 4, "91-2026-00001"), ("p-2", 3, "91-2026-00002")]
    with pytest.raises(IllegalTransition):
        decision.sign(SIGNED, at=AT, drafted_on=date(2026, 9, 1))
    with pytest.raises(IllegalTransition):
        decision.announce({})


def test_a_signature_needs_a_number_a_signer_and_a_day_after_the_draft() -> None:
    decision = draft()
    with pytest.raises(InvalidCertificate):
        decision.sign(Signature(" ", SIGNED.signed_on, "x", "y", "a" * 64), at=AT, drafted_on=date(2026, 9, 1))
    with pytest.raises(InvalidCertificate):
        decision.sign(SIGNED, at=AT, drafted_on=date(2026, 9, 6))
    with pytest.raises(IllegalTransition):
        decision.announce({})  # not signed
    assert decision.status is DecisionStatus.DRAFT
