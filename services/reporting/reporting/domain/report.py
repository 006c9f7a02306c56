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

# One report's figures in one module, read top to bottom by whoever checks a number against the
# plan; the layout and the targets already live apart (layout.py, targets.py).
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .facts import LEVEL_ORDER, Facts, ScoreFact
from .targets import Group, Period, Plan, all_groups, group_of, to_date

ENTITY_TYPES: dict[str, tuple[str, str]] = {
    "household": ("Hộ sản xuất kinh doanh", "Household business"),
    "enterprise": ("Doanh nghiệp", "Enterprise"),
    "cooperative": ("Hợp tác xã", "Cooperative"),
    "cooperative_group": ("Tổ hợp tác", "Cooperative group"),
    "other": ("Khác", "Other"),
    "unknown": ("Chưa rõ", "Not yet known"),
}

LEGAL_FORM_TYPE = {
    "household": "household",
    "enterprise_llc": "enterprise",
    "enterprise_jsc": "enterprise",
    "enterprise_private": "enterprise",
    "cooperative": "cooperative",
    "cooperative_group": "cooperative_group",
}

LEVELS: dict[str, tuple[str, str]] = {
    "commune": ("Cấp xã", "Commune"),
    "district": ("Cấp huyện", "District"),
    "province": ("Cấp tỉnh", "Province"),
    "central": ("Cấp trung ương", "Central"),
}

STATUS: dict[str, tuple[str, str]] = {
    "recognised": ("Được công nhận", "Recognised"),
    "pending_central": ("Đề xuất trung ương đánh giá", "Proposed to the central council"),
    "forwarded": ("Đang chờ cấp trên đánh giá", "Awaiting the next level"),
    "not_recognised": ("Không đạt", "Not recognised"),
}


def entity_type(legal_form: str | None) -> str:
    if legal_form is None:
        return "unknown"
    return LEGAL_FORM_TYPE.get(legal_form, "other")


@dataclass(frozen=True)
class Outcome:
    """The result a product's dossier reached."""

    score: ScoreFact
    status: str

    @property
    def three_plus(self) -> bool:
        return self.score.stars >= 3 and self.status in ("recognised", "pending_central")


@dataclass(frozen=True)
class StarRow:
    stars: int
    products: int
    recognised: int
    pending_central: int


@dataclass(frozen=True)
class GroupRow:
    category: str
    name_vi: str
    name_en: str
    evaluated: int
    three_plus: int
    stars: dict[str, int]


@dataclass(frozen=True)
class EntityTypeRow:
    entity_type: str
    name_vi: str
    name_en: str
    entities: int
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class CommuneRow:
    province_code: str
    commune_code: str
    entities: int
    evaluated: int
    three_plus: int
    commune_name: str = ""
    district_name: str = ""


@dataclass(frozen=True)
class DistrictRow:
    district_code: str
    district_name: str
    entities: int
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class FairRow:
    fair_id: str
    fair_name: str
    place: str
    starts_on: date
    ends_on: date
    products: int
    three_star: int
    four_star: int
    five_star: int


@dataclass(frozen=True)
class LevelRow:
    level: str
    name_vi: str
    name_en: str
    results: int
    recognised: int
    forwarded: int


@dataclass(frozen=True)
class RoundRow:
    round_id: str
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class ChangeRow:
    kind: str  # upgrade | rerating | expired | revoked | superseded | extended
    product_id: str
    product_name: str
    on: date
    detail: str


@dataclass(frozen=True)
class ShowroomRow:
    catalog_id: str
    products: int
    three_star: int
    four_star: int
    five_star: int


@dataclass(frozen=True)
class TargetRow:
    metric: str
    label_vi: str
    label_en: str
    target_min: float
    target_max: float | None
    actual: float
    met: bool
    note_vi: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class ProductRow:
    product_id: str
    product_name: str
    entity_name: str
    entity_type: str
    commune_code: str
    category: str
    round_id: str
    case: str
    level: str
    stars: int
    mean_score: Decimal
    status: str
    district_name: str = ""


