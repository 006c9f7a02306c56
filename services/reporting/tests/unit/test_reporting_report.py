"""The report from facts: counts by star, group, entity type, commune and level; changes;
showrooms; the 2021 targets; and the same report whatever order the facts came in."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from reporting.domain.facts import (
    CertificateFact,
    EntityFact,
    EscalationFact,
    Facts,
    ListingFact,
    RecognitionFact,
    ScoreFact,
    local_day,
)
from reporting.domain.layout import sheets
from reporting.domain.report import build_report, entity_type
from reporting.domain.targets import UnknownPeriod, group_of, period, plan

NOW = datetime(2021, 12, 1, tzinfo=UTC)
_count = 0


def score(product: str, stars: int, *, entity: str = "e1", set_no: int = 9, commune: str = "30316",
          on: date = date(2021, 4, 10), level: str = "province", recognising: bool = True,
          escalated_to: str | None = None, case: str = "first", round_id: str = "AG-2021-R1",
          submission: str | None = None) -> ScoreFact:
    global _count
    _count += 1
    return ScoreFact(
        evaluation_id=f"ev{_count}", product_id=product, submission_id=submission or f"s-{product}-{case}",
        round_id=round_id, case=case, level=level, stars=stars, mean_score=Decimal(20 * stars - 5),
        recognising=recognising, escalated_to=escalated_to, product_name=f"Sản phẩm {product}",
        product_set_no=set_no, entity_id=entity, entity_name=f"Chủ thể {entity}", commune_code=commune,
        province_code="89", on=on, at=datetime(on.year, on.month, on.day, 3, _count % 60, tzinfo=UTC))


def entity(entity_id: str, legal_form: str, commune: str = "30316") -> EntityFact:
    return EntityFact(entity_id, legal_form, commune, "89", f"Chủ thể {entity_id}")


def sample() -> Facts:
    facts = Facts()
    for e in (entity("e1", "household"), entity("e2", "enterprise_llc"), entity("e3", "cooperative", "30337"),
              entity("e4", "enterprise_jsc", "30337"), entity("e5", "farm", "30340")):
        facts.entities[e.entity_id] = e
    facts.scores = [
        score("p1", 3, entity="e1", set_no=9),            # food (I)
        score("p2", 4, entity="e2", set_no=8),            # food (I)
        score("p3", 2, entity="e2", set_no=14),           # beverages (II), not recognised as OCOP
        score("p4", 5, entity="e3", set_no=17, commune="30337", recognising=False,
              escalated_to="central"),                      # proposed to central
        score("p5", 3, entity="e4", set_no=21, commune="30337"),  # handicraft (IV)
        score("p6", 3, entity="e5", set_no=18, commune="30340"),  # herbs (III)
    ]
    decide(facts)
    return facts


def decide(facts: Facts) -> None:
    """The authority's decision recognises every recognising result kept so far."""
    for s in facts.scores:
        if s.recognising:
            facts.recognitions[s.evaluation_id] = RecognitionFact(s.evaluation_id, s.product_id,
                                                                  "512/QĐ-UBND", s.on)


def test_counts_by_star_group_entity_type_commune_and_level() -> None:
    report = build_report(sample(), period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert report.summary.evaluated == 6
    assert report.summary.three_plus == 5
    assert report.summary.share_three_plus == pytest.approx(5 / 6, abs=1e-4)
    assert [(r.stars, r.products, r.recognised, r.pending_central) for r in report.by_star] == [
        (1, 0, 0, 0), (2, 1, 0, 0), (3, 3, 3, 0), (4, 1, 1, 0), (5, 1, 0, 1)]
    groups = {r.category: r for r in report.by_group}
    assert [r.category for r in report.by_group] == ["I", "II", "III", "IV", "V", "VI"]
    assert groups["I"].evaluated == 2 and groups["I"].stars == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0}
    assert groups["II"].evaluated == 2 and groups["II"].three_plus == 1
    assert groups["III"].three_plus == 1 and groups["IV"].three_plus == 1
    assert groups["I"].name_vi == "SẢN PHẨM THỰC PHẨM" and groups["I"].name_en == "Food"
    types = {r.entity_type: (r.entities, r.evaluated, r.three_plus) for r in report.by_entity_type}
    assert types == {"household": (1, 1, 1), "enterprise": (2, 3, 2), "cooperative": (1, 1, 1),
                     "cooperative_group": (0, 0, 0), "other": (1, 1, 1)}
    communes = {r.commune_code: (r.entities, r.evaluated, r.three_plus) for r in report.by_commune}
    assert communes == {"30316": (2, 3, 2), "30337": (2, 2, 2), "30340": (1, 1, 1)}
    levels = {r.level: (r.results, r.recognised, r.forwarded) for r in report.by_level}
    assert levels["province"] == (6, 4, 1) and levels["central"] == (0, 0, 0)
    assert report.summary.national_evaluation == 1


