"""An evaluation council (Hội đồng đánh giá, phân hạng) scoring one product.

Rules (national text + the provincial operating regulations seen in practice; every number
is configurable through `CouncilRules`, because An Giang's own regulation was not found):

* **Composition.** Exactly one chair (chủ tịch), voting members, at most one secretary (thư
  ký, who does not score), each with the department (sở/ngành) they represent. Optionally a
  set of departments that must be represented.
* **Quorum.** At least `quorum` (default 3/4) of the voting members (chair + members) present,
  rounded up, including the chair when `quorum_requires_chair`. A conflicted member who is
  present counts for the quorum of the session but does not score the product.
* **Conflict of interest.** A member cannot score a product when they declared a conflict,
  or automatically when they are from the product's commune, belong to its entity, or supply
  it (the member supplies the entity, or belongs to one of the product's declared suppliers).
* **One sheet per member.** Opening or handing in a second sheet is refused. To re-score
  (after discussing a spread), the chair sends a member's submitted sheet back to draft
  (`reopen_sheet`); it is still that member's one sheet.
* **Blind until submitted.** A member sees only their own sheet until they submit it; then
  they also see the other *submitted* sheets (never drafts). The secretary, who does not
  score, sees submitted sheets; a conflicted member sees none. After finalisation every
  council member sees every submitted sheet. See `may_see` / `visible_sheets`.
* **Finalisation** needs: quorum; every present, eligible scorer has submitted; at least one
  sheet; all sheets in the same case on two-case criteria; the spread (max − min of the
  complete sheets' totals) not above `max_spread` (default 10 points); no knock-out
  finding held by a minority. The chair may lift the last two - and only those - with a
  recorded reason (`ChairOverride`); for a minority knock-out the chair either confirms it
  (the product is knocked out) or proceeds (the findings stay on record as dissent).
* **Written opinions** (re-rating, 26/2026 Art. 7: "lấy ý kiến bằng văn bản"): there is no
  meeting, so there is no attendance quorum; every voting member is consulted in writing and
  counts as present, which means finalisation waits for the written sheet of every eligible
  (non-conflicted) voting member.
* **A conflicted member's sheet never counts.** A conflict found after a member handed in a
  sheet (a late declaration, a corrected commune) takes that sheet out of `submitted`.
"""

from __future__ import annotations

# Over 400 lines: one class, CouncilEvaluation, holds the rules that depend on each other (who
# scores, one blind sheet each, what blocks finalisation); splitting it would scatter them.
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ocop_shared.i18n import said
from ocop_shared.regulations import ProductSet, Regulation

from .composition import (
    Conflict,
    ConflictKind,
    Council,
    CouncilMember,
    CouncilRules,
    ProductUnderEvaluation,
    QuorumCheck,
    Role,
    check_quorum,
    find_conflicts,
)
from .errors import (
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
    WrongProductSet,
)
from .ranking import CouncilResult, rank
from .sheet_scoring import (
    Choice,
    KnockOut,
    MemberSheet,
    ScoredSheet,
    check_choice,
    check_knockout,
    check_product_set,
    score_sheet,
)

__all__ = ["OVERRIDABLE", "Blocker", "BlockerKind", "ChairOverride", "Conflict", "ConflictKind",
           "Council", "CouncilEvaluation", "CouncilMember", "CouncilRules", "Finalisation",
           "ProductUnderEvaluation", "QuorumCheck", "Role", "SheetView", "check_quorum",
           "find_conflicts"]


# ----------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class ChairOverride:
    """The chair lifts the spread rule and/or a minority knock-out, with a recorded reason."""

    chair_id: str
    reason_vi: str
    reason_en: str = ""
    confirm_knockout: bool = False  # for a minority knock-out: confirm it (else proceed to rank)


class BlockerKind(StrEnum):
    QUORUM = "quorum"
    SHEETS_PENDING = "sheets_pending"
    NO_SHEETS = "no_sheets"
    CASES_INCONSISTENT = "cases_inconsistent"
    SPREAD = "spread"
    KNOCKOUT_DISPUTED = "knockout_disputed"


OVERRIDABLE = frozenset({BlockerKind.SPREAD, BlockerKind.KNOCKOUT_DISPUTED})


@dataclass(frozen=True)
class Blocker:
    kind: BlockerKind
    message_vi: str
    message_en: str

    @property
    def overridable(self) -> bool:
        return self.kind in OVERRIDABLE


@dataclass(frozen=True)
class SheetView:
    member_id: str
    submitted: bool
    choices: Mapping[str, int]
    knockout: KnockOut | None
    total: int | None  # only for a submitted sheet


