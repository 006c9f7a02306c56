"""Council result: mean score, star band, star-minimum caps, and which level recognises it.

Decisions (interpretations of rules the decision leaves open; see ocop-rules.md 5.11, 6 and
criteria/README.md Q4):

* **Mean.** The council's score is the arithmetic mean of the members' sheet totals, as a
  Decimal rounded to 2 places with ROUND_HALF_UP; part means likewise, each rounded on its
  own (so they may add up to the total mean ± 0.01). The band is looked up on the rounded
  mean. Totals are integers, so with fewer than 200 members rounding can never carry a mean
  across a band edge (69.995 would need 200 sheets).
* **Bands** are half-open, from the regulation data: 49.99 → 2★, 69.99 → 3★, 70.00 → 4★,
  89.99 → 4★, 90.00 → 5★.
* **Star-minimum marks cap the band** (Q4: a mark for a lower star also binds the higher
  stars): to hold k★ the product must reach, on every criterion carrying a mark for a star
  ≤ k, at least the marked option. The council's option on a criterion is its *consensus
  option*: the highest option that a strict majority of the scoring members chose or
  exceeded (the lower median of the chosen options). So a mark is met only when a strict
  majority of members chose the marked option or one after it in the printed order; a tie
  (exactly half) does not meet it. "At or above" is by position in the printed order, which
  for the validated, non-decreasing options never ranks a lower-point option above a
  higher one; tied options (set 7 crit 3.1, set 23 crit 6.2) carry no marks.
  The stars are the highest k ≤ band whose marks are all met; a missed 3★ mark leaves 2★
  (not certifiable). Every missed mark at or below the band is recorded as a `Cap` with the
  star it limits the product to; `capped_by` names the binding ones.
* **1★/2★** get a result, but are not certifiable.
* **Knock-outs.** A sheet with a knock-out finding has no total. The product is knocked out
  when a strict majority of submitted sheets record a knock-out, or when the chair confirms a
  minority knock-out (`confirm_knockout`). Otherwise the knocked-out sheets are recorded as
  dissent and the mean, spread and caps use the complete sheets only.
* **Routing** (`route`): the stars (after caps) are recognised by the scoring level if its
  authority may recognise them; otherwise, if the level escalates and the mean reaches the
  escalation threshold, the result is forwarded to the next level (province ≥ 90 → central;
  1048: district ≥ 50 → province; 148: district ≥ 70 → province). A higher level's result it
  may not recognise falls back to the sending level when the regulation says so (26/2026:
  central < 90 → the province may recognise 3★/4★ from that result).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ocop_shared.i18n import said
from ocop_shared.regulations import Criterion, Option, Procedure, ProductSet, Regulation

from .errors import NotAScoringLevel, RankingError
from .sheet_scoring import KnockOut, ScoredSheet

CENT = Decimal("0.01")


def round_score(value: Decimal) -> Decimal:
    """2 decimal places, half up (69.995 → 70.00)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean_score(values: Sequence[int | Decimal]) -> Decimal:
    if not values:
        raise RankingError(*said("scoring.no_scores_average"))
    return round_score(sum((Decimal(v) for v in values), Decimal(0)) / Decimal(len(values)))


# ---------------------------------------------------------------------- consensus


def consensus_option(criterion: Criterion, chosen: Sequence[Option]) -> Option | None:
    """The highest option a strict majority of `chosen` reached (by printed position).

    For two-case criteria all choices must be in one case; None if nothing was chosen."""
    if not chosen:
        return None
    cases = {o.case_vi for o in chosen}
    if len(cases) > 1:
        raise RankingError(
            *said("scoring.members_scored_criterion_under_different_cases", criterion_code=criterion.code),
            criterion=criterion.code,
        )
    ordered = sorted(chosen, key=lambda o: o.index, reverse=True)
    majority = len(ordered) // 2 + 1
    return ordered[majority - 1]


@dataclass(frozen=True)
class MarkCheck:
    """One star-minimum mark evaluated on the council's consensus option."""

    criterion_code: str
    mark_star: int
    marked_option: Option
    consensus: Option
    members_meeting: int
    members_scoring: int

    @property
    def met(self) -> bool:
        return self.consensus.case_vi == self.marked_option.case_vi and (
            self.consensus.index >= self.marked_option.index
        )


