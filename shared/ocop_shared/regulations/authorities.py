"""Who recognises and who revokes OCOP stars, as data (`data/authorities.json`).

The level that recognises a star rank comes from the regulation's procedure in force on the
decision's date (`regulations.json`: 1048 and 148 — district 3★ until 1489/QĐ-TTg —, 26/2026);
this module names that level's body on that date: the ministry was the Ministry of Agriculture
and Rural Development until 1 March 2025 and the Ministry of Agriculture and Environment after,
the district People's Committees ceased on 1 July 2025. A body that no longer exists acts
through its legal successor (a district's 3★ is revoked by the province), as the data says
with its source. At load the data is checked to name a body for every level that recognises
stars on every day a procedure is in force; a gap is refused with its level and dates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import RegulationError
from .model import Regulation

FILE = Path(__file__).parent / "data" / "authorities.json"


class AuthorityGap(RegulationError):
    """The authority data leaves a level that recognises stars without a body on some days."""

    def __init__(self, gaps: list[str]) -> None:
        super().__init__("no body recognises: " + "; ".join(gaps),
                         "không có cơ quan công nhận: " + "; ".join(gaps))
        self.gaps = gaps


@dataclass(frozen=True)
class Body:
    id: str
    level: str  # a procedure's level code: district, province, central
    start: date | None  # exists from (None: from before any regulation here)
    until: date | None  # exists before (None: still)
    name_vi: str
    name_en: str
    header_vi: tuple[str, ...]
    decider_vi: str
    decider_en: str
    signature_vi: tuple[str, ...]
    place: str
    successor: str | None
    successor_source: str

    def exists_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Authority:
    """A body with its place filled in: what a certificate or a decision names."""

    body_id: str
    level: str
    name_vi: str
    name_en: str
    header_vi: tuple[str, ...]
    decider_vi: str
    decider_en: str
    signature_vi: tuple[str, ...]
    place: str


class Authorities:
    def __init__(self, bodies: Iterable[Body]) -> None:
        self.bodies = {body.id: body for body in bodies}

    def recognising(self, regulation: Regulation, stars: int, decided_on: date, *,
                    province: str, district: str | None = None, city: bool = False,
                    level: str | None = None) -> Authority:
        """The body that recognises `stars` under `regulation` on `decided_on` (at `level` when
        the council's result names the level that recognises it, e.g. a fallback)."""
        if level is None:
            procedure = regulation.procedure_followed_on(decided_on)
            found = next((lv for lv in procedure.levels if stars in lv.recognises), None)
            if found is None:
                raise LookupError(f"no level recognises {stars}★ under {regulation.code} on {decided_on}")
            level = found.code
        body = self.acting_for_level(level, decided_on)
        if body is None:
            raise AuthorityGap([f"{level} on {decided_on.isoformat()} ({regulation.code})"])
        return _filled(body, province, district, city)

    def issued_by(self, issuer_id: str, *, province: str, district: str | None = None,
                  city: bool = False) -> Authority:
        """The body `issuer_id` as its certificates name it."""
        return _filled(self.bodies[issuer_id], province, district, city)

    def revoking(self, issuer_id: str, on: date, *, province: str,
                 district: str | None = None, city: bool = False) -> Authority:
        """Who revokes, on `on`, what `issuer_id` recognised: the issuer, or its successor."""
        body = self._acting(self.bodies[issuer_id], on)
        if body is None:
            raise AuthorityGap([f"{issuer_id} and its successors on {on.isoformat()}"])
        return _filled(body, province, district, city)

    def acting_for_level(self, level: str, day: date) -> Body | None:
        """The body of `level` on `day`, or the successor of the last one that ended."""
        of_level = [body for body in self.bodies.values() if body.level == level]
        existing = next((body for body in of_level if body.exists_on(day)), None)
        if existing is not None:
            return existing
        ended = [body for body in of_level if body.until is not None and body.until <= day]
        if not ended:
            return None
        return self._acting(max(ended, key=lambda body: body.until or date.min), day)

    def _acting(self, body: Body, day: date) -> Body | None:
        seen: set[str] = set()
        current: Body | None = body
        while current is not None and not current.exists_on(day):
            if current.id in seen or current.successor is None:
                return None
            seen.add(current.id)
            current = self.bodies.get(current.successor)
        return current

    def check_covers(self, regulations: Iterable[Regulation]) -> None:
        """Refuse data that leaves a recognising level without a body on any day a procedure
        is in force (checked at every day where something changes)."""
        gaps = []
        for regulation in regulations:
            for procedure in regulation.procedures:
                start = procedure.effective_from
                end = procedure.ceases_on or regulation.ceases_on
                for level in (lv for lv in procedure.levels if lv.recognises):
                    for day in self._change_days(level.code, start, end):
                        if self.acting_for_level(level.code, day) is None:
                            gaps.append(f"{level.code} from {day.isoformat()} ({regulation.code})")
        if gaps:
            raise AuthorityGap(gaps)

    def _change_days(self, level: str, start: date, end: date | None) -> list[date]:
        days = {start}
        for body in self.bodies.values():
            for edge in (body.start, body.until):
                if edge is not None and start < edge and (end is None or edge < end):
                    days.add(edge)
        return sorted(days)


def _filled(body: Body, province: str, district: str | None, city: bool) -> Authority:
    """`body` named after its place; a district left unknown (a result recorded before the
    district travelled with it) reads "cấp huyện" / "the district"."""
    kind = "thành phố" if city else "tỉnh"
    district_vi = district[:1].lower() + district[1:] if district else "cấp huyện"  # "huyện Chợ Mới"

    def fill(text: str, english: bool = False) -> str:
        district_here = district_vi if district or not english else "the district"
        places = {"{province_kind}": kind, "{PROVINCE_KIND}": kind.upper(),
                  "{province_en}": f"{province} City" if city else f"{province} province",
                  "{province}": province, "{PROVINCE}": province.upper(),
                  "{district}": district_here, "{DISTRICT}": district_here.upper()}
        for mark, value in places.items():
            text = text.replace(mark, value)
        return text

    return Authority(body_id=body.id, level=body.level, name_vi=fill(body.name_vi),
                     name_en=fill(body.name_en, True), header_vi=tuple(map(fill, body.header_vi)),
                     decider_vi=fill(body.decider_vi), decider_en=fill(body.decider_en, True),
                     signature_vi=tuple(map(fill, body.signature_vi)), place=fill(body.place))


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_authorities(data: dict[str, Any]) -> Authorities:
    return Authorities(Body(
        id=raw["id"], level=raw["level"], start=_day(raw.get("from")), until=_day(raw.get("until")),
        name_vi=raw["name_vi"], name_en=raw["name_en"], header_vi=tuple(raw["header_vi"]),
        decider_vi=raw["decider_vi"], decider_en=raw["decider_en"],
        signature_vi=tuple(raw["signature_vi"]), place=raw["place"],
        successor=raw.get("successor"), successor_source=raw.get("successor_source", ""),
    ) for raw in data["bodies"])


def load_authorities(regulations: Iterable[Regulation], path: Path = FILE) -> Authorities:
    """The authority data, checked against `regulations` (raises AuthorityGap)."""
    authorities = parse_authorities(json.loads(path.read_text(encoding="utf-8")))
    authorities.check_covers(regulations)
    return authorities
