"""The Certificate aggregate: issue, status by date, and every legal and illegal transition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cert_builders import ISSUED_AT, ISSUED_ON, VALID_UNTIL, at, issue

from certification.domain.authority import AuthorityLevel, Issuer, recognising_issuer
from certification.domain.certificate import Certificate, CertificateStatus, HistoryEntry
from certification.domain.errors import DomainError, IllegalTransition, InvalidCertificate, InvalidGrounds
from certification.domain.grounds import GROUNDS, describe_grounds

S = CertificateStatus
DAY = timedelta(days=1)
EXPIRES_ON = VALID_UNTIL + DAY
EXTENSION_ENDS = VALID_UNTIL + timedelta(days=180)
IN_WINDOW = VALID_UNTIL - timedelta(days=150)


def assert_bilingual(error: DomainError) -> None:
    assert error.vi and error.en and error.vi != error.en
    assert str(error) == error.en


# ---- issue --------------------------------------------------------------------------------


def test_issue_makes_an_active_certificate_valid_36_months() -> None:
    c = issue()
    assert c.status is S.ACTIVE
    assert (c.issued_on, c.valid_until, c.decision_date) == (ISSUED_ON, VALID_UNTIL, ISSUED_ON)
    assert c.version == 1
    assert c.history == [HistoryEntry(
        at=ISSUED_AT, on=ISSUED_ON, from_status=None, to_status=S.ACTIVE,
        reason="Cấp giấy chứng nhận sản phẩm OCOP 4 sao theo Quyết định số 1234/QĐ-UBND ngày 15/06/2026",
        reason_en="Issued for a 4-star OCOP product by decision 1234/QĐ-UBND of 2026-06-15")]
    assert c.rerating_window == (date(2028, 12, 16), date(2029, 2, 14))
    assert (c.expires_on, c.extension_ends_on) == (date(2029, 6, 15), date(2029, 12, 11))


def test_the_issue_day_is_the_vietnamese_day_of_the_instant() -> None:
    late_evening = at(date(2026, 6, 30), 23, 30)  # 16:30 UTC on the 30th
    assert issue(at=late_evening).issued_on == date(2026, 6, 30)
    assert issue(at=late_evening, issued_on=date(2026, 7, 1)).valid_until == date(2029, 6, 30)


@pytest.mark.parametrize(("stars", "level", "name", "decider"), [
    (3, AuthorityLevel.PROVINCE, "UBND tỉnh An Giang", "Chủ tịch UBND tỉnh An Giang"),
    (4, AuthorityLevel.PROVINCE, "UBND tỉnh An Giang", "Chủ tịch UBND tỉnh An Giang"),
    (5, AuthorityLevel.MINISTRY, "Bộ Nông nghiệp và Môi trường", "Bộ trưởng Bộ Nông nghiệp và Môi trường"),
])
def test_authority_by_stars(stars: int, level: AuthorityLevel, name: str, decider: str) -> None:
    authority = issue(stars=stars).authority
    assert (authority.level, authority.name_vi, authority.decider_vi) == (level, name, decider)


def test_authority_of_another_province() -> None:
    authority = recognising_issuer(regulation="26/2026/QĐ-TTg", stars=4, decided_on=date(2026, 8, 1),
                                   province="Đồng Tháp").authority()
    assert authority.header_vi == ("ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG THÁP")
    assert authority.name_vi == "UBND tỉnh Đồng Tháp"
    city = recognising_issuer(regulation="26/2026/QĐ-TTg", stars=3, decided_on=date(2026, 8, 1),
                              province="Hồ Chí Minh").authority()
    assert (city.name_vi, city.place) == ("UBND thành phố Hồ Chí Minh", "Hồ Chí Minh")


def test_a_district_recognised_3_stars_under_148_and_the_province_revokes_after_the_reform() -> None:
    issuer = recognising_issuer(regulation="148/QĐ-TTg", stars=3, decided_on=date(2023, 8, 10),
                                province="An Giang", district="Huyện Chợ Mới", level="district")
    c = issue(regulation="148/QĐ-TTg", stars=3, at=at(date(2023, 8, 10)), issuer=issuer)
    assert (c.authority.level, c.authority.name_vi, c.authority.header_vi) == (
        AuthorityLevel.DISTRICT, "UBND huyện Chợ Mới", ("ỦY BAN NHÂN DÂN", "HUYỆN CHỢ MỚI"))
    assert c.revoking_authority(date(2025, 6, 30)).decider_vi == "Chủ tịch UBND huyện Chợ Mới"
    assert c.revoking_authority(date(2026, 3, 1)).decider_vi == "Chủ tịch UBND tỉnh An Giang"
    assert c.revoking_authority(date(2026, 3, 1)).level is AuthorityLevel.PROVINCE


def test_a_5_star_of_2024_names_the_ministry_of_that_day_and_its_successor_revokes() -> None:
    issuer = recognising_issuer(regulation="148/QĐ-TTg", stars=5, decided_on=date(2024, 11, 5),
                                province="An Giang", level="central")
    assert issuer == Issuer("mard", "An Giang")
    assert issuer.authority().name_vi == "Bộ Nông nghiệp và Phát triển nông thôn"
    assert issuer.revoking_authority(date(2026, 3, 1)).name_vi == "Bộ Nông nghiệp và Môi trường"


@pytest.mark.parametrize("stars", [0, 1, 2, 6, True])
def test_only_three_to_five_stars_get_a_certificate(stars: int) -> None:
    with pytest.raises(InvalidCertificate) as raised:
        issue(stars=stars)
    assert_bilingual(raised.value)


@pytest.mark.parametrize("field", ["number", "product_code", "product_name", "entity_name", "decision_no"])
def test_issue_needs_the_printed_fields(field: str) -> None:
    with pytest.raises(InvalidCertificate, match=field):
        issue(**{field: "  "})


def test_issue_cannot_precede_the_decision() -> None:
    with pytest.raises(InvalidCertificate):
        issue(decision_date=date(2026, 6, 16))
    assert issue(decision_date=date(2026, 6, 10)).decision_date == date(2026, 6, 10)


# ---- status by date ----------------------------------------------------------------------


def test_status_on_follows_the_calendar_even_before_expiry_is_recorded() -> None:
    c = issue()
    assert c.status_on(ISSUED_ON - DAY) is None
    assert c.status_on(ISSUED_ON) is S.ACTIVE
    assert c.status_on(VALID_UNTIL) is S.ACTIVE
    assert c.status_on(EXPIRES_ON) is S.EXPIRED
    assert c.status is S.ACTIVE  # nothing recorded yet
    assert [c.is_valid_on(d) for d in (ISSUED_ON - DAY, ISSUED_ON, VALID_UNTIL, EXPIRES_ON)] == [
        False, True, True, False]


def test_labels_in_both_languages() -> None:
    for status in S:
        assert status.label_vi and status.label_en
    assert S.EXTENDED.label_en == "Extended pending re-rating"
    assert S.REVOKED.label_vi == "Đã bị thu hồi"


# ---- supersede ----------------------------------------------------------------------------


def test_an_upgrade_supersedes_the_old_certificate_and_keeps_its_history() -> None:
    old = issue()
    upgrade_day = date(2027, 9, 1)
    new = issue(id="cert-2", number="89-2027-00007", stars=5, at=at(upgrade_day), supersedes=old,
                decision_no="88/QĐ-BNNMT")
    assert new.supersedes == old.number and new.status is S.ACTIVE
    assert new.history[0].reason.endswith("thay thế giấy chứng nhận số 89-2026-00001")
    assert old.status is S.SUPERSEDED and old.superseded_by == new.number
    assert [(e.from_status, e.to_status, e.on) for e in old.history] == [
        (None, S.ACTIVE, ISSUED_ON), (S.ACTIVE, S.SUPERSEDED, upgrade_day)]
    assert old.history[-1].reason == "Được thay thế bằng giấy chứng nhận số 89-2027-00007"
    assert old.status_on(upgrade_day - DAY) is S.ACTIVE
    assert old.status_on(upgrade_day) is S.SUPERSEDED
    assert not old.is_valid_on(upgrade_day) and new.is_valid_on(upgrade_day)
    assert old.version == 2


def test_cannot_supersede_with_another_products_certificate_or_itself() -> None:
    old = issue()
    other = issue(id="x", number="89-2026-00002", product_id="prod-2")
    with pytest.raises(IllegalTransition) as raised:
        old.supersede(by=other, at=at(date(2027, 1, 1)))
    assert_bilingual(raised.value)
    with pytest.raises(IllegalTransition):
        old.supersede(by=old, at=at(date(2027, 1, 1)))
    with pytest.raises(IllegalTransition):
        issue(id="y", number="89-2026-00003", product_id="prod-2", supersedes=old)
    assert old.status is S.ACTIVE and len(old.history) == 1


def test_cannot_supersede_twice_or_after_expiry() -> None:
    old = issue()
    issue(id="n1", number="89-2027-00001", at=at(date(2027, 1, 1)), supersedes=old)
    with pytest.raises(IllegalTransition, match="superseded"):
        issue(id="n2", number="89-2027-00002", at=at(date(2027, 2, 1)), supersedes=old)
    lapsed = issue()
    with pytest.raises(IllegalTransition, match="expired"):
        issue(id="n3", number="89-2029-00001", at=at(EXPIRES_ON), supersedes=lapsed)


# ---- revoke -------------------------------------------------------------------------------


def test_revoke_on_grounds_of_article_8() -> None:
    c = issue()
    c.revoke(grounds=[3, 2, 2], decision_no="77/QĐ-UBND", at=at(date(2027, 3, 10)), note="phiếu kiểm nghiệm")
    assert c.status is S.REVOKED
    assert c.revocation is not None
    assert (c.revocation.grounds, c.revocation.decision_no, c.revocation.decided_on) == (
        (2, 3), "77/QĐ-UBND", date(2027, 3, 10))
    last = c.history[-1]
    assert (last.from_status, last.to_status) == (S.ACTIVE, S.REVOKED)
    assert "điểm b, c khoản 1 Điều 8" in last.reason and last.reason.endswith(": phiếu kiểm nghiệm")
    assert "grounds 2, 3" in last.reason_en
    assert c.is_valid_on(date(2027, 3, 9)) and not c.is_valid_on(date(2027, 3, 10))


@pytest.mark.parametrize("grounds", [[], [0], [7], [1, 9], ["2"], [True]])
def test_revoke_needs_grounds_from_one_to_six(grounds: list[object]) -> None:
    c = issue()
    with pytest.raises(InvalidGrounds) as raised:
        c.revoke(grounds=grounds, decision_no="1/QĐ", at=at(date(2027, 1, 1)))  # type: ignore[arg-type]
    assert_bilingual(raised.value)
    assert c.status is S.ACTIVE


def test_revoke_needs_a_decision_number() -> None:
    with pytest.raises(InvalidCertificate):
        issue().revoke(grounds=[5], decision_no=" ", at=at(date(2027, 1, 1)))


def test_cannot_revoke_a_revoked_superseded_or_expired_certificate() -> None:
    revoked = issue()
    revoked.revoke(grounds=[5], decision_no="1/QĐ", at=at(date(2027, 1, 1)))
    with pytest.raises(IllegalTransition) as raised:
        revoked.revoke(grounds=[5], decision_no="2/QĐ", at=at(date(2027, 1, 2)))
    assert raised.value.vi.startswith("Không thể thu hồi giấy chứng nhận 89-2026-00001: đã bị thu hồi")
    assert "revoked" in raised.value.en

    superseded = issue()
    issue(id="n", number="89-2027-00001", at=at(date(2027, 1, 1)), supersedes=superseded)
    with pytest.raises(IllegalTransition, match="superseded"):
        superseded.revoke(grounds=[2], decision_no="3/QĐ", at=at(date(2027, 1, 5)))

    recorded = issue()
    recorded.expire(at=at(EXPIRES_ON))
    with pytest.raises(IllegalTransition, match="expired"):
        recorded.revoke(grounds=[2], decision_no="4/QĐ", at=at(EXPIRES_ON + DAY))

    lapsed_by_date = issue()  # the scheduler has not recorded the expiry yet
    with pytest.raises(IllegalTransition) as raised:
        lapsed_by_date.revoke(grounds=[2], decision_no="5/QĐ", at=at(EXPIRES_ON))
    assert "hết hiệu lực" in raised.value.vi and "expired" in raised.value.en
    assert lapsed_by_date.status is S.ACTIVE


def test_changes_cannot_be_backdated_before_the_last_one() -> None:
    c = issue()
    c.revoke(grounds=[1], decision_no="1/QĐ", at=at(date(2027, 5, 1)))
    with pytest.raises(IllegalTransition):
        c.expire(at=at(date(2030, 1, 1)), on=date(2027, 4, 1))
    with pytest.raises(IllegalTransition):
        issue().revoke(grounds=[1], decision_no="1/QĐ", at=ISSUED_AT, on=ISSUED_ON - DAY)


# ---- expire -------------------------------------------------------------------------------


def test_expire_only_after_the_last_valid_day_and_on_the_true_day_when_late() -> None:
    c = issue()
    with pytest.raises(IllegalTransition) as raised:
        c.expire(at=at(VALID_UNTIL, 23, 59))
    assert_bilingual(raised.value)
    c.expire(at=at(EXPIRES_ON + timedelta(days=9)))  # the scheduler ran late
    assert c.status is S.EXPIRED
    assert c.history[-1].on == EXPIRES_ON
    assert c.status_on(VALID_UNTIL) is S.ACTIVE and c.status_on(EXPIRES_ON) is S.EXPIRED
    with pytest.raises(IllegalTransition):
        c.expire(at=at(EXPIRES_ON + timedelta(days=10)))


def test_cannot_expire_a_revoked_certificate() -> None:
    c = issue()
    c.revoke(grounds=[4], decision_no="1/QĐ", at=at(date(2027, 1, 1)))
    with pytest.raises(IllegalTransition):
        c.expire(at=at(EXPIRES_ON))


# ---- extension pending re-rating ----------------------------------------------------------


def test_timely_rerating_dossier_keeps_the_certificate_valid_up_to_180_days_after_expiry() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW + timedelta(days=3)), dossier_filed_on=IN_WINDOW)
    assert c.status is S.EXTENDED and c.rerating_pending
    assert c.history[-1].on == IN_WINDOW + timedelta(days=3)
    assert c.status_on(VALID_UNTIL) is S.ACTIVE  # shown as active within its own term
    assert c.status_on(EXPIRES_ON) is S.EXTENDED
    assert c.status_on(EXTENSION_ENDS) is S.EXTENDED
    assert c.status_on(EXTENSION_ENDS + DAY) is S.EXPIRED
    assert c.is_valid_on(EXTENSION_ENDS) and not c.is_valid_on(EXTENSION_ENDS + DAY)
    assert c.valid_through() == EXTENSION_ENDS


@pytest.mark.parametrize("filed", [VALID_UNTIL - timedelta(days=181), VALID_UNTIL - timedelta(days=119)])
def test_a_dossier_outside_the_window_does_not_extend(filed: date) -> None:
    c = issue()
    with pytest.raises(IllegalTransition) as raised:
        c.extend_pending_rerating(at=at(VALID_UNTIL - timedelta(days=30)), dossier_filed_on=filed)
    assert "ngoài thời hạn" in raised.value.vi and "outside the window" in raised.value.en
    with pytest.raises(IllegalTransition):
        c.extend_pending_rerating(at=at(VALID_UNTIL - timedelta(days=30)))
    assert c.status is S.ACTIVE


@pytest.mark.parametrize("filed", [VALID_UNTIL - timedelta(days=180), VALID_UNTIL - timedelta(days=120)])
def test_the_window_includes_both_ends(filed: date) -> None:
    c = issue()
    c.extend_pending_rerating(at=at(filed), dossier_filed_on=filed)
    assert c.status is S.EXTENDED


def test_transitional_rule_recorded_after_expiry_takes_effect_on_the_expiry_day() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(EXPIRES_ON + timedelta(days=20)), transitional=True)
    assert c.history[-1].on == EXPIRES_ON
    assert "khoản 3 Điều 12" in c.history[-1].reason
    assert c.status_on(EXPIRES_ON) is S.EXTENDED  # never lapsed


def test_no_extension_beyond_180_days_twice_or_from_a_final_status() -> None:
    late = issue()
    with pytest.raises(IllegalTransition):
        late.extend_pending_rerating(at=at(EXTENSION_ENDS + DAY), transitional=True)
    twice = issue()
    twice.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    with pytest.raises(IllegalTransition):
        twice.extend_pending_rerating(at=at(IN_WINDOW + DAY), dossier_filed_on=IN_WINDOW)
    revoked = issue()
    revoked.revoke(grounds=[2], decision_no="1/QĐ", at=at(date(2027, 1, 1)))
    with pytest.raises(IllegalTransition):
        revoked.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    expired = issue()
    expired.expire(at=at(EXPIRES_ON))
    with pytest.raises(IllegalTransition):
        expired.extend_pending_rerating(at=at(EXPIRES_ON + DAY), transitional=True)


def test_rerating_during_the_extension_supersedes_the_old_certificate() -> None:
    old = issue()
    old.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    decided = EXPIRES_ON + timedelta(days=30)
    new = issue(id="cert-2", number="89-2029-00042", at=at(decided), supersedes=old)
    assert old.status is S.SUPERSEDED and old.status_on(decided - DAY) is S.EXTENDED
    assert [e.to_status for e in old.history] == [S.ACTIVE, S.EXTENDED, S.SUPERSEDED]
    assert new.is_valid_on(decided)


def test_an_extended_certificate_can_be_revoked() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    c.revoke(grounds=[5], decision_no="9/QĐ", at=at(EXPIRES_ON + timedelta(days=10)))
    assert c.status_on(EXPIRES_ON + timedelta(days=10)) is S.REVOKED


def test_end_extension_before_expiry_runs_to_the_own_term() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    c.end_extension(at=at(VALID_UNTIL - timedelta(days=20)))
    assert c.status is S.ACTIVE
    assert c.status_on(EXPIRES_ON) is S.EXPIRED


def test_end_extension_after_expiry_expires_that_day() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    day = EXPIRES_ON + timedelta(days=40)
    c.end_extension(at=at(day), note="dưới 50 điểm")
    assert c.status is S.EXPIRED and c.history[-1].on == day
    assert c.history[-1].reason.endswith("dưới 50 điểm")
    assert c.status_on(day - DAY) is S.EXTENDED and c.status_on(day) is S.EXPIRED


def test_end_extension_needs_an_extension_within_its_limit() -> None:
    with pytest.raises(IllegalTransition):
        issue().end_extension(at=at(IN_WINDOW))
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    with pytest.raises(IllegalTransition):
        c.end_extension(at=at(EXTENSION_ENDS + DAY))


def test_expire_of_an_extension_recorded_late_keeps_the_true_day() -> None:
    c = issue()
    c.extend_pending_rerating(at=at(IN_WINDOW), dossier_filed_on=IN_WINDOW)
    with pytest.raises(IllegalTransition):
        c.expire(at=at(VALID_UNTIL))
    c.expire(at=at(EXTENSION_ENDS + timedelta(days=5)))
    assert c.history[-1].on == EXTENSION_ENDS + DAY
    assert "180" in c.history[-1].reason


def test_a_certificate_loaded_without_history_uses_its_recorded_status() -> None:
    c = Certificate(
        id="c", number="89-2026-00009", product_id="p", product_code="x", product_name="Khô cá lóc",
        entity_id="e", entity_name="Hộ kinh doanh", stars=3, regulation="26/2026/QĐ-TTg",
        decision_no="1/QĐ", decision_date=ISSUED_ON, issued_on=ISSUED_ON, valid_until=VALID_UNTIL,
        issuer=Issuer("province-committee", "An Giang"), status=S.REVOKED)
    assert c.status_on(date(2027, 1, 1)) is S.REVOKED


# ---- grounds as data ---------------------------------------------------------------------


def test_the_six_grounds_of_article_8() -> None:
    assert sorted(GROUNDS) == [1, 2, 3, 4, 5, 6]
    assert [g.letter for g in GROUNDS.values()] == ["a", "b", "c", "d", "đ", "e"]
    assert GROUNDS[5].vi == "Chủ thể OCOP không còn hoạt động sản xuất sản phẩm OCOP."
    assert GROUNDS[5].en == "The OCOP entity no longer produces the OCOP product."
    assert all(g.vi and g.en for g in GROUNDS.values())
    assert GROUNDS[2].citation_vi == "điểm b khoản 1 Điều 8 Quyết định 26/2026/QĐ-TTg"
    assert describe_grounds([4, 1], "en").startswith("(a) The OCOP entity was found")
