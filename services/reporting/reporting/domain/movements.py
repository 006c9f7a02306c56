"""What moved in the period: upgrades, re-ratings and certificate changes; products sent to the
national evaluation; showroom coverage at the period's end; fairs. One function per section.

- *Upgrades*: recognised results of an upgrade dossier with more stars than the product held
  before. *Re-ratings*: recognised results of re-rating dossiers. Expiries, revocations,
  supersessions, extensions: certificate events in the period.
- *National evaluation*: products forwarded to the central council in the period.
- *Showroom coverage*: products each catalog lists at the end of the period.
- *Fairs*: fairs overlapping the period and the certified products registered to exhibit there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from .facts import Facts, ScoreFact
from .outcomes import stars_before
from .rows import ChangeRow, FairRow, ShowroomRow
from .targets import Period


@dataclass
class Changes:
    rows: list[ChangeRow] = field(default_factory=list)
    upgraded: set[str] = field(default_factory=set)  # product ids
    rerated: set[str] = field(default_factory=set)
    certificates: dict[str, set[str]] = field(  # kind -> certificate ids
        default_factory=lambda: defaultdict(set))


def changes(facts: Facts, period: Period, in_period: list[ScoreFact]) -> Changes:
    found = Changes()
    _ratings(facts, in_period, found)
    _certificates(facts, period, found)
    found.rows.sort(key=lambda c: (c.on, c.kind, c.product_id))
    return found


def _ratings(facts: Facts, in_period: list[ScoreFact], found: Changes) -> None:
    for score in sorted(in_period, key=lambda s: (s.at, s.evaluation_id)):
        if not score.recognising:
            continue
        if score.case == "upgrade" and score.product_id not in found.upgraded:
            before = stars_before(facts, score.product_id, score.at, score.on)
            if score.stars > before:
                found.upgraded.add(score.product_id)
                found.rows.append(ChangeRow("upgrade", score.product_id, score.product_name, score.on,
                                            f"{before}★ → {score.stars}★"))
        elif score.case == "rerating" and score.product_id not in found.rerated:
            found.rerated.add(score.product_id)
            before = stars_before(facts, score.product_id, score.at, score.on)
            found.rows.append(ChangeRow("rerating", score.product_id, score.product_name, score.on,
                                        f"{before}★ → {score.stars}★"))


def _certificates(facts: Facts, period: Period, found: Changes) -> None:
    names = {p.product_id: p.name for p in facts.products.values()}
    for score in facts.scores:
        names.setdefault(score.product_id, score.product_name)
    for cert in sorted(facts.certificates, key=lambda c: (c.on, c.certificate_id, c.kind)):
        if cert.kind == "certified" or not period.covers(cert.on):
            continue
        if cert.certificate_id in found.certificates[cert.kind]:
            continue
        found.certificates[cert.kind].add(cert.certificate_id)
        found.rows.append(ChangeRow(cert.kind, cert.product_id,
                                    names.get(cert.product_id, cert.product_name), cert.on, cert.number))


def national_evaluation(facts: Facts, period: Period, in_period: list[ScoreFact]) -> set[str]:
    """Products sent to the national (central) evaluation in the period."""
    national = {e.product_id for e in facts.escalations if e.to_level == "central" and period.covers(e.on)}
    national |= {s.product_id for s in in_period if s.escalated_to == "central"}
    return national


@dataclass(frozen=True)
class Showrooms:
    rows: list[ShowroomRow]
    products: set[str]  # listed at the end of the period, in a catalog other than the province's


def showrooms(facts: Facts, period: Period) -> Showrooms:
    """What each catalog lists at the end of the period."""
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
    rows = [ShowroomRow(catalog_id=c, products=len(per_catalog[c]),
                        three_star=per_catalog[c].count(3), four_star=per_catalog[c].count(4),
                        five_star=per_catalog[c].count(5)) for c in sorted(catalogs)]
    products = {product for (catalog_id, product), (_, listed, _) in last.items()
                if listed and catalog_id != "province"}
    return Showrooms(rows, products)


def fairs(facts: Facts, period: Period) -> list[FairRow]:
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


def fair_products(facts: Facts, period: Period) -> set[str]:
    """Products registered to exhibit at a fair overlapping the period."""
    return {f.product_id for f in facts.fairs if f.starts_on <= period.end and f.ends_on >= period.start}
