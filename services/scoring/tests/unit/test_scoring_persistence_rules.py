"""Domain pieces the service relies on: drafts replaced as a whole, sheets restored from
storage, late conflicts, written opinions, and what a finalised result means (`decide`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_support import (
    QD26,
    QD1048,
    council,
    evaluation,
    member_sheet,
    province_1048_sheet,
    set26,
    top,
)

from ocop_shared.regulations import get_regulation
from scoring.domain.council import BlockerKind, CouncilEvaluation
from scoring.domain.errors import (
    ConflictOfInterestError,
    FinalisationBlocked,
    NoSheet,
    SheetAlreadySubmitted,
    UnknownOption,
)
from scoring.domain.outcome import Decision, decide
from scoring.domain.ranking import rank, route
from scoring.domain.sheet_scoring import KnockOut, MemberSheet, score_sheet

S8 = set26(8)
TOP8 = top(S8)
R26 = get_regulation(QD26)


def test_save_draft_replaces_the_draft_and_checks_each_option() -> None:
    ev = evaluation(S8)
    ev.save_draft("m1", {"1.1": 2, "1.2": 1})
    ev.save_draft("m1", {"1.1": 0})  # replaced, not merged
    draft = ev.sheet_of("m1")
    assert draft is not None and dict(draft.choices) == {"1.1": 0} and not draft.submitted
    with pytest.raises(UnknownOption):
        ev.save_draft("m1", {"1.1": 9})
    assert dict(ev.sheet_of("m1").choices) == {"1.1": 0}  # type: ignore[union-attr]
    ev.save_draft("m1", TOP8)
    assert ev.submit("m1").total == 100
    with pytest.raises(SheetAlreadySubmitted):
        ev.save_draft("m1", TOP8)


def test_restored_sheets_count_like_submitted_ones() -> None:
    ev = evaluation(S8, council(3))
    ev.restore_sheet("chair", TOP8, None, submitted=True)
    ev.restore_sheet("m1", {**TOP8, "7": 2}, None, submitted=True)
    ev.restore_sheet("m2", {"1.1": 1}, None, submitted=False)
    assert sorted(s.member_id for s in ev.submitted) == ["chair", "m1"]
    assert ev.pending == ("m2", "m3")


def test_a_sheet_handed_in_before_a_conflict_was_found_does_not_count() -> None:
    c = council(3)
    ev = CouncilEvaluation(c, R26, S8, evaluation(S8).product, present=[m.member_id for m in c.members],
                           declared_conflicts={"m1": "Em ruột của chủ cơ sở"})
    ev.restore_sheet("m1", TOP8, None, submitted=True)
    assert ev.submitted == ()
    with pytest.raises(ConflictOfInterestError):
        ev.save_draft("m1", TOP8)


def test_written_opinions_need_every_eligible_members_sheet_and_no_attendance() -> None:
    c = council(3)
    ev = CouncilEvaluation(c, R26, S8, evaluation(S8).product, written_opinions=True)
    assert ev.quorum.met  # consulted in writing: nobody has to attend
    for member_id in ("chair", "m1", "m2"):
        ev.submit_sheet(member_id, member_sheet(S8, TOP8))
    with pytest.raises(FinalisationBlocked) as blocked:
        ev.finalise()
    assert [b.kind for b in blocked.value.details["blockers"]] == [BlockerKind.SHEETS_PENDING]  # type: ignore[attr-defined]
    ev.submit_sheet("m3", member_sheet(S8, TOP8, c7=2))  # 98
    assert ev.finalise().result.mean_total == Decimal("99.50")


def test_decide_under_26_2026() -> None:
    # 100 at the province: escalated to the central level, not recognising
    best = rank(R26, S8, [score_sheet(S8, member_sheet(S8, TOP8), "a")])
    up = decide(best, route(R26, best, "province"))
    assert (up.decision, up.escalate_to, up.recognising) == (Decision.ESCALATED, "central", False)
    # 100 at the central level: recognised there
    five = decide(best, route(R26, best, "central"))
    assert (five.decision, five.recognised_by, five.recognising) == (Decision.RECOGNISED, "central", True)
    # 86 at the central level (4★; unmarked criteria lowered: 4.3 -3, 4.2 -3, 1.2 -2, 1.4 -2,
    # 1.7 -1, 2.4 -1, 3.3 -2): the province recognises it from that result
    sheet = member_sheet(S8, TOP8, c4_3=2, c4_2=0, c1_2=0, c1_4=0, c1_7=0, c2_4=0, c3_3=0)
    four = rank(R26, S8, [score_sheet(S8, sheet, "a")])
    assert (four.mean_total, four.stars, four.caps) == (Decimal("86.00"), 4, ())
    fallback = decide(four, route(R26, four, "central"))
    assert (fallback.decision, fallback.recognised_by, fallback.fallback_from, fallback.recognising) == (
        Decision.FALLBACK, "province", "central", True)
    # the lowest options everywhere: 16 points, 1★ - a final result, no certificate
    low = rank(R26, S8, [score_sheet(S8, member_sheet(S8, {k: 0 for k in TOP8}), "a")])
    assert (low.mean_total, low.stars) == (Decimal("16.00"), 1)
    assert decide(low, route(R26, low, "province")).decision is Decision.NO_CERTIFICATE


def test_decide_knock_out_and_1048_without_fallback() -> None:
    knocked = rank(R26, S8, [score_sheet(S8, MemberSheet(QD26, 8, (), KnockOut("6.1", "Có dị vật nguy hại")),
                                         "a")])
    assert decide(knocked, route(R26, knocked, "province")).decision is Decision.KNOCKED_OUT
    r1048 = get_regulation(QD1048)
    sheet = province_1048_sheet()
    low = member_sheet(sheet, top(sheet), c4_1=2, c2_2=0, c3_2=1)  # 82
    result = rank(r1048, sheet, [score_sheet(sheet, low, "a")])
    outcome = decide(result, route(r1048, result, "central", date(2021, 6, 1)))
    assert (outcome.decision, outcome.recognising) == (Decision.NOT_RECOGNISED, False)


def test_a_reopened_sheet_is_rescored_and_lifts_the_spread_blocker() -> None:
    ev = evaluation(S8, council(3))
    ev.submit_sheet("chair", member_sheet(S8, TOP8))  # 100
    ev.submit_sheet("m1", member_sheet(S8, TOP8))  # 100
    ev.submit_sheet("m2", member_sheet(S8, TOP8))  # 100
    ev.submit_sheet("m3", member_sheet(S8, TOP8, c4_1=0, c4_3=0, c5_1=0))  # 100 - 4 - 5 - 5 = 86
    with pytest.raises(FinalisationBlocked):
        ev.finalise()
    ev.reopen_sheet("m3")
    assert ev.pending == ("m3",)
    ev.save_draft("m3", {**TOP8, "4.1": 1, "4.3": 0})  # 100 - 3 - 5 = 92
    ev.submit("m3")
    result = ev.finalise().result
    assert result.mean_total == Decimal("98.00") and result.member_totals["m3"] == 92
    with pytest.raises(NoSheet):
        evaluation(S8).reopen_sheet("m1")
