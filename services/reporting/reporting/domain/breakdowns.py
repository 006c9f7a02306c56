"""The report's counts by star, product group, entity type, commune, district, level and round,
and the trend over rounds: one function per section.

- *At 3★+* counts recognised 3-5★ results and results forwarded to the central council (the plan
  counts "5 products proposed for five stars" among its 3★+ products).
- *Districts*: from the registration's district; entities registered after the 2025 reform have
  none (two-level government) and are shown by commune only.
- *Trend*: every round with a council result up to the period's end, in order of its first result.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from .facts import Facts, ScoreFact
from .outcomes import Outcome, outcomes
from .rows import (
    ENTITY_TYPES,
    LEVELS,
    CommuneRow,
    DistrictRow,
    EntityTypeRow,
    GroupRow,
    LevelRow,
    RoundRow,
    StarRow,
    entity_type,
)
from .targets import Group, Period, Plan, all_groups, group_of, to_date

Results = dict[str, Outcome]  # product id -> its outcome in the period


def participants_of(facts: Facts, period: Period, in_period: list[ScoreFact]) -> dict[str, str]:
    """Entities taking part (a dossier or a council result in the period) -> their commune code."""
    participants: dict[str, str] = {}
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
    return participants


def type_of(facts: Facts, entity_id: str) -> str:
    known = facts.entities.get(entity_id)
    return entity_type(known.legal_form if known else None)


def by_star(results: Results) -> list[StarRow]:
    rows = []
    for stars in range(1, 6):
        chosen = [o for o in results.values() if o.score.stars == stars]
        rows.append(StarRow(stars=stars, products=len(chosen),
                            recognised=sum(o.status == "recognised" for o in chosen),
                            pending_central=sum(o.status == "pending_central" for o in chosen),
                            awaiting_decision=sum(o.status == "awaiting_decision" for o in chosen)))
    return rows


def by_group(results: Results) -> list[GroupRow]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.values():
        groups[group_of(outcome.score.product_set_no).category].append(outcome)
    rows = []
    known_groups: list[Group] = all_groups()
    if "?" in groups:
        known_groups.append(group_of(0))
    for group in known_groups:
        chosen = groups.get(group.category, [])
        counts = Counter(o.score.stars for o in chosen)
        rows.append(GroupRow(category=group.category, name_vi=group.name_vi, name_en=group.name_en,
                             evaluated=len(chosen), three_plus=sum(o.three_plus for o in chosen),
                             stars={str(s): counts.get(s, 0) for s in range(1, 6)}))
    return rows


def by_entity_type(facts: Facts, participants: dict[str, str], results: Results) -> list[EntityTypeRow]:
    rows = []
    for key, (name_vi, name_en) in ENTITY_TYPES.items():
        entities = [e for e in participants if type_of(facts, e) == key]
        chosen = [o for o in results.values() if type_of(facts, o.score.entity_id) == key]
        if key == "unknown" and not entities and not chosen:
            continue
        rows.append(EntityTypeRow(entity_type=key, name_vi=name_vi, name_en=name_en,
                                  entities=len(entities), evaluated=len(chosen),
                                  three_plus=sum(o.three_plus for o in chosen)))
    return rows


def by_commune(facts: Facts, in_period: list[ScoreFact], participants: dict[str, str],
               results: Results) -> list[CommuneRow]:
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
    rows = []
    for commune in communes:
        chosen = [o for o in results.values() if o.score.commune_code == commune]
        commune_name, district_name = names_of.get(commune, ("", ""))
        rows.append(CommuneRow(
            province_code=province_of.get(commune, ""), commune_code=commune,
            entities=sum(1 for c in participants.values() if c == commune), evaluated=len(chosen),
            three_plus=sum(o.three_plus for o in chosen), commune_name=commune_name,
            district_name=district_name))
    return rows


def district_of(facts: Facts, entity_id: str) -> tuple[str, str]:
    known = facts.entities.get(entity_id)
    if known is None or not known.district_code:
        return "", ""
    return known.district_code, known.district_name or known.district_code


def by_district(facts: Facts, participants: dict[str, str], results: Results,
                plan: Plan | None) -> list[DistrictRow]:
    """Entities and products per district: the plan's units (zeros included), then any other."""
    names: dict[str, str] = dict(plan.units) if plan else {}
    entities: Counter[str] = Counter()
    for entity_id in participants:
        code, name = district_of(facts, entity_id)
        if code:
            entities[code] += 1
            names.setdefault(code, name)
    evaluated: Counter[str] = Counter()
    three_plus: Counter[str] = Counter()
    for outcome in results.values():
        code, name = district_of(facts, outcome.score.entity_id)
        if code:
            evaluated[code] += 1
            three_plus[code] += outcome.three_plus
            names.setdefault(code, name)
    return [DistrictRow(district_code=code, district_name=names[code], entities=entities[code],
                        evaluated=evaluated[code], three_plus=three_plus[code]) for code in sorted(names)]


def by_level(in_period: list[ScoreFact], facts: Facts) -> list[LevelRow]:
    """Results per level; `recognised` counts those a signed decision recognised."""
    rows = []
    for level, (name_vi, name_en) in LEVELS.items():
        chosen_scores = [s for s in in_period if s.level == level]
        if not chosen_scores and level == "commune":
            continue
        rows.append(LevelRow(level=level, name_vi=name_vi, name_en=name_en,
                             results=len(chosen_scores),
                             recognised=sum(s.recognising and s.stars >= 3
                                            and s.evaluation_id in facts.recognitions
                                            for s in chosen_scores),
                             forwarded=sum(s.escalated_to is not None for s in chosen_scores)))
    return rows


def by_round(results: Results) -> list[RoundRow]:
    rounds: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.values():
        rounds[outcome.score.round_id].append(outcome)
    return [RoundRow(round_id=r, evaluated=len(o), three_plus=sum(x.three_plus for x in o))
            for r, o in sorted(rounds.items())]


def trend(facts: Facts, period: Period) -> list[RoundRow]:
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
