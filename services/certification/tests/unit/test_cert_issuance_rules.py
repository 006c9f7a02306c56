"""Which council results become certificates, and how certificates and products are numbered."""

from __future__ import annotations

from datetime import date

import pytest
from cert_builders import ISSUED_AT, VALID_UNTIL, issue

from certification.domain.issuance import (
    Outcome,
    certificate_number,
    decide,
    number_series,
    product_code,
)

TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(("stars", "recognising", "outcome"), [
    (4, True, Outcome.ISSUED), (3, True, Outcome.ISSUED), (5, True, Outcome.ISSUED),
    (2, True, Outcome.BELOW_THREE_STARS), (1, True, Outcome.BELOW_THREE_STARS),
    (5, False, Outcome.NOT_RECOGNISING), (4, False, Outcome.NOT_RECOGNISING),
])
def test_only_a_recognising_result_of_three_stars_or_more_is_certified(stars: int, recognising: bool,
                                                                       outcome: Outcome) -> None:
    decision = decide(case="first", stars=stars, recognising=recognising, current=None, day=TODAY)
    assert decision.outcome is outcome and decision.supersede is None
    assert decision.issues is (outcome is Outcome.ISSUED)
    assert decision.reason_vi and decision.reason_en


def test_an_upgrade_supersedes_only_with_more_stars() -> None:
    current = issue(stars=4, at=ISSUED_AT)
    up = decide(case="upgrade", stars=5, recognising=True, current=current, day=TODAY)
    assert up.outcome is Outcome.ISSUED and up.supersede is current
    for stars in (3, 4):
        same = decide(case="upgrade", stars=stars, recognising=True, current=current, day=TODAY)
        assert same.outcome is Outcome.UPGRADE_NOT_ACHIEVED and same.supersede is None


def test_re_rating_replaces_the_certificate_whatever_the_stars() -> None:
    current = issue(stars=5, at=ISSUED_AT)
    down = decide(case="rerating", stars=3, recognising=True, current=current, day=TODAY)
    assert down.outcome is Outcome.ISSUED and down.supersede is current
    failed = decide(case="rerating", stars=2, recognising=True, current=current, day=TODAY)
    assert failed.outcome is Outcome.BELOW_THREE_STARS


def test_a_new_first_evaluation_needs_the_old_certificate_gone() -> None:
    current = issue(stars=3, at=ISSUED_AT)
    assert decide(case="first", stars=4, recognising=True, current=current,
                  day=TODAY).outcome is Outcome.ALREADY_CERTIFIED
    after_expiry = date(VALID_UNTIL.year, VALID_UNTIL.month, VALID_UNTIL.day + 1)
    lapsed = decide(case="first", stars=4, recognising=True, current=current, day=after_expiry)
    assert lapsed.outcome is Outcome.ISSUED and lapsed.supersede is None
    current.revoke(grounds=[5], decision_no="9/QĐ", at=ISSUED_AT)
    assert decide(case="first", stars=3, recognising=True, current=current, day=TODAY).issues


def test_numbers_and_product_codes() -> None:
    assert number_series("province-committee", "91") == "91"
    assert number_series("mae", "91") == "BNNMT"
    assert number_series("mard", "89") == "BNNPTNT"
    assert number_series("district-committee", "89") == "89"
    assert certificate_number("91", 2026, 7) == "91-2026-00007"
    assert certificate_number("BNNMT", 2027, 12345) == "BNNMT-2027-12345"
    assert product_code("91", "30316", 28, 2026) == "91-30316-28-2026"