def test_entity_types_follow_the_plan_grouping() -> None:
    assert entity_type("enterprise_private") == "enterprise"
    assert entity_type("cooperative_group") == "cooperative_group"
    assert entity_type("tourism_centre") == "other"
    assert entity_type(None) == "unknown"
    assert group_of(26).category == "VI" and group_of(99).category == "?"


def test_targets_of_2021_against_actual_figures() -> None:
    facts = sample()
    districts = sorted(plan(2021, "91").units)  # type: ignore[union-attr]
    for n in range(20):  # twenty more 3-star products of twenty entities over the 11 districts
        code, name = districts[n % 11]
        facts.entities[f"x{n}"] = EntityFact(f"x{n}", "household", "30310", "89", f"Hộ {n}", "Xã Bình Mỹ",
                                             code, name)
        facts.scores.append(score(f"q{n}", 3, entity=f"x{n}", commune="30310"))
    facts.escalations.append(EscalationFact("ev-x", "q1", "s-q1", "province", "central", 5, date(2021, 6, 1)))
    report = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    targets = {t.metric: t for t in report.targets}
    assert list(targets) == ["products_3_star_plus", "share_3_star_plus", "min_entities_per_unit",
                             "national_evaluation", "upgrades"]
    assert targets["products_3_star_plus"].actual == 25 and targets["products_3_star_plus"].met
    assert targets["share_3_star_plus"].actual == pytest.approx(25 / 26, abs=1e-4)
    assert targets["share_3_star_plus"].met
    # nine districts have two participants, the last two only one each
    assert targets["min_entities_per_unit"].actual == 1 and not targets["min_entities_per_unit"].met
    assert "huyện" in targets["min_entities_per_unit"].note_vi
    assert [r.entities for r in report.by_district] == [2] * 9 + [1] * 2
    assert targets["national_evaluation"].actual == 2 and targets["national_evaluation"].met
    assert targets["upgrades"].target_min == 5 and targets["upgrades"].target_max == 8
    assert not targets["upgrades"].met
    assert build_report(facts, period(2020, "annual"), plan(2020, "91"), NOW, "An Giang").targets == []
    assert plan(2021, "82") is None  # another province's report does not carry An Giang's plan


def test_upgrades_reratings_and_certificate_changes() -> None:
    facts = Facts()
    facts.scores = [
        score("p1", 3, on=date(2020, 9, 1), round_id="AG-2020-R3"),
        score("p1", 4, on=date(2021, 5, 2), case="upgrade"),
        score("p2", 4, on=date(2020, 9, 1)),
        score("p2", 4, on=date(2021, 5, 3), case="upgrade"),  # same stars: not an upgrade
        score("p3", 3, on=date(2021, 8, 3), case="rerating"),
    ]
    facts.certificates = [
        CertificateFact("c1", "certified", "p1", "89-2020-00001", date(2020, 9, 20), 3),
        CertificateFact("c2", "certified", "p2", "89-2020-00002", date(2020, 9, 20), 4),
        CertificateFact("c1", "superseded", "p1", "89-2020-00001", date(2021, 5, 20)),
        CertificateFact("c2", "revoked", "p2", "89-2020-00002", date(2021, 7, 1)),
        CertificateFact("c9", "expired", "p9", "89-2018-00009", date(2021, 3, 1)),
    ]
    half = build_report(facts, period(2021, "half-year"), plan(2021, "91"), NOW, "An Giang")
    assert half.summary.upgrades == 1 and half.summary.reratings == 0
    assert [(c.kind, c.product_id) for c in half.changes] == [
        ("expired", "p9"), ("upgrade", "p1"), ("superseded", "p1")]
    assert half.changes[1].detail == "3★ → 4★"
    annual = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert (annual.summary.upgrades, annual.summary.reratings, annual.summary.revocations,
            annual.summary.expiries, annual.summary.supersessions) == (1, 1, 1, 1, 1)
    assert annual.summary.evaluated == 3  # 2020 results are not 2021's