@dataclass(frozen=True)
class Summary:
    evaluated: int
    three_plus: int
    share_three_plus: float
    entities: int
    national_evaluation: int
    upgrades: int
    reratings: int
    expiries: int
    revocations: int
    supersessions: int
    extensions: int
    products_in_showrooms: int = 0
    fairs: int = 0
    products_at_fairs: int = 0


@dataclass(frozen=True)
class Report:
    province: str
    year: int
    period: str
    period_name_vi: str
    period_name_en: str
    start: date
    end: date
    due: date
    generated_at: datetime
    plan_vi: str
    plan_en: str
    summary: Summary
    by_star: list[StarRow]
    by_group: list[GroupRow]
    by_entity_type: list[EntityTypeRow]
    by_commune: list[CommuneRow]
    by_level: list[LevelRow]
    by_round: list[RoundRow]
    changes: list[ChangeRow]
    showrooms: list[ShowroomRow]
    targets: list[TargetRow]
    products: list[ProductRow] = field(default_factory=list)
    by_district: list[DistrictRow] = field(default_factory=list)
    trend: list[RoundRow] = field(default_factory=list)
    fairs: list[FairRow] = field(default_factory=list)


def _status(best: ScoreFact, scores: list[ScoreFact]) -> str:
    if best.recognising:
        return "recognised"
    if best.escalated_to == "central":
        return "pending_central"
    if best.escalated_to:
        return "forwarded"
    return "not_recognised"


def _best(scores: list[ScoreFact]) -> ScoreFact:
    return max(scores, key=lambda s: (s.recognising, LEVEL_ORDER.get(s.level, -1), s.at,
                                      s.evaluation_id))


def outcomes(facts: Facts, period: Period) -> dict[str, Outcome]:
    """Per product evaluated in the period: the result of its latest dossier."""
    by_submission: dict[tuple[str, str], list[ScoreFact]] = defaultdict(list)
    for score in facts.scores:
        if period.covers(score.on):
            by_submission[(score.product_id, score.submission_id)].append(score)
    latest: dict[str, Outcome] = {}
    for scores in by_submission.values():
        best = _best(scores)
        outcome = Outcome(best, _status(best, scores))
        current = latest.get(best.product_id)
        last_at = max(s.at for s in scores)
        if current is None or (last_at, best.submission_id) > (current.score.at, current.score.submission_id):
            latest[best.product_id] = outcome
    return latest