@dataclass(frozen=True)
class Finalisation:
    result: CouncilResult
    quorum: QuorumCheck
    spread: Decimal | None
    override: ChairOverride | None
    overridden: tuple[Blocker, ...]
    conflicts: tuple[Conflict, ...]


@dataclass
class _Sheet:
    member_id: str
    choices: dict[str, int] = field(default_factory=dict)
    knockout: KnockOut | None = None
    scored: ScoredSheet | None = None


class CouncilEvaluation:
    """One council scoring one product: sheets, blindness, and finalisation."""

    def __init__(self, council: Council, regulation: Regulation, product_set: ProductSet,
                 product: ProductUnderEvaluation, *, present: Iterable[str] = (),
                 declared_conflicts: Mapping[str, str] | None = None,
                 written_opinions: bool = False) -> None:
        if council.regulation_code != regulation.code:
            raise InvalidComposition(
                *said("scoring.council_works_under_not", council_regulation_code=council.regulation_code,
                      regulation_code=regulation.code))
        check_product_set(product_set, product.regulation_code, product.product_set_no)
        if product_set.regulation_code != regulation.code:
            raise WrongProductSet(
                *said("scoring.product_set_belongs_not", product_set_regulation_code=product_set.regulation_code,
                      regulation_code=regulation.code))
        self.council = council
        self.regulation = regulation
        self.product_set = product_set
        self.product = product
        self.written_opinions = written_opinions
        self.present: set[str] = set()
        for member_id in present:
            self.mark_present(member_id)
        if written_opinions:  # consulted in writing: every voting member takes part
            self.present.update(m.member_id for m in council.voting_members)
        self.conflicts = find_conflicts(council, product, declared_conflicts)
        self._sheets: dict[str, _Sheet] = {}
        self.finalisation: Finalisation | None = None

    # ------------------------------------------------------------------ members
    def mark_present(self, member_id: str) -> None:
        self.council.member(member_id)
        self.present.add(member_id)

    @property
    def quorum(self) -> QuorumCheck:
        return check_quorum(self.council, self.present)

    def conflicts_of(self, member_id: str) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.member_id == member_id)

    def may_score(self, member_id: str) -> bool:
        m = self.council.member(member_id)
        return m.votes and member_id in self.present and not self.conflicts_of(member_id)

    @property
    def eligible_scorers(self) -> tuple[str, ...]:
        return tuple(m.member_id for m in self.council.voting_members if self.may_score(m.member_id))

    def _check_scorer(self, member_id: str) -> None:
        if self.finalisation is not None:
            raise EvaluationClosed(*said("scoring.evaluation_finalised"))
        member = self.council.member(member_id)
        if not member.votes:
            raise NotAScorer(*said("scoring.secretary_does_not_score", member_name=member.name), member=member_id)
        if member_id not in self.present:
            raise NotPresent(*said("scoring.not_present_at_session", member_name=member.name), member=member_id)
        conflicts = self.conflicts_of(member_id)
        if conflicts:
            raise ConflictOfInterestError(
                f"{member.name} không được chấm sản phẩm này: "
                + "; ".join(c.reason_vi for c in conflicts),
                f"{member.name} may not score this product: " + "; ".join(c.reason_en for c in conflicts),
                member=member_id, kinds=tuple(c.kind for c in conflicts))

    def _draft(self, member_id: str) -> _Sheet:
        self._check_scorer(member_id)
        sheet = self._sheets.get(member_id)
        if sheet is None:
            raise NoSheet(*said("scoring.has_not_opened_sheet", member_id=member_id))
        if sheet.scored is not None:
            raise SheetAlreadySubmitted(*said("scoring.has_already_submitted_sheet", member_id=member_id),
                member=member_id)
        return sheet

    # ------------------------------------------------------------------- sheets
    def open_sheet(self, member_id: str) -> None:
        """Start the member's (only) sheet for this product."""
        self._check_scorer(member_id)
        if member_id in self._sheets:
            raise SecondSheetRefused(
                *said("scoring.already_has_sheet_product_second_sheet", member_id=member_id),
                member=member_id)
        self._sheets[member_id] = _Sheet(member_id)

    def choose(self, member_id: str, criterion_code: str, option_index: int) -> None:
        """Pick (or change) an option on a draft; an invalid option is refused at once."""
        sheet = self._draft(member_id)
        node, _ = check_choice(self.product_set, Choice(criterion_code, option_index))
        sheet.choices[node.code] = option_index

    def record_knockout(self, member_id: str, knockout: KnockOut) -> None:
        sheet = self._draft(member_id)
        check_knockout(self.product_set, knockout)
        sheet.knockout = knockout

    def submit(self, member_id: str) -> ScoredSheet:
        """Hand the draft in: validated in full (missing criteria refused) and then frozen."""
        sheet = self._draft(member_id)
        member_sheet = MemberSheet.of(self.product_set, sheet.choices, sheet.knockout)
        sheet.scored = score_sheet(self.product_set, member_sheet, member_id)
        return sheet.scored

    def submit_sheet(self, member_id: str, member_sheet: MemberSheet) -> ScoredSheet:
        """Open, fill and submit in one step (a second sheet from the member is refused)."""
        self._check_scorer(member_id)
        if member_id in self._sheets:
            raise SecondSheetRefused(
                *said("scoring.already_has_sheet_product_second_sheet", member_id=member_id),
                member=member_id)
        scored = score_sheet(self.product_set, member_sheet, member_id)
        self._sheets[member_id] = _Sheet(member_id, {c.criterion_code: c.option_index
                                                     for c in member_sheet.choices},
                                         member_sheet.knockout, scored)
        return scored

    def save_draft(self, member_id: str, choices: Mapping[str, int],
                   knockout: KnockOut | None = None) -> None:
        """Replace the member's draft with `choices` (opening the sheet on first use).

        Every choice is checked at once (criterion, option); missing criteria are allowed
        until the sheet is submitted."""
        if member_id not in self._sheets:
            self.open_sheet(member_id)
        sheet = self._draft(member_id)
        checked: dict[str, int] = {}
        for code, index in choices.items():
            node, _ = check_choice(self.product_set, Choice(code, index))
            checked[node.code] = index
        if knockout is not None:
            check_knockout(self.product_set, knockout)
        sheet.choices = checked
        sheet.knockout = knockout

    def reopen_sheet(self, member_id: str) -> None:
        """Send a submitted sheet back to its member to be re-scored (the council discussed a
        spread above the limit). It stays the member's only sheet; its choices are kept."""
        if self.finalisation is not None:
            raise EvaluationClosed(*said("scoring.evaluation_finalised"))
        self.council.member(member_id)
        sheet = self._sheets.get(member_id)
        if sheet is None or sheet.scored is None:
            raise NoSheet(*said("scoring.has_not_submitted_sheet", member_id=member_id))
        sheet.scored = None

    def restore_sheet(self, member_id: str, choices: Mapping[str, int], knockout: KnockOut | None,
                      submitted: bool) -> None:
        """Reload a stored sheet. It was checked when it was written, so only its content is
        validated again (a submitted sheet is re-scored); who may score is not re-checked."""
        self.council.member(member_id)
        scored = (score_sheet(self.product_set, MemberSheet.of(self.product_set, choices, knockout),
                              member_id) if submitted else None)
        self._sheets[member_id] = _Sheet(member_id, dict(choices), knockout, scored)

    def sheet_of(self, member_id: str) -> SheetView | None:
        """The member's own sheet (draft or submitted), or None."""
        sheet = self._sheets.get(member_id)
        if sheet is None:
            return None
        return SheetView(member_id=member_id, submitted=sheet.scored is not None,
                         choices=dict(sheet.choices), knockout=sheet.knockout,
                         total=sheet.scored.total if sheet.scored is not None else None)

    @property
    def submitted(self) -> tuple[ScoredSheet, ...]:
        """The submitted sheets that count: a conflicted member's sheet never does."""
        return tuple(s.scored for s in self._sheets.values()
                     if s.scored is not None and not self.conflicts_of(s.member_id))

    @property
    def pending(self) -> tuple[str, ...]:
        """Present, eligible scorers who have not submitted."""
        return tuple(m for m in self.eligible_scorers
                     if (s := self._sheets.get(m)) is None or s.scored is None)

    # --------------------------------------------------------------- visibility
    def may_see(self, viewer_id: str, owner_id: str) -> bool:
        """Whether `viewer_id` may see the sheet of `owner_id` now (blind until submitted)."""
        viewer = self.council.member(viewer_id)
        sheet = self._sheets.get(owner_id)
        if sheet is None:
            return False
        if viewer_id == owner_id:
            return True
        if sheet.scored is None:
            return False  # nobody sees another member's draft
        if self.finalisation is not None:
            return True
        if self.conflicts_of(viewer_id):
            return False
        if not viewer.votes:
            return True  # the secretary compiles the submitted sheets
        own = self._sheets.get(viewer_id)
        return own is not None and own.scored is not None

    def visible_sheets(self, viewer_id: str) -> tuple[SheetView, ...]:
        return tuple(
            SheetView(member_id=s.member_id, submitted=s.scored is not None, choices=dict(s.choices),
                      knockout=s.knockout, total=s.scored.total if s.scored is not None else None)
            for s in self._sheets.values() if self.may_see(viewer_id, s.member_id)
        )

    # ------------------------------------------------------------- finalisation
    def spread(self) -> Decimal | None:
        totals = [s.total for s in self.submitted if not s.knocked_out]
        return Decimal(max(totals) - min(totals)) if totals else None

    def blockers(self) -> tuple[Blocker, ...]:
        found: list[Blocker] = []
        q = self.quorum
        if not q.met:
            chair = "" if q.chair_present or not q.chair_required else " và chủ tịch phải có mặt"
            chair_en = "" if q.chair_present or not q.chair_required else " and the chair must be present"
            found.append(Blocker(BlockerKind.QUORUM,
                                 f"Không đủ túc số: có mặt {q.present}/{q.voting_members}, cần {q.required}"
                                 + chair,
                                 f"No quorum: {q.present}/{q.voting_members} present, {q.required} needed"
                                 + chair_en))
        pending = self.pending
        if pending:
            found.append(Blocker(BlockerKind.SHEETS_PENDING,
                                 f"Chưa nộp phiếu: {', '.join(pending)}",
                                 f"Sheets not submitted: {', '.join(pending)}"))
        sheets = self.submitted
        if not sheets:
            found.append(Blocker(BlockerKind.NO_SHEETS, "Chưa có phiếu chấm nào", "No sheet submitted"))
            return tuple(found)
        for leaf in self.product_set.leaves():
            if not leaf.cases:
                continue
            cases = {s.chosen[leaf.code].case_vi for s in sheets if leaf.code in s.chosen}
            if len(cases) > 1:
                found.append(Blocker(
                    BlockerKind.CASES_INCONSISTENT,
                    f"Tiêu chí {leaf.code} được chấm theo các trường hợp khác nhau",
                    f"Criterion {leaf.code} is scored under different cases"))
        knocked = [s for s in sheets if s.knocked_out]
        if knocked and 2 * len(knocked) <= len(sheets):
            who = ", ".join(s.member_id for s in knocked)
            found.append(Blocker(
                BlockerKind.KNOCKOUT_DISPUTED,
                f"Thiểu số thành viên đề nghị loại sản phẩm ({who}): chủ tịch phải quyết định",
                f"A minority of members knocked the product out ({who}): the chair must rule"))
        spread = self.spread()
        if spread is not None and spread > self.council.rules.max_spread:
            found.append(Blocker(
                BlockerKind.SPREAD,
                f"Chênh lệch điểm giữa các thành viên là {spread}, vượt quá {self.council.rules.max_spread}",
                f"Members' totals differ by {spread}, more than {self.council.rules.max_spread}"))
        return tuple(found)

    def finalise(self, override: ChairOverride | None = None) -> Finalisation:
        """Close the evaluation with the council's result, or raise FinalisationBlocked."""
        if self.finalisation is not None:
            raise EvaluationClosed(*said("scoring.evaluation_finalised"))
        if override is not None:
            if override.chair_id != self.council.chair.member_id:
                raise InvalidOverride(*said("scoring.only_council_chair_may_override"))
            if not override.reason_vi.strip():
                raise InvalidOverride(*said("scoring.chair_s_override_needs_recorded_reason"))
        blockers = self.blockers()
        hard = [b for b in blockers if not b.overridable or override is None]
        if hard:
            raise FinalisationBlocked(
                "Chưa thể kết thúc: " + "; ".join(b.message_vi for b in hard),
                "Cannot finalise: " + "; ".join(b.message_en for b in hard),
                blockers=tuple(hard))
        overridden = tuple(b for b in blockers if b.overridable)
        if override is not None and override.confirm_knockout and not any(
                b.kind is BlockerKind.KNOCKOUT_DISPUTED for b in overridden):
            raise InvalidOverride(*said("scoring.there_no_disputed_knock_out_confirm"))
        result = rank(self.regulation, self.product_set, self.submitted,
                      confirm_knockout=override is not None and override.confirm_knockout)
        self.finalisation = Finalisation(
            result=result, quorum=self.quorum, spread=self.spread(),
            override=override if overridden else None, overridden=overridden, conflicts=self.conflicts)
        return self.finalisation
