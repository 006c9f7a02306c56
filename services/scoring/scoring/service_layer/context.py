"""One evaluation with everything its council's rules need, loaded from the repository and
turned into the pure `CouncilEvaluation`; plus who may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ocop_shared.auth import Principal, Role
from ocop_shared.errors import Conflict, Forbidden, Invalid
from ocop_shared.i18n import message
from ocop_shared.regulations import ProductSet, Regulation, get_regulation

from ..adapters import sheets as sheet_source
from ..adapters.repository import (
    CouncilRecord,
    RoundRecord,
    ScoringRepository,
    SheetRecord,
)
from ..domain.council import CouncilEvaluation, CouncilMember, ProductUnderEvaluation
from ..domain.errors import UnknownMember
from ..domain.evaluation import Evaluation
from .problems import as_problems, not_assigned, not_found


async def product_set_for(repo: ScoringRepository, evaluation: Evaluation, *,
                          pin: bool = False) -> ProductSet:
    """The evaluation's sheet: packaged, or the province file pinned on it (or the newest file
    holding its product set, pinned when `pin` so the sheet cannot change under the council)."""
    with as_problems():
        regulation = get_regulation(evaluation.regulation)
        if regulation.has_packaged_sheets:
            return sheet_source.packaged_product_set(regulation, evaluation.product_set_no)
    record = (await repo.get_sheet_file(evaluation.sheet_file_id) if evaluation.sheet_file_id
              else await repo.newest_sheet_file_with(evaluation.regulation, evaluation.product_set_no))
    if record is None:
        raise Conflict(message("scoring.no_province_sheet_file_product_set",
                               evaluation_product_set_no=evaluation.product_set_no,
                               evaluation_regulation=evaluation.regulation),
            slug="no-sheet-file")
    with as_problems():
        product_sets = sheet_source.stored_product_sets(record.id, record.regulation, record.content,
                                                        record.filename)
    found = sheet_source.pick(product_sets, evaluation.product_set_no)
    if found is None:
        raise Conflict(message("scoring.sheet_file_has_no_product_set",
                               record_filename=record.filename, evaluation_product_set_no=evaluation.product_set_no),
            slug="no-sheet-file")
    if pin and evaluation.sheet_file_id is None:
        evaluation.sheet_file_id = record.id
    return found


@dataclass
class EvaluationContext:
    evaluation: Evaluation
    round: RoundRecord | None
    council: CouncilRecord | None
    regulation: Regulation
    product_set: ProductSet
    sheets: list[SheetRecord]
    declared: dict[str, str]

    @property
    def present(self) -> list[str]:
        """Recorded attendance plus every member who opened a sheet (acting is attending)."""
        return sorted({*self.evaluation.present, *(s.member_id for s in self.sheets)})

    @property
    def procedure_day(self) -> date | None:
        return self.round.procedure_from if self.round else None

    def product(self) -> ProductUnderEvaluation:
        e = self.evaluation
        return ProductUnderEvaluation(e.product_id, e.entity_id, e.commune_code, e.regulation,
                                      e.product_set_no)

    def domain(self) -> CouncilEvaluation:
        """The council's evaluation as the pure domain sees it (sheets restored)."""
        council = self.require_council()
        with as_problems():
            ev = CouncilEvaluation(
                council.domain(self.evaluation.regulation), self.regulation, self.product_set,
                self.product(),
                present=[m for m in self.present if council.member(m) is not None],
                declared_conflicts=self.declared, written_opinions=self.evaluation.written_opinions)
            for s in self.sheets:
                if council.member(s.member_id) is not None:
                    ev.restore_sheet(s.member_id, s.choices, s.knockout, s.submitted)
        return ev

    def require_council(self) -> CouncilRecord:
        if self.council is None:
            raise Conflict(message("scoring.evaluation_not_assigned_council_yet",
                                   self_evaluation_id=self.evaluation.id),
                slug="no-council")
        return self.council

    def require_open(self) -> None:
        if not self.evaluation.is_open:
            raise Conflict(message("scoring.evaluation_over_2",
                                   self_evaluation_status=self.evaluation.status), slug="evaluation-closed")

    def member(self, principal: Principal) -> CouncilMember:
        """The caller as a member of the assigned council (403 otherwise)."""
        if self.council is None:
            raise not_assigned(self.evaluation.id)
        found = self.council.seat_of(principal.identities)
        if found is None:
            raise not_assigned(self.evaluation.id)
        return found

    def chair(self, principal: Principal) -> CouncilMember:
        member = self.member(principal)
        council = self.require_council()
        if council.chair is None or council.chair.member_id != member.member_id:
            raise Forbidden(message("scoring.only_council_s_chair_may_do"), slug="not-the-chair")
        return member

    def sheet_of(self, member_id: str) -> SheetRecord | None:
        return next((s for s in self.sheets if s.member_id == member_id), None)


async def load(repo: ScoringRepository, evaluation_id: str, *, for_update: bool = False
               ) -> EvaluationContext:
    """`for_update`: about to write (locks the row and pins a province sheet file)."""
    evaluation = await repo.get_evaluation(evaluation_id, for_update=for_update)
    if evaluation is None:
        raise not_found("phiên đánh giá", "evaluation", evaluation_id)
    council = await repo.get_council(evaluation.council_id) if evaluation.council_id else None
    declared: dict[str, str] = {}
    if council is not None:
        declared = {d.member_id: d.reason
                    for d in await repo.declarations(council.id, evaluation.product_id)}
    with as_problems():
        regulation = get_regulation(evaluation.regulation)
    product_set = await product_set_for(repo, evaluation, pin=for_update)
    return EvaluationContext(evaluation=evaluation, round=await repo.get_round(evaluation.round_id),
                             council=council, regulation=regulation, product_set=product_set,
                             sheets=await repo.sheets(evaluation_id), declared=declared)


def is_office(principal: Principal) -> bool:
    return principal.has(Role.PROVINCE_OFFICE)


def may_view(ctx: EvaluationContext, principal: Principal) -> None:
    """The office sees every evaluation; a council member only those assigned to them."""
    if is_office(principal):
        return
    ctx.member(principal)


def ensure_known_member(ctx: EvaluationContext, member_id: str) -> CouncilMember:
    council = ctx.require_council()
    found = council.member(member_id)
    if found is None:
        raise Invalid(message("scoring.not_member_council", member_id=member_id, council_name=council.name),
                      slug=UnknownMember.code, field="member_id")
    return found