def _stars_before(facts: Facts, product_id: str, moment: datetime, on: date) -> int:
    best = 0
    for score in facts.scores:
        if score.product_id == product_id and score.recognising and score.at < moment:
            best = max(best, score.stars)
    for cert in facts.certificates:
        if cert.product_id == product_id and cert.kind == "certified" and cert.stars and cert.on < on:
            best = max(best, cert.stars)
    return best


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def build_report(facts: Facts, period: Period, plan: Plan | None, generated_at: datetime,
                 province: str) -> Report:
    results = outcomes(facts, period)
    in_period = [s for s in facts.scores if period.covers(s.on)]

    # entities taking part: a dossier or a council result in the period
    participants: dict[str, str] = {}  # entity_id -> commune code
    for submission in facts.submissions:
        if period.covers(submission.on):
            participants.setdefault(submission.entity_id, "")
    for score in in_period:
        participants[score.entity_id] = participants.get(score.entity_id) or score.commune_code
    for entity_id in participants:
        known = facts.entities.get(entity_id)
        if known is not None and known.commune_code:
            participants[entity_id] = known.commune_code
        elif not participants[entity_id] and entity_id in facts.entities:
            participants[entity_id] = facts.entities[entity_id].commune_code

    def type_of(entity_id: str) -> str:
        known = facts.entities.get(entity_id)
        return entity_type(known.legal_form if known else None)

    # by star
    by_star = []
    for stars in range(1, 6):
        chosen = [o for o in results.values() if o.score.stars == stars]
        by_star.append(StarRow(stars=stars, products=len(chosen),
                               recognised=sum(o.status == "recognised" for o in chosen),
                               pending_central=sum(o.status == "pending_central" for o in chosen)))

    # by product group
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.values():
        groups[group_of(outcome.score.product_set_no).category].append(outcome)
    group_rows = []
    known_groups: list[Group] = all_groups()
    if "?" in groups:
        known_groups.append(group_of(0))
    for group in known_groups:
        chosen = groups.get(group.category, [])
        counts = Counter(o.score.stars for o in chosen)
        group_rows.append(GroupRow(category=group.category, name_vi=group.name_vi, name_en=group.name_en,
                                   evaluated=len(chosen), three_plus=sum(o.three_plus for o in chosen),
                                   stars={str(s): counts.get(s, 0) for s in range(1, 6)}))

    # by entity type
    type_rows = []
    for key, (name_vi, name_en) in ENTITY_TYPES.items():
        entities = [e for e in participants if type_of(e) == key]
        chosen = [o for o in results.values() if type_of(o.score.entity_id) == key]
        if key == "unknown" and not entities and not chosen:
            continue
        type_rows.append(EntityTypeRow(entity_type=key, name_vi=name_vi, name_en=name_en,
                                       entities=len(entities), evaluated=len(chosen),
                                       three_plus=sum(o.three_plus for o in chosen)))

    # by commune
    province_of: dict[str, str] = {}
    for score in in_period:
        province_of.setdefault(score.commune_code, score.province_code)
    for entity in facts.entities.values():
        province_of.setdefault(entity.commune_code, entity.province_code)
    communes = sorted({o.score.commune_code for o in results.values()} |
                      {c for c in participants.values() if c})
    names_of: dict[str, tuple[str, str]] = {}  # commune code -> (commune name, district name)
    for entity in facts.entities.values():
        if entity.commune_name:
            names_of[entity.commune_code] = (entity.commune_name, entity.district_name or "")
    commune_rows = []
    for commune in communes:
        chosen = [o for o in results.values() if o.score.commune_code == commune]
        commune_name, district_name = names_of.get(commune, ("", ""))
        commune_rows.append(CommuneRow(
            province_code=province_of.get(commune, ""), commune_code=commune,
            entities=sum(1 for c in participants.values() if c == commune), evaluated=len(chosen),
            three_plus=sum(o.three_plus for o in chosen), commune_name=commune_name,
            district_name=district_name))

    district_rows = _districts(facts, participants, results, plan)

    # by level
    level_rows = []
    for level, (name_vi, name_en) in LEVELS.items():
        chosen_scores = [s for s in in_period if s.level == level]
        if not chosen_scores and level == "commune":
            continue
        level_rows.append(LevelRow(level=level, name_vi=name_vi, name_en=name_en,
                                   results=len(chosen_scores),
                                   recognised=sum(s.recognising and s.stars >= 3 for s in chosen_scores),
                                   forwarded=sum(s.escalated_to is not None for s in chosen_scores)))

    # by round
    rounds: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.values():
        rounds[outcome.score.round_id].append(outcome)
    round_rows = [RoundRow(round_id=r, evaluated=len(o), three_plus=sum(x.three_plus for x in o))
                  for r, o in sorted(rounds.items())]
    trend = _trend(facts, period)

    # changes
    names = {p.product_id: p.name for p in facts.products.values()}
    for score in facts.scores:
        names.setdefault(score.product_id, score.product_name)
    changes: list[ChangeRow] = []
    upgraded: set[str] = set()
    rerated: set[str] = set()
    for score in sorted(in_period, key=lambda s: (s.at, s.evaluation_id)):
        if not score.recognising:
            continue
        if score.case == "upgrade" and score.product_id not in upgraded:
            before = _stars_before(facts, score.product_id, score.at, score.on)
            if score.stars > before:
                upgraded.add(score.product_id)
                changes.append(ChangeRow("upgrade", score.product_id, score.product_name, score.on,
                                         f"{before}★ → {score.stars}★"))
        elif score.case == "rerating" and score.product_id not in rerated:
            rerated.add(score.product_id)
            before = _stars_before(facts, score.product_id, score.at, score.on)
            changes.append(ChangeRow("rerating", score.product_id, score.product_name, score.on,
                                     f"{before}★ → {score.stars}★"))
    certificate_kinds: dict[str, set[str]] = defaultdict(set)
    for cert in sorted(facts.certificates, key=lambda c: (c.on, c.certificate_id, c.kind)):
        if cert.kind == "certified" or not period.covers(cert.on):
            continue
        if cert.certificate_id in certificate_kinds[cert.kind]:
            continue
        certificate_kinds[cert.kind].add(cert.certificate_id)
        changes.append(ChangeRow(cert.kind, cert.product_id, names.get(cert.product_id, cert.product_name),
                                 cert.on, cert.number))
    changes.sort(key=lambda c: (c.on, c.kind, c.product_id))

    # products sent to the national (central) evaluation
    national = {e.product_id for e in facts.escalations if e.to_level == "central" and period.covers(e.on)}
    national |= {s.product_id for s in in_period if s.escalated_to == "central"}

    # showrooms at the end of the period
    last: dict[tuple[str, str], tuple[int, bool, int | None]] = {}
    for listing in facts.listings:
        if listing.on > period.end:
            continue
        slot = (listing.catalog_id, listing.product_id)
        seen = last.get(slot)
        if seen is None or listing.catalog_version > seen[0]:
            shown = listing.stars if listing.listed else None
            last[slot] = (listing.catalog_version, listing.listed, shown)
    per_catalog: dict[str, list[int]] = defaultdict(list)
    catalogs: set[str] = {listing.catalog_id for listing in facts.listings if listing.on <= period.end}
    for (catalog_id, _), (_, listed, listed_stars) in last.items():
        if listed:
            per_catalog[catalog_id].append(listed_stars or 0)
    showroom_rows = [ShowroomRow(catalog_id=c, products=len(per_catalog[c]),
                                 three_star=per_catalog[c].count(3), four_star=per_catalog[c].count(4),
                                 five_star=per_catalog[c].count(5)) for c in sorted(catalogs)]

    fair_rows = _fairs(facts, period)
    showroom_products = {product for (catalog_id, product), (_, listed, _) in last.items()
                         if listed and catalog_id != "province"}
    fair_products = {f.product_id for f in facts.fairs
                     if f.starts_on <= period.end and f.ends_on >= period.start}

    evaluated = len(results)
    three_plus = sum(o.three_plus for o in results.values())
    summary = Summary(
        evaluated=evaluated, three_plus=three_plus, share_three_plus=_ratio(three_plus, evaluated),
        entities=len(participants), national_evaluation=len(national), upgrades=len(upgraded),
        reratings=len(rerated), expiries=len(certificate_kinds["expired"]),
        revocations=len(certificate_kinds["revoked"]), supersessions=len(certificate_kinds["superseded"]),
        extensions=len(certificate_kinds["extended"]), products_in_showrooms=len(showroom_products),
        fairs=len(fair_rows), products_at_fairs=len(fair_products))

    if plan is not None and plan.units:
        covered = dict(plan.units)
        fewest = min((r.entities for r in district_rows if r.district_code in covered), default=0)
    else:
        fewest = min((r.entities for r in commune_rows), default=0)

    actual: dict[str, float] = {
        "products_3_star_plus": three_plus,
        "share_3_star_plus": summary.share_three_plus,
        "min_entities_per_unit": fewest,
        "national_evaluation": len(national),
        "upgrades": len(upgraded),
        "evaluated": evaluated,
        "entities": len(participants),
    }
    target_rows = []
    for target in plan.targets if plan else ():
        value = actual.get(target.metric, 0.0)
        target_rows.append(TargetRow(metric=target.metric, label_vi=target.label_vi, label_en=target.label_en,
                                     target_min=target.min, target_max=target.max, actual=value,
                                     met=value >= target.min, note_vi=target.note_vi, note_en=target.note_en))

    product_rows = []
    for outcome in sorted(results.values(), key=lambda o: (o.score.product_name, o.score.product_id)):
        s = outcome.score
        product_rows.append(ProductRow(
            product_id=s.product_id, product_name=s.product_name, entity_name=s.entity_name,
            entity_type=type_of(s.entity_id), commune_code=s.commune_code,
            category=group_of(s.product_set_no).category, round_id=s.round_id, case=s.case,
            level=s.level, stars=s.stars, mean_score=s.mean_score, status=outcome.status,
            district_name=_district_of(facts, s.entity_id)[1]))

    return Report(
        province=province,
        year=period.year, period=period.kind, period_name_vi=period.name_vi, period_name_en=period.name_en,
        start=period.start, end=period.end, due=period.due, generated_at=generated_at,
        plan_vi=plan.plan_vi if plan else "", plan_en=plan.plan_en if plan else "",
        summary=summary, by_star=by_star, by_group=group_rows, by_entity_type=type_rows,
        by_commune=commune_rows, by_level=level_rows, by_round=round_rows, changes=changes,
        showrooms=showroom_rows, targets=target_rows, products=product_rows, by_district=district_rows,
        trend=trend, fairs=fair_rows)