@dataclass(frozen=True)
class Cap:
    """A missed star-minimum mark: the product cannot hold `mark_star`, at most `capped_to`."""

    criterion_code: str
    mark_star: int
    capped_to: int
    marked_option_index: int
    marked_label_vi: str
    consensus_option_index: int
    members_meeting: int
    members_scoring: int

    @property
    def message_en(self) -> str:
        return (f"criterion {self.criterion_code}: {self.members_meeting} of {self.members_scoring} "
                f"members reached the {self.mark_star}-star minimum (option {self.marked_option_index}); "
                f"at most {self.capped_to} stars")

    @property
    def message_vi(self) -> str:
        return (f"tiêu chí {self.criterion_code}: {self.members_meeting}/{self.members_scoring} thành viên "
                f"chấm đạt mức tối thiểu {self.mark_star} sao (lựa chọn {self.marked_option_index}); "
                f"tối đa {self.capped_to} sao")


def check_marks(product_set: ProductSet, sheets: Sequence[ScoredSheet]) -> tuple[MarkCheck, ...]:
    """Every star-minimum mark that applies, checked on the consensus of `sheets`."""
    checks: list[MarkCheck] = []
    for leaf in product_set.leaves():
        marks = leaf.star_marks
        if not marks:
            continue
        chosen = [s.chosen[leaf.code] for s in sheets if leaf.code in s.chosen]
        consensus = consensus_option(leaf, chosen)
        if consensus is None:
            continue
        for mark in marks:
            if mark.case_vi != consensus.case_vi:
                continue  # a mark of the other case does not apply
            assert mark.min_star is not None
            meeting = sum(1 for o in chosen if o.case_vi == mark.case_vi and o.index >= mark.index)
            checks.append(MarkCheck(leaf.code, mark.min_star, mark, consensus, meeting, len(chosen)))
    return tuple(checks)


def capped_stars(band_stars: int, checks: Sequence[MarkCheck]) -> tuple[int, tuple[Cap, ...]]:
    """The highest k ≤ band_stars whose marks (all marks for stars ≤ k) are met, and the caps."""
    missed = [c for c in checks if not c.met and c.mark_star <= band_stars]
    stars = min([band_stars, *(c.mark_star - 1 for c in missed)])
    caps = tuple(
        Cap(c.criterion_code, c.mark_star, c.mark_star - 1, c.marked_option.index,
            c.marked_option.label_vi, c.consensus.index, c.members_meeting, c.members_scoring)
        for c in sorted(missed, key=lambda c: (c.mark_star, c.criterion_code))
    )
    return stars, caps


# ------------------------------------------------------------------------ result


class Outcome(StrEnum):
    RANKED = "ranked"
    KNOCKED_OUT = "knocked_out"


@dataclass(frozen=True)
class KnockOutFinding:
    member_id: str
    knockout: KnockOut


@dataclass(frozen=True)
class CouncilResult:
    regulation_code: str
    product_set_no: int
    outcome: Outcome
    sheets_submitted: int
    sheets_scored: int  # complete sheets the mean is taken over
    mean_total: Decimal | None
    part_means: Mapping[str, Decimal]
    band_stars: int | None  # the band of the mean, before caps
    stars: int | None  # after caps; None when knocked out
    certifiable: bool
    caps: tuple[Cap, ...] = ()
    consensus: Mapping[str, Option] = field(default_factory=dict)
    knockouts: tuple[KnockOutFinding, ...] = ()  # the findings (for a ranked result: dissent)
    member_totals: Mapping[str, int] = field(default_factory=dict)

    @property
    def knocked_out(self) -> bool:
        return self.outcome is Outcome.KNOCKED_OUT

    @property
    def capped(self) -> bool:
        return self.stars is not None and self.band_stars is not None and self.stars < self.band_stars

    @property
    def capped_by(self) -> tuple[str, ...]:
        """The criteria whose missed marks set the final stars (binding caps)."""
        if not self.capped:
            return ()
        return tuple(dict.fromkeys(c.criterion_code for c in self.caps if c.capped_to == self.stars))


