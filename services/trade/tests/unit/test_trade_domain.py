"""Trade's rules without a database: what a till may sell as OCOP when events come late or out
of order, signed sync cursors, who may exhibit at a fair, and when a till is stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from trade.domain import catalog, cursor
from trade.domain.catalog import CatalogItem, CertifiedProduct, Removal
from trade.domain.errors import DomainError
from trade.domain.fairs import Fair, check_exhibitor
from trade.domain.tills import till_state

AT = datetime(2026, 6, 15, 9, tzinfo=UTC)


def item(number: str = "91-2026-00001", issued_on: date = date(2026, 6, 15), **changes: Any) -> CatalogItem:
    base = CatalogItem(product_id="p-1", product_name="Mắm cá linh", product_code="AG-0001",
                       entity_name="HTX Châu Đốc", stars=4, certificate_id=f"c-{number}",
                       certificate_number=number, issued_on=issued_on,
                       valid_until=issued_on.replace(year=issued_on.year + 3) - timedelta(days=1),
                       verification_url=f"https://ocop.example/v/{number}")
    return replace(base, **changes)


def listed(it: CatalogItem) -> CertifiedProduct:
    state = catalog.on_certified(None, it, AT)
    assert state is not None
    return state


def test_a_certified_product_is_listed_until_its_certificate_ends() -> None:
    state = listed(item())
    assert state.listed and state.valid_on(date(2029, 6, 14)) and not state.valid_on(date(2029, 6, 15))
    ended = catalog.on_certificate_ended(state, "91-2026-00001", Removal.REVOKED, AT + timedelta(days=1))
    assert ended is not None and not ended.listed and ended.removal is Removal.REVOKED


def test_an_older_certificate_arriving_late_does_not_replace_the_newer_one() -> None:
    newer = listed(item("91-2029-00007", date(2029, 5, 1)))
    assert catalog.on_certified(newer, item("91-2026-00001", date(2026, 6, 15)), AT) is None


def test_a_late_certified_does_not_revive_an_ended_certificate() -> None:
    ended = catalog.on_certificate_ended(listed(item()), "91-2026-00001", Removal.EXPIRED, AT)
    assert catalog.on_certified(ended, item(), AT + timedelta(hours=1)) is None


def test_ending_another_certificate_than_the_one_held_changes_nothing() -> None:
    state = listed(item("91-2029-00007", date(2029, 5, 1)))
    assert catalog.on_certificate_ended(state, "91-2026-00001", Removal.SUPERSEDED, AT) is None
    assert catalog.on_certificate_ended(None, "91-2026-00001", Removal.REVOKED, AT) is None


def test_a_pending_rerating_keeps_the_product_on_sale_past_the_printed_expiry() -> None:
    state = listed(item())
    extended = catalog.on_certificate_extended(state, "91-2026-00001", date(2029, 12, 11), AT)
    assert extended is not None and extended.valid_on(date(2029, 12, 11))
    assert not extended.valid_on(date(2029, 12, 12))
    assert catalog.on_certificate_extended(state, "91-2099-00001", date(2029, 12, 11), AT) is None


def test_a_cursor_reads_back_under_any_current_key_and_refuses_edits_and_other_catalogs() -> None:
    token = cursor.encode("old-key", "long-xuyen", 41)
    assert cursor.decode(["new-key", "old-key"], token, "long-xuyen") == 41
    payload, signature = token.split(".")
    forged = cursor.encode("attacker", "long-xuyen", 99)
    for bad, why in ((forged, "forged"), (f"{payload}.{signature[::-1]}", "forged"),
                     ("not-a-cursor", "malformed")):
        with pytest.raises(DomainError) as refused:
            cursor.decode(["new-key", "old-key"], bad, "long-xuyen")
        assert refused.value.field == "cursor" and why in refused.value.en
    with pytest.raises(DomainError, match="another catalog"):
        cursor.decode(["old-key"], token, "chau-doc")


def test_only_products_certified_through_the_whole_fair_may_exhibit() -> None:
    fair = Fair(id="f-1", name="Hội chợ OCOP Long Xuyên", starts_on=date(2028, 6, 1),
                ends_on=date(2028, 6, 5), place="Long Xuyên")
    check_exhibitor(fair, listed(item()))  # valid 15/06/2026 - 14/06/2029: accepted
    ended = catalog.on_certificate_ended(listed(item()), "91-2026-00001", Removal.REVOKED, AT)
    for refused in (None, ended):
        with pytest.raises(DomainError, match="no valid OCOP certificate"):
            check_exhibitor(fair, refused)


def test_a_certificate_ending_during_the_fair_or_starting_after_it_opens_is_refused() -> None:
    fair = Fair(id="f-2", name="Hội chợ", starts_on=date(2029, 6, 10), ends_on=date(2029, 6, 20),
                place="Châu Đốc")
    with pytest.raises(DomainError, match="before the fair ends"):
        check_exhibitor(fair, listed(item()))  # expires 14/06/2029
    late = listed(item("91-2029-00009", date(2029, 6, 12)))
    with pytest.raises(DomainError, match="after the fair starts"):
        check_exhibitor(fair, late)


def test_a_till_is_stale_from_the_first_change_it_has_not_acknowledged() -> None:
    changes = {5: AT, 6: AT + timedelta(hours=2), 7: AT + timedelta(hours=5)}
    assert not till_state("t-1", 7, AT, 7, changes).stale
    state = till_state("t-1", 5, AT, 7, changes)
    assert state.stale and state.stale_since == AT + timedelta(hours=2)
