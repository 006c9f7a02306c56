"""Council rules: composition, quorum, conflicts, one blind sheet per member, finalisation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from scoring_support import (
    council,
    evaluation,
    knocked,
    member_sheet,
    product,
    score_all,
    set26,
    top,
)

from scoring.domain.council import (
    BlockerKind,
    ChairOverride,
    ConflictKind,
    CouncilEvaluation,
    CouncilMember,
    CouncilRules,
    Role,
    check_quorum,
)
from scoring.domain.errors import (
    ConflictOfInterestError,
    EvaluationClosed,
    FinalisationBlocked,
    InvalidComposition,
    InvalidOverride,
    NoSheet,
    NotAScorer,
    NotPresent,
    SecondSheetRefused,
    SheetAlreadySubmitted,
    UnknownMember,
    UnknownOption,
    WrongProductSet,
)
from scoring.domain.ranking import Outcome
from scoring.domain.sheet_scoring import KnockOut

S8 = set26(8)
TOP8 = top(S8)


def blockers_of(err: FinalisationBlocked) -> set[BlockerKind]:
    return {b.kind for b in err.details["blockers"]}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- composition


def test_composition() -> None:
    c = council(4)
    assert c.chair.member_id == "chair" and c.secretary is not None
    assert [m.member_id for m in c.voting_members] == ["chair", "m1", "m2", "m3", "m4"]
    assert "Văn phòng điều phối" in c.departments
    with pytest.raises(InvalidComposition):
        council(2, extra=[CouncilMember("chair2", "Phó", Role.CHAIR)])
    with pytest.raises(InvalidComposition):
        council(2, extra=[CouncilMember("m1", "Trùng", Role.MEMBER)])
    with pytest.raises(InvalidComposition):
        council(2, extra=[CouncilMember("sec2", "Thư ký 2", Role.SECRETARY)])
    with pytest.raises(InvalidComposition) as err:
        council(2, rules=CouncilRules(required_departments=frozenset({"Sở Y tế", "Sở 1"})))
    assert err.value.message_en == "Departments not represented: Sở Y tế"
    with pytest.raises(UnknownMember):
        c.member("nobody")


def test_a_council_of_another_regulation_or_product_set_is_refused() -> None:
    with pytest.raises(InvalidComposition):
        evaluation(S8, council(3, regulation="148/QĐ-TTg"))
    with pytest.raises(WrongProductSet):
        evaluation(S8, the_product=product(set26(9)))


# --------------------------------------------------------------------- quorum


def test_quorum_is_three_quarters_of_voting_members_including_the_chair() -> None:
    c = council(6)  # chair + 6 members = 7 voting; ceil(7 * 3/4) = 6
    assert check_quorum(c, ["chair", "m1", "m2", "m3", "m4"]).met is False
    assert check_quorum(c, ["m1", "m2", "m3", "m4", "m5", "m6"]).met is False  # 6, but no chair
    q = check_quorum(c, ["chair", "m1", "m2", "m3", "m4", "m5", "sec"])
    assert (q.voting_members, q.present, q.required, q.met) == (7, 6, 6, True)  # the secretary does not count


def test_quorum_is_configurable() -> None:
    c = council(6, rules=CouncilRules(quorum=Fraction(1, 2), quorum_requires_chair=False))
    assert check_quorum(c, ["m1", "m2", "m3", "m4"]).met


def test_no_quorum_blocks_finalisation_and_cannot_be_overridden() -> None:
    ev = evaluation(S8, council(6), present=["chair", "m1", "m2", "m3", "m4"])
    score_all(ev, {m: member_sheet(S8, TOP8) for m in ("chair", "m1", "m2", "m3", "m4")})
    with pytest.raises(FinalisationBlocked) as err:
        ev.finalise(ChairOverride("chair", "Họp gấp"))
    assert blockers_of(err.value) == {BlockerKind.QUORUM}
    assert "No quorum: 5/7 present, 6 needed" in err.value.message_en
    ev.mark_present("m5")
    with pytest.raises(FinalisationBlocked) as err:
        ev.finalise()
    assert blockers_of(err.value) == {BlockerKind.SHEETS_PENDING}  # m5 is now present and must score
    ev.submit_sheet("m5", member_sheet(S8, TOP8))
    assert ev.finalise().result.stars == 5


# ------------------------------------------------------------------ conflicts


def test_member_from_the_products_commune_cannot_score() -> None:
    ev = evaluation(S8, the_product=product(S8, commune="X-02"))
    assert [c.kind for c in ev.conflicts_of("m2")] == [ConflictKind.SAME_COMMUNE]
    with pytest.raises(ConflictOfInterestError) as err:
        ev.submit_sheet("m2", member_sheet(S8, TOP8))
    assert err.value.message_en == (
        "Thành viên 2 may not score this product: From the product's commune (X-02)")
    assert "m2" not in ev.eligible_scorers and "m2" not in ev.pending


def test_declared_entity_and_supplier_conflicts() -> None:
    extra = [CouncilMember("m5", "Thành viên 5", department="Hội nông dân", entity_ids=frozenset({"E-1"})),
             CouncilMember("m6", "Thành viên 6", department="Hiệp hội",
                           supplies_entity_ids=frozenset({"E-1"})),
             CouncilMember("m7", "Thành viên 7", department="HTX", entity_ids=frozenset({"SUP-9"}))]
    ev = evaluation(S8, council(4, extra=extra), declared={"m1": "Người thân làm ở cơ sở sản xuất"},
                    the_product=product(S8, entity="E-1", suppliers=["SUP-9"]))
    kinds = {c.member_id: c.kind for c in ev.conflicts}
    assert kinds == {"m1": ConflictKind.DECLARED, "m5": ConflictKind.SAME_ENTITY,
                     "m6": ConflictKind.SUPPLIER, "m7": ConflictKind.SUPPLIER}
    for member_id in kinds:
        with pytest.raises(ConflictOfInterestError):
            ev.open_sheet(member_id)
    assert ev.eligible_scorers == ("chair", "m2", "m3", "m4")
    score_all(ev, {m: member_sheet(S8, TOP8) for m in ev.eligible_scorers})
    final = ev.finalise()
    assert final.result.sheets_scored == 4 and len(final.conflicts) == 4


def test_only_present_voting_members_score() -> None:
    ev = evaluation(S8, present=["chair", "m1", "m2", "m3", "sec"])
    with pytest.raises(NotAScorer):
        ev.open_sheet("sec")
    with pytest.raises(NotPresent):
        ev.open_sheet("m4")
    with pytest.raises(UnknownMember):
        ev.open_sheet("ghost")


# ---------------------------------------------------------------- sheets


def test_a_second_sheet_from_the_same_member_is_refused() -> None:
    ev = evaluation(S8)
    ev.submit_sheet("m1", member_sheet(S8, TOP8))
    with pytest.raises(SecondSheetRefused) as err:
        ev.submit_sheet("m1", member_sheet(S8, TOP8, c1_1=0))
    assert "phiếu thứ hai" in err.value.message_vi
    with pytest.raises(SecondSheetRefused):
        ev.open_sheet("m1")
    ev.open_sheet("m2")
    with pytest.raises(SecondSheetRefused):
        ev.open_sheet("m2")
    with pytest.raises(SecondSheetRefused):
        ev.submit_sheet("m2", member_sheet(S8, TOP8))


def test_draft_flow_refuses_invalid_options_at_once() -> None:
    ev = evaluation(S8)
    with pytest.raises(NoSheet):
        ev.choose("m1", "1.1", 0)
    ev.open_sheet("m1")
    with pytest.raises(UnknownOption):
        ev.choose("m1", "1.1", 5)
    for code, index in TOP8.items():
        ev.choose("m1", code, index)
    ev.choose("m1", "1.1", 0)  # a draft may be changed
    submitted = ev.submit("m1")
    assert submitted.total == 98
    with pytest.raises(SheetAlreadySubmitted):
        ev.choose("m1", "1.1", 2)


def test_a_draft_with_missing_criteria_cannot_be_submitted_but_a_knockout_can() -> None:
    ev = evaluation(S8)
    ev.open_sheet("m1")
    ev.choose("m1", "1.1", 2)
    with pytest.raises(Exception, match="Criteria not scored"):
        ev.submit("m1")
    ev.record_knockout("m1", KnockOut("6.1", "Mẫu có nấm mốc"))
    assert ev.submit("m1").knocked_out


# ------------------------------------------------------------------ blindness


def test_blind_until_submitted() -> None:
    ev = evaluation(S8, the_product=product(S8, commune="X-04"))  # m4 is conflicted
    ev.submit_sheet("m1", member_sheet(S8, TOP8))
    ev.open_sheet("m2")
    ev.choose("m2", "1.1", 0)

    assert [v.member_id for v in ev.visible_sheets("m2")] == ["m2"]  # own draft only
    assert [v.member_id for v in ev.visible_sheets("m3")] == []  # has no sheet yet
    assert [v.member_id for v in ev.visible_sheets("m1")] == ["m1"]  # m2 is still a draft
    assert [(v.member_id, v.total) for v in ev.visible_sheets("sec")] == [("m1", 100)]
    assert ev.visible_sheets("m4") == ()  # conflicted
    assert ev.may_see("m2", "m2") and not ev.may_see("m2", "m1") and not ev.may_see("chair", "m2")

    ev.submit_sheet("m3", member_sheet(S8, TOP8))
    ev.choose("m2", "1.1", 2)
    for code, index in TOP8.items():
        ev.choose("m2", code, index)
    ev.submit("m2")
    assert [v.member_id for v in ev.visible_sheets("m2")] == ["m1", "m2", "m3"]
    assert [v.member_id for v in ev.visible_sheets("chair")] == []  # the chair has not scored yet
    ev.submit_sheet("chair", member_sheet(S8, TOP8))
    ev.finalise()
    assert len(ev.visible_sheets("m4")) == 4  # after finalisation everyone sees the sheets


# ---------------------------------------------------------------- spread rule


def test_spread_above_ten_points_blocks_finalisation_until_the_chair_overrides() -> None:
    ev = evaluation(S8, council(2))
    ev.submit_sheet("chair", member_sheet(S8, TOP8))                             # 100
    ev.submit_sheet("m1", member_sheet(S8, TOP8, c1_7=0, c3_2=0, c10=0, c2_4=0, c1_2=1))  # 95
    ev.submit_sheet("m2", member_sheet(S8, TOP8, c4_3=0, c4_2=0, c5_2=0, c1_7=0))  # 89
    assert [s.total for s in ev.submitted] == [100, 95, 89]
    assert ev.spread() == Decimal(11)
    with pytest.raises(FinalisationBlocked) as err:
        ev.finalise()
    assert blockers_of(err.value) == {BlockerKind.SPREAD}
    assert "Members' totals differ by 11, more than 10" in err.value.message_en
    with pytest.raises(InvalidOverride):
        ev.finalise(ChairOverride("m1", "Tôi là thành viên"))
    with pytest.raises(InvalidOverride):
        ev.finalise(ChairOverride("chair", " "))
    final = ev.finalise(ChairOverride("chair", "Đã thảo luận, giữ nguyên điểm", "Discussed, scores kept"))
    assert final.override is not None and final.override.reason_vi == "Đã thảo luận, giữ nguyên điểm"
    assert [b.kind for b in final.overridden] == [BlockerKind.SPREAD]
    assert final.spread == Decimal(11)
    assert final.result.mean_total == Decimal("94.67") and final.result.stars == 5
    with pytest.raises(EvaluationClosed):
        ev.finalise()
    with pytest.raises(EvaluationClosed):
        ev.open_sheet("m2")


def test_spread_of_exactly_ten_points_is_allowed_and_configurable() -> None:
    ev = evaluation(S8, council(2))
    ev.submit_sheet("chair", member_sheet(S8, TOP8))                             # 100
    ev.submit_sheet("m1", member_sheet(S8, TOP8, c4_3=0, c4_2=0, c5_2=0))        # 90
    ev.submit_sheet("m2", member_sheet(S8, TOP8))                                # 100
    final = ev.finalise()
    assert final.spread == Decimal(10) and final.override is None
    strict = evaluation(S8, council(2, rules=CouncilRules(max_spread=Decimal(5))))
    strict.submit_sheet("chair", member_sheet(S8, TOP8))
    strict.submit_sheet("m1", member_sheet(S8, TOP8, c4_3=0, c4_2=0, c5_2=0))
    strict.submit_sheet("m2", member_sheet(S8, TOP8))
    with pytest.raises(FinalisationBlocked):
        strict.finalise()


# ------------------------------------------------------------------ knock-outs


def test_majority_knockout_finalises_as_knocked_out() -> None:
    ev = evaluation(S8, council(2))
    ev.submit_sheet("chair", knocked(S8, "1.1", "Toàn bộ nguyên liệu nhập khẩu"))
    ev.submit_sheet("m1", knocked(S8, "1.1", "Toàn bộ nguyên liệu nhập khẩu"))
    ev.submit_sheet("m2", member_sheet(S8, TOP8))
    final = ev.finalise()
    assert final.result.outcome is Outcome.KNOCKED_OUT and final.result.stars is None


def test_minority_knockout_needs_a_chair_ruling() -> None:
    def make() -> CouncilEvaluation:
        ev = evaluation(S8, council(2))
        ev.submit_sheet("chair", member_sheet(S8, TOP8))
        ev.submit_sheet("m1", member_sheet(S8, TOP8))
        ev.submit_sheet("m2", knocked(S8, "6.1", "Có tạp chất"))
        return ev

    ev = make()
    with pytest.raises(FinalisationBlocked) as err:
        ev.finalise()
    assert blockers_of(err.value) == {BlockerKind.KNOCKOUT_DISPUTED}
    proceed = ev.finalise(ChairOverride("chair", "Mẫu đã kiểm tra lại, không có tạp chất"))
    assert proceed.result.outcome is Outcome.RANKED and proceed.result.sheets_scored == 2
    assert proceed.result.knockouts[0].member_id == "m2"
    confirmed = make().finalise(
        ChairOverride("chair", "Xác nhận có tạp chất", confirm_knockout=True))
    assert confirmed.result.knocked_out


def test_confirming_a_knockout_that_is_not_disputed_is_refused() -> None:
    ev = evaluation(S8, council(2))
    score_all(ev, {m: member_sheet(S8, TOP8) for m in ("chair", "m1", "m2")})
    with pytest.raises(InvalidOverride):
        ev.finalise(ChairOverride("chair", "?", confirm_knockout=True))


# ---------------------------------------------------------------- set 26 cases


def test_members_must_use_the_same_case_on_set_26() -> None:
    s26 = set26(26)
    ev = evaluation(s26, council(2))
    ev.submit_sheet("chair", member_sheet(s26, top(s26, case=0)))
    ev.submit_sheet("m1", member_sheet(s26, top(s26, case=0)))
    ev.submit_sheet("m2", member_sheet(s26, top(s26, case=1)))
    with pytest.raises(FinalisationBlocked) as err:
        ev.finalise(ChairOverride("chair", "Bỏ qua"))
    assert blockers_of(err.value) == {BlockerKind.CASES_INCONSISTENT}
    assert "Criterion 8 is scored under different cases" in err.value.message_en
