"""The coordination office's report for a period, computed from the projection's facts.

Reading of the figures (decisions worth knowing):
- A product is *evaluated* in the period when a council scored it then (any level). Its result is
  that of its latest dossier in the period; within a dossier a recognising result wins over a
  forwarded one, then the higher level, then the later one.
- *At 3★+* counts recognised 3-5★ results and results forwarded to the central council (the plan
  counts "5 products proposed for five stars" among its 3★+ products).
- *Upgrades*: recognised results of an upgrade dossier with more stars than the product held
  before. *Re-ratings*: recognised results of re-rating dossiers. Expiries, revocations,
  supersessions, extensions: certificate events in the period.
- *National evaluation*: products forwarded to the central council in the period.
- *Showroom coverage*: products each catalog lists at the end of the period.
- *Entities per unit*: over the units the plan names (An Giang's 11 districts, towns and cities in
  2021), counting each entity in the district its registration gave (`EntityRegistered`); a unit
  with no participant counts 0. Without units in the plan: per commune.
- *Districts*: from the registration's district; entities registered after the 2025 reform have
  none (two-level government) and are shown by commune only.
- *Trend*: every round with a council result up to the period's end, in order of its first result.
- *Fairs*: fairs overlapping the period and the certified products registered to exhibit there.
"""


from __future__ import annotations

# The report is built section by section: the counts in `breakdowns`, what moved in `movements`,
# each product's result in `outcomes`, the rows in `rows`; here the summary, the plan's targets,
# the product list, and the report put together.
from datetime import datetime

from .breakdowns import (
    Results,
    by_commune,
    by_district,
    by_entity_type,
    by_group,
    by_level,
    by_round,
    by_star,
    district_of,
    participants_of,
    trend,
    type_of,
)
from .facts import Facts
from .movements import Changes, changes, fair_products, fairs, national_evaluation, showrooms
from .outcomes import Outcome, outcomes
from .rows import (
    ENTITY_TYPES,
    LEGAL_FORM_TYPE,
    LEVELS,
    STATUS,
    ChangeRow,
    CommuneRow,
    DistrictRow,
    EntityTypeRow,
    FairRow,
    GroupRow,
    LevelRow,
    ProductRow,
    Report,
    RoundRow,
    ShowroomRow,
    StarRow,
    Summary,
    TargetRow,
    entity_type,
)
from .targets import Period, Plan, group_of

__all__ = ["ENTITY_TYPES", "LEGAL_FORM_TYPE", "LEVELS", "STATUS", "ChangeRow", "CommuneRow",
           "DistrictRow", "EntityTypeRow", "FairRow", "GroupRow", "LevelRow", "Outcome",
           "ProductRow", "Report", "RoundRow", "ShowroomRow", "StarRow", "Summary", "TargetRow",
           "build_report", "entity_type", "outcomes"]


def build_report(facts: Facts, period: Period, plan: Plan | None, generated_at: datetime,
                 province: str) -> Report:
    results = outcomes(facts, period)
    in_period = [s for s in facts.scores if period.covers(s.on)]
    participants = participants_of(facts, period, in_period)
    commune_rows = by_commune(facts, in_period, participants, results)
    district_rows = by_district(facts, participants, results, plan)
    moved = changes(facts, period, in_period)
    national = national_evaluation(facts, period, in_period)
    shown = showrooms(facts, period)
    fair_rows = fairs(facts, period)
    summary = _summary(results, participants, moved, national, len(shown.products), len(fair_rows),
                       len(fair_products(facts, period)))
    fewest = _fewest_entities(plan, district_rows, commune_rows)
    return Report(
        province=province,
        year=period.year, period=period.kind, period_name_vi=period.name_vi, period_name_en=period.name_en,
        start=period.start, end=period.end, due=period.due, generated_at=generated_at,
        plan_vi=plan.plan_vi if plan else "", plan_en=plan.plan_en if plan else "",
        summary=summary, by_star=by_star(results), by_group=by_group(results),
        by_entity_type=by_entity_type(facts, participants, results), by_commune=commune_rows,
        by_level=by_level(in_period, facts), by_round=by_round(results), changes=moved.rows,
        showrooms=shown.rows, targets=_targets(plan, summary, fewest),
        products=_products(facts, results), by_district=district_rows, trend=trend(facts, period),
        fairs=fair_rows)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _summary(results: Results, participants: dict[str, str], moved: Changes, national: set[str],
             showroom_products: int, fair_count: int, fair_product_count: int) -> Summary:
    evaluated = len(results)
    three_plus = sum(o.three_plus for o in results.values())
    kinds = moved.certificates
    return Summary(
        evaluated=evaluated, three_plus=three_plus, share_three_plus=_ratio(three_plus, evaluated),
        entities=len(participants), national_evaluation=len(national), upgrades=len(moved.upgraded),
        reratings=len(moved.rerated), expiries=len(kinds["expired"]),
        revocations=len(kinds["revoked"]), supersessions=len(kinds["superseded"]),
        extensions=len(kinds["extended"]), products_in_showrooms=showroom_products,
        fairs=fair_count, products_at_fairs=fair_product_count)


def _fewest_entities(plan: Plan | None, district_rows: list[DistrictRow],
                     commune_rows: list[CommuneRow]) -> int:
    """Entities per unit, at the least: over the plan's units, or else per commune."""
    if plan is not None and plan.units:
        covered = dict(plan.units)
        return min((r.entities for r in district_rows if r.district_code in covered), default=0)
    return min((r.entities for r in commune_rows), default=0)


def _targets(plan: Plan | None, summary: Summary, fewest: int) -> list[TargetRow]:
    actual: dict[str, float] = {
        "products_3_star_plus": summary.three_plus,
        "share_3_star_plus": summary.share_three_plus,
        "min_entities_per_unit": fewest,
        "national_evaluation": summary.national_evaluation,
        "upgrades": summary.upgrades,
        "evaluated": summary.evaluated,
        "entities": summary.entities,
    }
    rows = []
    for target in plan.targets if plan else ():
        value = actual.get(target.metric, 0.0)
        rows.append(TargetRow(metric=target.metric, label_vi=target.label_vi, label_en=target.label_en,
                              target_min=target.min, target_max=target.max, actual=value,
                              met=value >= target.min, note_vi=target.note_vi, note_en=target.note_en))
    return rows


def _products(facts: Facts, results: Results) -> list[ProductRow]:
    rows = []
    for outcome in sorted(results.values(), key=lambda o: (o.score.product_name, o.score.product_id)):
        s = outcome.score
        rows.append(ProductRow(
            product_id=s.product_id, product_name=s.product_name, entity_name=s.entity_name,
            entity_type=type_of(facts, s.entity_id), commune_code=s.commune_code,
            category=group_of(s.product_set_no).category, round_id=s.round_id, case=s.case,
            level=s.level, stars=s.stars, mean_score=s.mean_score, status=outcome.status,
            district_name=district_of(facts, s.entity_id)[1]))
    return rows