def _district_of(facts: Facts, entity_id: str) -> tuple[str, str]:
    known = facts.entities.get(entity_id)
    if known is None or not known.district_code:
        return "", ""
    return known.district_code, known.district_name or known.district_code


def _districts(facts: Facts, participants: dict[str, str], results: dict[str, Outcome],
               plan: Plan | None) -> list[DistrictRow]:
    """Entities and products per district: the plan's units (zeros included), then any other."""
    names: dict[str, str] = dict(plan.units) if plan else {}
    entities: Counter[str] = Counter()
    for entity_id in participants:
        code, name = _district_of(facts, entity_id)
        if code:
            entities[code] += 1
            names.setdefault(code, name)
    evaluated: Counter[str] = Counter()
    three_plus: Counter[str] = Counter()
    for outcome in results.values():
        code, name = _district_of(facts, outcome.score.entity_id)
        if code:
            evaluated[code] += 1
            three_plus[code] += outcome.three_plus
            names.setdefault(code, name)
    return [DistrictRow(district_code=code, district_name=names[code], entities=entities[code],
                        evaluated=evaluated[code], three_plus=three_plus[code]) for code in sorted(names)]


def _trend(facts: Facts, period: Period) -> list[RoundRow]:
    """Products evaluated and at 3★+ per round, for every round up to the period's end."""
    upto = to_date(period)
    first_seen: dict[str, datetime] = {}
    for score in facts.scores:
        if upto.covers(score.on):
            seen = first_seen.get(score.round_id)
            first_seen[score.round_id] = score.at if seen is None else min(seen, score.at)
    rows = []
    for round_id in sorted(first_seen, key=lambda r: (first_seen[r], r)):
        only = Facts(scores=[s for s in facts.scores if s.round_id == round_id])
        chosen = outcomes(only, upto).values()
        rows.append(RoundRow(round_id=round_id, evaluated=len(chosen),
                             three_plus=sum(o.three_plus for o in chosen)))
    return rows


def _fairs(facts: Facts, period: Period) -> list[FairRow]:
    by_fair: dict[str, list[int]] = defaultdict(list)
    about: dict[str, tuple[str, str, date, date]] = {}
    for fair in facts.fairs:
        if fair.starts_on <= period.end and fair.ends_on >= period.start:
            by_fair[fair.fair_id].append(fair.stars)
            about[fair.fair_id] = (fair.fair_name, fair.place, fair.starts_on, fair.ends_on)
    rows = []
    for fair_id in sorted(by_fair, key=lambda f: (about[f][2], f)):
        name, place, starts_on, ends_on = about[fair_id]
        stars = by_fair[fair_id]
        rows.append(FairRow(fair_id=fair_id, fair_name=name, place=place, starts_on=starts_on,
                            ends_on=ends_on, products=len(stars), three_star=stars.count(3),
                            four_star=stars.count(4), five_star=stars.count(5)))
    return rows
