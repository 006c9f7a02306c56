"""Typed, immutable models of an OCOP regulation and its scoring sheets.

A regulation (e.g. 26/2026/QĐ-TTg) fixes the part maxima, the star bands, the
evaluation levels of its procedure(s) and the certificate time limits. Each
product set (bộ sản phẩm) has a sheet (phiếu đánh giá): parts A/B/C made of a
tree of criteria whose leaves carry the options a council member picks from.

These are plain frozen dataclasses: no I/O, no framework. `loader` builds them
from JSON and validates them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class Option:
    """One printed choice of a leaf criterion (□ …), in the printed order."""

    index: int  # position in the criterion's option list, 0-based
    label_vi: str
    points: int
    min_star: int | None = None  # the *** / **** / ***** mark: minimum for that star
    case_vi: str | None = None  # "a. Trường hợp 1: …" for two-case criteria (set 26)


@dataclass(frozen=True)
class SourceDifference:
    """Where the transcriptions a sheet was built from disagree on a criterion (1048's sheets):
    each source's option points (None: that source lacks the criterion), the source used, and why."""

    a: tuple[int, ...] | None
    b: tuple[int, ...] | None
    chosen: str  # "a" | "b"
    why: str


@dataclass(frozen=True)
class SheetSources:
    """The transcriptions a sheet was built from (file names; None: not in that source), the one
    its structure and wording come from, and why."""

    a: str | None
    b: str | None
    base: str  # "a" | "b"
    why: str


@dataclass(frozen=True)
class Criterion:
    """A node of the sheet: an inner node (children) or a leaf (options)."""

    code: str
    name_vi: str
    max: int
    note_vi: str | None = None
    knockout: bool = False
    options: tuple[Option, ...] = ()
    children: tuple[Criterion, ...] = ()
    implicit_options: bool = False
    # the cases of a two-case criterion may top out below its maximum (1048's 3.2: a household's
    # case reaches 1 of 2); otherwise every case reaches it
    unequal_cases: bool = False
    sources_differ: SourceDifference | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Criterion]:
        """This node and all its descendants, depth first, in printed order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def leaves(self) -> Iterator[Criterion]:
        return (node for node in self.walk() if node.is_leaf)

    @property
    def cases(self) -> tuple[str, ...]:
        """The distinct `case_vi` of the options, in order (empty for an ordinary criterion)."""
        seen: list[str] = []
        for option in self.options:
            if option.case_vi is not None and option.case_vi not in seen:
                seen.append(option.case_vi)
        return tuple(seen)

    def options_in_case(self, case_vi: str | None) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.case_vi == case_vi)

    def option(self, index: int) -> Option | None:
        return self.options[index] if 0 <= index < len(self.options) else None

    @property
    def star_marks(self) -> tuple[Option, ...]:
        """The options carrying a star-minimum mark."""
        return tuple(o for o in self.options if o.min_star is not None)


@dataclass(frozen=True)
class Part:
    code: str  # "A" | "B" | "C"
    name_vi: str
    max: int
    criteria: tuple[Criterion, ...]

    def walk(self) -> Iterator[Criterion]:
        for criterion in self.criteria:
            yield from criterion.walk()

    def leaves(self) -> Iterator[Criterion]:
        return (node for node in self.walk() if node.is_leaf)


@dataclass(frozen=True)
class ProductSet:
    """A product set (bộ sản phẩm) with its scoring sheet under one regulation."""

    regulation_code: str
    no: int
    slug: str
    name_vi: str
    parts: tuple[Part, ...]
    name_en: str | None = None
    category: str | None = None
    category_vi: str | None = None
    group_vi: str | None = None
    disqualifiers_vi: tuple[str, ...] = ()
    source: str = ""  # where the sheet came from (packaged file name or a path)
    sources: SheetSources | None = None  # the transcriptions it was built from (1048)
    # part -> what its leaf maxima add up to, where every source falls short of the part maximum
    # (recorded, not filled in: 1048's set 18 has C 38 of 40)
    short_parts: Mapping[str, int] = field(default_factory=dict, hash=False)
    _index: Mapping[str, tuple[Part, Criterion]] = field(
        init=False, default_factory=dict, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        index: dict[str, tuple[Part, Criterion]] = {}
        for part in self.parts:
            for node in part.walk():
                index.setdefault(node.code, (part, node))
        object.__setattr__(self, "_index", index)

    @property
    def key(self) -> tuple[str, int]:
        return (self.regulation_code, self.no)

    @property
    def max_total(self) -> int:
        return sum(part.max for part in self.parts)

    def walk(self) -> Iterator[Criterion]:
        for part in self.parts:
            yield from part.walk()

    def leaves(self) -> Iterator[Criterion]:
        return (node for node in self.walk() if node.is_leaf)

    @property
    def leaf_codes(self) -> tuple[str, ...]:
        return tuple(leaf.code for leaf in self.leaves())

    def criterion(self, code: str) -> Criterion | None:
        found = self._index.get(code)
        return found[1] if found else None

    def part_of(self, code: str) -> Part | None:
        found = self._index.get(code)
        return found[0] if found else None

    def part(self, code: str) -> Part | None:
        return next((p for p in self.parts if p.code == code), None)

    def ancestors(self, code: str) -> tuple[Criterion, ...]:
        """The inner nodes above `code`, outermost first."""
        chain: list[Criterion] = []

        def find(nodes: tuple[Criterion, ...], path: list[Criterion]) -> bool:
            for node in nodes:
                if node.code == code:
                    chain.extend(path)
                    return True
                if find(node.children, [*path, node]):
                    return True
            return False

        for part in self.parts:
            if find(part.criteria, []):
                break
        return tuple(chain)


Sheet = ProductSet  # a product set *is* its scoring sheet (phiếu đánh giá)


# ----------------------------------------------------------------------- regulation


@dataclass(frozen=True)
class Band:
    """A star band: [minimum, below) or, for the top band, [minimum, maximum]."""

    stars: int
    minimum: Decimal
    below: Decimal | None = None  # exclusive upper bound
    maximum: Decimal | None = None  # inclusive upper bound (top band)

    def contains(self, score: Decimal) -> bool:
        if score < self.minimum:
            return False
        if self.below is not None:
            return score < self.below
        return self.maximum is not None and score <= self.maximum


@dataclass(frozen=True)
class Level:
    """An evaluation level of a procedure and the stars its authority may recognise."""

    code: str  # "commune" | "district" | "province" | "central"
    name_vi: str
    name_en: str
    scores: bool  # False: dossier pre-check only (the commune under 1489 and 26/2026)
    recognises: frozenset[int]


@dataclass(frozen=True)
class Escalation:
    from_level: str
    to_level: str
    min_score: Decimal | None  # None: forwarded without a score (pre-check level)
    fallback_recognition: bool = False


@dataclass(frozen=True)
class ReratingWindow:
    """Re-rating dossier filing window, in days before the certificate expires."""

    earliest_days: int  # no earlier than this many days before expiry (180)
    latest_days: int  # no later than this many days before expiry (120)


@dataclass(frozen=True)
class Procedure:
    """The evaluation levels in force during a period (a regulation may be amended)."""

    effective_from: date
    ceases_on: date | None
    amended_by: tuple[str, ...]
    levels: tuple[Level, ...]
    escalations: tuple[Escalation, ...]

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.ceases_on is None or day < self.ceases_on)

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def level_codes(self) -> tuple[str, ...]:
        return tuple(lv.code for lv in self.levels)

    def escalation_from(self, level_code: str) -> Escalation | None:
        return next((e for e in self.escalations if e.from_level == level_code), None)

    def escalation_to(self, level_code: str) -> Escalation | None:
        return next((e for e in self.escalations if e.to_level == level_code), None)

    def recognising_level(self, stars: int) -> Level | None:
        """The level whose authority recognises `stars` (None for 1★/2★)."""
        return next((lv for lv in self.levels if stars in lv.recognises), None)


@dataclass(frozen=True)
class Regulation:
    code: str
    name_vi: str
    name_en: str
    signed_on: date
    effective_from: date
    ceases_on: date | None
    part_max: Mapping[str, int] = field(hash=False)
    bands: tuple[Band, ...]
    certifiable_from_stars: int
    procedures: tuple[Procedure, ...]
    certificate_validity_months: int
    rerating_window: ReratingWindow | None = None
    rerating_max_days: int | None = None
    revocation_deadline_days: int | None = None
    sheets_file: str | None = None
    replaces: tuple[str, ...] = ()

    @property
    def max_total(self) -> int:
        return sum(self.part_max.values())

    @property
    def has_packaged_sheets(self) -> bool:
        return self.sheets_file is not None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.ceases_on is None or day < self.ceases_on)

    def band_for(self, score: Decimal) -> Band:
        """The star band of a (mean) total score. Raises ValueError outside 0-100."""
        if not Decimal(0) <= score <= Decimal(self.max_total):
            raise ValueError(f"score {score} outside 0-{self.max_total}")
        for band in self.bands:
            if band.contains(score):
                return band
        raise ValueError(f"no star band for {score}")  # pragma: no cover - bands are validated

    def stars_for(self, score: Decimal) -> int:
        return self.band_for(score).stars

    def is_certifiable(self, stars: int) -> bool:
        """Only 3★ and above get a recognition decision and a certificate."""
        return stars >= self.certifiable_from_stars

    @property
    def marked_stars(self) -> frozenset[int]:
        """Stars a star-minimum mark may name (the certifiable ones: 3, 4, 5)."""
        return frozenset(b.stars for b in self.bands if b.stars >= self.certifiable_from_stars)

    def procedure_on(self, day: date) -> Procedure:
        """The procedure in force on `day`. Raises LookupError if the regulation is not."""
        if self.in_force_on(day):
            for procedure in self.procedures:
                if procedure.in_force_on(day):
                    return procedure
        raise LookupError(f"{self.code} has no procedure in force on {day.isoformat()}")

    def procedure_followed_on(self, day: date) -> Procedure:
        """The procedure a round run on `day` follows: the one in force, else the first (before
        the regulation) or the last (after it: a round finishing under the rules it began with)."""
        try:
            return self.procedure_on(day)
        except LookupError:
            return self.procedures[0] if day < self.effective_from else self.current_procedure

    @property
    def current_procedure(self) -> Procedure:
        """The last procedure (the one in force at the end of the regulation's life)."""
        return self.procedures[-1]