def test_periods_come_from_data() -> None:
    half = period(2021, "half-year")
    assert (half.start, half.end, half.due) == (date(2021, 1, 1), date(2021, 5, 30), date(2021, 5, 30))
    annual = period(2021, "annual")
    assert (annual.start, annual.end, annual.due) == (date(2021, 1, 1), date(2021, 12, 31), date(2021, 11, 30))
    with pytest.raises(UnknownPeriod):
        period(2021, "quarter")
    # an event at 20:00 UTC on 30 May is already 31 May in Vietnam: outside the 6-month report
    assert local_day(datetime(2021, 5, 30, 20, tzinfo=UTC)) == date(2021, 5, 31)


def test_a_forwarded_result_then_the_higher_levels_result() -> None:
    facts = Facts()
    facts.scores = [score("p1", 3, level="district", recognising=False, escalated_to="province",
                          submission="s1", on=date(2021, 3, 1))]
    report = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert report.summary.evaluated == 1 and report.summary.three_plus == 0
    assert report.products[0].status == "forwarded"
    facts.scores.append(score("p1", 4, level="province", submission="s1", on=date(2021, 4, 1)))
    report = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert report.summary.three_plus == 1 and report.products[0].stars == 4
    assert report.products[0].level == "province"


def test_showroom_coverage_at_the_end_of_the_period() -> None:
    facts = Facts()
    facts.listings = [
        ListingFact("tinh-bien", 1, "p1", True, date(2021, 2, 1), "A", 3),
        ListingFact("tinh-bien", 2, "p2", True, date(2021, 2, 1), "B", 4),
        ListingFact("tinh-bien", 3, "p1", False, date(2021, 7, 1)),
        ListingFact("long-xuyen", 1, "p2", True, date(2021, 3, 1), "B", 4),
    ]
    half = build_report(facts, period(2021, "half-year"), plan(2021, "91"), NOW, "An Giang")
    assert [(r.catalog_id, r.products, r.three_star, r.four_star) for r in half.showrooms] == [
        ("long-xuyen", 1, 0, 1), ("tinh-bien", 2, 1, 1)]
    annual = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert [(r.catalog_id, r.products) for r in annual.showrooms] == [("long-xuyen", 1), ("tinh-bien", 1)]


def test_the_report_does_not_depend_on_the_order_facts_arrived_in() -> None:
    facts = sample()
    facts.scores.append(score("p1", 4, case="upgrade", on=date(2021, 6, 3)))
    facts.certificates.append(CertificateFact("c1", "certified", "p1", "n1", date(2021, 4, 20), 3))
    facts.listings = [ListingFact("province", v, f"p{v}", True, date(2021, 5, 1), "x", 3) for v in range(1, 5)]
    expected = build_report(facts, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    rng = random.Random(6)
    for _ in range(5):
        shuffled = replace(facts, scores=rng.sample(facts.scores, len(facts.scores)),
                           listings=rng.sample(facts.listings, len(facts.listings)),
                           entities=dict(rng.sample(list(facts.entities.items()), len(facts.entities))))
        assert build_report(shuffled, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang") == expected
    # the entity's registration arriving last only fills in what was unknown
    late = replace(facts, entities={})
    early = build_report(late, period(2021, "annual"), plan(2021, "91"), NOW, "An Giang")
    assert {r.entity_type for r in early.by_entity_type if r.entities} == {"unknown"}
    assert early.summary == expected.summary


def test_layout_has_vietnamese_and_english_headers() -> None:
    report = build_report(sample(), period(2021, "annual"), plan(2021, "91"), NOW + timedelta(days=1), "An Giang")
    vi = {s.key: s for s in sheets(report)}
    en = {s.key: s for s in sheets(report, "en")}
    assert vi["by_group"].title == "Theo nhóm sản phẩm" and en["by_group"].title == "By product group"
    assert vi["targets"].headers[:3] == ["Chỉ tiêu", "Kế hoạch", "Thực hiện"]
    assert vi["targets"].rows[1][1] == "≥ 80%" and vi["targets"].rows[4][1] == "5–8"
    assert len(vi["products"].rows) == 6