def rank(regulation: Regulation, product_set: ProductSet, sheets: Sequence[ScoredSheet], *,
         confirm_knockout: bool = False) -> CouncilResult:
    """The council's result from the members' submitted sheets."""
    if product_set.regulation_code != regulation.code:
        raise RankingError(
            *said("scoring.product_set_belongs_not", product_set_regulation_code=product_set.regulation_code,
                  regulation_code=regulation.code),
        )
    if not sheets:
        raise RankingError(*said("scoring.no_score_sheets"))
    for s in sheets:
        if s.product_set.key != product_set.key:
            raise RankingError(
                *said("scoring.sheet_member_another_product_set", s_member_id=s.member_id),
            )
    findings = tuple(KnockOutFinding(s.member_id, s.knockout) for s in sheets if s.knockout is not None)
    scored = [s for s in sheets if s.knockout is None]
    if confirm_knockout and not findings:
        raise RankingError(*said("scoring.there_no_knock_out_finding_confirm"))
    if confirm_knockout or 2 * len(findings) > len(sheets) or not scored:
        return CouncilResult(
            regulation_code=regulation.code, product_set_no=product_set.no, outcome=Outcome.KNOCKED_OUT,
            sheets_submitted=len(sheets), sheets_scored=0, mean_total=None, part_means={},
            band_stars=None, stars=None, certifiable=False, knockouts=findings,
        )
    mean = mean_score([s.total for s in scored])
    part_means = {p.code: mean_score([s.part_totals[p.code] for s in scored]) for p in product_set.parts}
    band = regulation.stars_for(mean)
    checks = check_marks(product_set, scored)
    stars, caps = capped_stars(band, checks)
    consensus: dict[str, Option] = {}
    for leaf in product_set.leaves():
        option = consensus_option(leaf, [s.chosen[leaf.code] for s in scored])
        if option is not None:
            consensus[leaf.code] = option
    return CouncilResult(
        regulation_code=regulation.code, product_set_no=product_set.no, outcome=Outcome.RANKED,
        sheets_submitted=len(sheets), sheets_scored=len(scored), mean_total=mean, part_means=part_means,
        band_stars=band, stars=stars, certifiable=regulation.is_certifiable(stars), caps=caps,
        consensus=consensus, knockouts=findings, member_totals={s.member_id: s.total for s in scored},
    )


# ----------------------------------------------------------------------- routing


@dataclass(frozen=True)
class Routing:
    """What happens to a council result at the level that produced it."""

    level: str
    stars: int | None
    certifiable: bool
    recognised_by: str | None = None  # level whose authority may recognise the stars
    forward_to: str | None = None  # level the result (and dossier) goes to next
    fallback: bool = False  # recognised by the sending level from this (higher) result

    @property
    def recognisable_here(self) -> bool:
        return self.recognised_by == self.level


def route(regulation: Regulation, result: CouncilResult, level_code: str, on: date | None = None
          ) -> Routing:
    """Which level may recognise `result`, scored at `level_code`, or where it goes next.

    `on` selects the procedure in force (148/QĐ-TTg changed levels in July 2025); by default
    the regulation's last procedure."""
    procedure: Procedure = regulation.procedure_on(on) if on is not None else regulation.current_procedure
    level = procedure.level(level_code)
    if level is None or not level.scores:
        raise NotAScoringLevel(
            *said("scoring.level_does_not_score_under", level_code=level_code, regulation_code=regulation.code),
            level=level_code,
        )
    if result.stars is None or result.mean_total is None:
        return Routing(level=level_code, stars=None, certifiable=False)
    stars = result.stars
    certifiable = regulation.is_certifiable(stars)
    if not certifiable:
        return Routing(level=level_code, stars=stars, certifiable=False)
    if stars in level.recognises:
        return Routing(level=level_code, stars=stars, certifiable=True, recognised_by=level_code)
    up = procedure.escalation_from(level_code)
    highest_here = max(level.recognises, default=0)
    if (up is not None and stars > highest_here
            and (up.min_score is None or result.mean_total >= up.min_score)):
        return Routing(level=level_code, stars=stars, certifiable=True, forward_to=up.to_level)
    down = procedure.escalation_to(level_code)
    if down is not None and down.fallback_recognition:
        sender = procedure.level(down.from_level)
        if sender is not None and stars in sender.recognises:
            return Routing(level=level_code, stars=stars, certifiable=True,
                           recognised_by=sender.code, fallback=True)
    return Routing(level=level_code, stars=stars, certifiable=True)
