"""The provincial office's use cases: rounds, councils and their members, conflict
declarations, assignments, and province-supplied sheet files."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from ocop_shared.auth import Principal, Role
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Conflict, Forbidden, Invalid, TooLarge
from ocop_shared.i18n import message
from ocop_shared.regulations import get_regulation

from ..adapters.repository import (
    CouncilRecord,
    Declaration,
    RoundRecord,
    ScoringRepository,
    SheetFileRecord,
    StaleRecord,
)
from ..adapters.sheets import parse_sheet_file
from ..domain.council import CouncilMember, CouncilRules
from ..domain.evaluation import Evaluation
from .evaluations import procedure_day, procedure_of, readers
from .problems import as_problems, not_found

MAX_SHEET_FILE_BYTES = 2 * 1024 * 1024


def _stale() -> Conflict:
    return Conflict(message("scoring.someone_else_changed_record_just_now"),
                    slug="concurrent-change")


# ------------------------------------------------------------------------------ rounds


async def configure_round(uow: UnitOfWork, round_id: str, regulation_code: str,
                          procedure_on: date | None, name: str | None,
                          principal: Principal) -> RoundRecord:
    with as_problems():
        regulation = get_regulation(regulation_code)
    repo = uow.repository(ScoringRepository)
    day = procedure_day(regulation, procedure_on or uow.clock.now().date())
    used = await repo.regulations_used_in_round(round_id)
    if used and used != {regulation.code}:
        raise Conflict(message("scoring.round_already_has_evaluations_under",
                               round_id=round_id, items=', '.join(sorted(used))),
            field="regulation")
    found = await repo.get_round(round_id)
    if found is None:
        record = RoundRecord(id=round_id, regulation=regulation.code, procedure_from=day,
                             name=name, configured_by=principal.subject,
                             created_at=uow.clock.now())
        await repo.add_round(record)
    else:
        record = replace(found, regulation=regulation.code, procedure_from=day,
                         name=name if name is not None else found.name,
                         configured_by=principal.subject, version=found.version + 1)
        await repo.save_round(record)
    await uow.commit()
    return record


async def get_round(uow: UnitOfWork, round_id: str) -> RoundRecord:
    found = await uow.repository(ScoringRepository).get_round(round_id)
    if found is None:
        raise not_found("đợt đánh giá", "round", round_id)
    return found


# ---------------------------------------------------------------------------- councils


@dataclass
class CouncilSpec:
    round_id: str
    level: str
    name: str
    members: list[CouncilMember]
    establishment_ref: str | None = None
    quorum: Fraction = Fraction(3, 4)
    quorum_requires_chair: bool = True
    max_spread: Decimal = Decimal(10)
    required_departments: frozenset[str] = field(default_factory=frozenset)

    @property
    def rules(self) -> CouncilRules:
        return CouncilRules(quorum=self.quorum, quorum_requires_chair=self.quorum_requires_chair,
                            max_spread=self.max_spread,
                            required_departments=self.required_departments)


def _validate(council: CouncilRecord, regulation_code: str) -> None:
    if not 0 < council.rules.quorum <= 1:
        raise Invalid(message("scoring.quorum_must_more_than_0_at"), field="quorum")
    if council.rules.max_spread < 0:
        raise Invalid(message("scoring.maximum_spread_cannot_negative"), field="max_spread")
    with as_problems():
        council.domain(regulation_code)  # composition rules (one chair, no duplicates, …)


async def _round_and_level(repo: ScoringRepository, round_id: str, level: str) -> RoundRecord:
    round_ = await repo.get_round(round_id)
    if round_ is None:
        raise Invalid(message("scoring.round_not_known_scoring_configure_put", round_id=round_id), field="round_id")
    procedure = procedure_of(get_regulation(round_.regulation), round_.procedure_from)
    scoring_levels = [lv.code for lv in procedure.levels if lv.scores]
    if level not in scoring_levels:
        raise Invalid(message("scoring.level_does_not_score_under_scoring",
                              level=level, round_regulation=round_.regulation,
                              scoring_levels=', '.join(scoring_levels)), field="level")
    return round_


async def _assign_waiting(uow: UnitOfWork, repo: ScoringRepository,
                          council: CouncilRecord) -> None:
    """The only council at its level gets the round's evaluations that wait for one."""
    if len(await repo.councils_for(council.round_id, council.level)) != 1:
        return
    for evaluation in await repo.unassigned(council.round_id, council.level):
        await set_council(uow, repo, evaluation, council)


async def set_council(uow: UnitOfWork, repo: ScoringRepository, evaluation: Evaluation,
                      council: CouncilRecord | None) -> None:
    """Give an open evaluation its council (or none), and tell the registry who may now read
    the product's dossier (CouncilAssigned, recorded by the evaluation)."""
    evaluation.assign_council(council.id if council else None, readers(council))
    await repo.save_evaluation(evaluation)
    uow.track(evaluation)


async def _announce_members(uow: UnitOfWork, repo: ScoringRepository,
                            council: CouncilRecord) -> None:
    """The council's members changed (or it ended): its open evaluations' readers change."""
    for evaluation in await repo.list_evaluations_for_council(council.id):
        if evaluation.is_open:
            await set_council(uow, repo, evaluation, council)


async def create_council(uow: UnitOfWork, spec: CouncilSpec) -> CouncilRecord:
    repo = uow.repository(ScoringRepository)
    round_ = await _round_and_level(repo, spec.round_id, spec.level)
    council = CouncilRecord(id=str(uuid.uuid4()), round_id=spec.round_id, level=spec.level,
                            name=spec.name, establishment_ref=spec.establishment_ref,
                            rules=spec.rules, members=list(spec.members),
                            created_at=uow.clock.now())
    _validate(council, round_.regulation)
    with as_problems():
        await repo.add_council(council)
        await _assign_waiting(uow, repo, council)
        await uow.commit()
    return council


async def council_of(repo: ScoringRepository, council_id: str) -> CouncilRecord:
    council = await repo.get_council(council_id)
    if council is None:
        raise not_found("hội đồng", "council", council_id)
    return council


async def _save(uow: UnitOfWork, repo: ScoringRepository, council: CouncilRecord,
                expected: int, *, members_changed: bool = False) -> CouncilRecord:
    round_ = await repo.get_round(council.round_id)
    assert round_ is not None
    _validate(council, round_.regulation)
    council.version = expected + 1
    try:
        await repo.save_council(council, expected)
        if members_changed:
            await _announce_members(uow, repo, council)
    except StaleRecord as error:
        raise _stale() from error
    await uow.commit()
    return council


async def close_council(uow: UnitOfWork, council_id: str) -> CouncilRecord:
    """The council's work is over: its seats stop granting anything (scoring its evaluations,
    reading their dossiers)."""
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    if council.closed_at is not None:
        raise Conflict(message("scoring.council_has_already_ended"))
    open_ones = [e for e in await repo.list_evaluations_for_council(council_id) if e.is_open]
    if open_ones:
        raise Conflict(message("scoring.council_still_has_open_evaluation_s", open_ones=len(open_ones)))
    expected = council.version
    council.closed_at = uow.clock.now()
    return await _save(uow, repo, council, expected)


async def update_council(uow: UnitOfWork, council_id: str, *, name: str | None,
                         establishment_ref: str | None, quorum: Fraction | None,
                         quorum_requires_chair: bool | None, max_spread: Decimal | None,
                         required_departments: frozenset[str] | None) -> CouncilRecord:
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    expected = council.version
    council.name = name if name is not None else council.name
    council.establishment_ref = (establishment_ref if establishment_ref is not None
                                 else council.establishment_ref)
    r = council.rules
    council.rules = CouncilRules(
        quorum=quorum if quorum is not None else r.quorum,
        quorum_requires_chair=(quorum_requires_chair if quorum_requires_chair is not None
                               else r.quorum_requires_chair),
        max_spread=max_spread if max_spread is not None else r.max_spread,
        required_departments=(required_departments if required_departments is not None
                              else r.required_departments))
    return await _save(uow, repo, council, expected)


async def delete_council(uow: UnitOfWork, council_id: str) -> None:
    repo = uow.repository(ScoringRepository)
    await council_of(repo, council_id)
    if await repo.has_sheets_for_council(council_id):
        raise Conflict(message("scoring.council_has_score_sheets_cannot_deleted"))
    with as_problems():
        for evaluation in await repo.list_evaluations_for_council(council_id):
            await set_council(uow, repo, evaluation, None)
        await repo.delete_council(council_id)
        await uow.commit()


async def put_member(uow: UnitOfWork, council_id: str, member: CouncilMember) -> CouncilRecord:
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    expected = council.version
    existing = council.member(member.member_id)
    if existing is not None and existing.role is not member.role and \
            await repo.open_sheets_of_member(council_id, member.member_id):
        raise Conflict(message("scoring.has_sheets_open_evaluations_role_cannot", existing_name=existing.name),
            field="role")
    if existing is None:
        council.members.append(member)
    else:
        council.members = [member if m.member_id == member.member_id else m for m in council.members]
    return await _save(uow, repo, council, expected, members_changed=True)


async def remove_member(uow: UnitOfWork, council_id: str, member_id: str) -> CouncilRecord:
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    expected = council.version
    if council.member(member_id) is None:
        raise not_found("thành viên", "member", member_id)
    if await repo.open_sheets_of_member(council_id, member_id):
        raise Conflict(message("scoring.member_has_sheets_open_evaluations_cannot"))
    council.members = [m for m in council.members if m.member_id != member_id]
    return await _save(uow, repo, council, expected, members_changed=True)


# ------------------------------------------------------------------ conflicts, assignment


async def declare_conflict(uow: UnitOfWork, council_id: str, member_id: str, product_id: str,
                           reason: str, principal: Principal) -> Declaration:
    """A member's own declaration, or the office recording one."""
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    if council.member(member_id) is None:
        raise Invalid(message("scoring.not_member_council", member_id=member_id, council_name=council.name),
                            field="member_id")
    seat = council.seat_of(principal.identities)
    if not principal.has(Role.PROVINCE_OFFICE) and (seat is None or seat.member_id != member_id):
        raise Forbidden(message("scoring.member_declares_only_their_own_conflicts"))
    declaration = Declaration(council_id, member_id, product_id, reason.strip(),
                              principal.subject, uow.clock.now())
    if not await repo.add_declaration(declaration):
        raise Conflict(message("scoring.conflict_interest_already_declared"))
    await uow.commit()
    return declaration


async def assign(uow: UnitOfWork, evaluation_id: str, council_id: str) -> Evaluation:
    repo = uow.repository(ScoringRepository)
    evaluation = await repo.get_evaluation(evaluation_id)
    if evaluation is None:
        raise not_found("phiên đánh giá", "evaluation", evaluation_id)
    council = await council_of(repo, council_id)
    if (council.round_id, council.level) != (evaluation.round_id, evaluation.level):
        raise Invalid(message("scoring.council_sits_round_at_level_evaluation",
                              council_name=council.name, council_round_id=council.round_id,
                              council_level=council.level, evaluation_round_id=evaluation.round_id,
                              evaluation_level=evaluation.level),
            field="council_id")
    if not evaluation.is_open:
        raise Conflict(message("scoring.evaluation_over"))
    if evaluation.council_id not in (None, council_id) and await repo.sheets(evaluation_id):
        raise Conflict(message("scoring.assigned_council_has_started_scoring_cannot"))
    with as_problems():
        await set_council(uow, repo, evaluation, council)
        await uow.commit()
    return evaluation


# ------------------------------------------------------------------------ sheet files


async def upload_sheet_file(uow: UnitOfWork, regulation_code: str, filename: str, content: bytes,
                            principal: Principal) -> tuple[SheetFileRecord, bool]:
    """Validate and store a province's sheet file; (record, created)."""
    with as_problems():
        regulation = get_regulation(regulation_code)
    if regulation.has_packaged_sheets:
        raise Invalid(message("scoring.ships_sheets_all_product_sets_no", regulation_code=regulation.code),
            field="regulation")
    if len(content) > MAX_SHEET_FILE_BYTES:
        raise TooLarge(message("scoring.sheet_file_too_large_at_most", file_bytes=MAX_SHEET_FILE_BYTES // 1024),
                       field="file")
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.")[:200] or "sheets.json"
    with as_problems():
        product_sets = parse_sheet_file(content, regulation, safe_name)
    repo = uow.repository(ScoringRepository)
    digest = hashlib.sha256(content).hexdigest()
    existing = await repo.sheet_file_by_hash(regulation.code, digest)
    if existing is not None:
        return existing, False
    record = SheetFileRecord(id=str(uuid.uuid4()), regulation=regulation.code, filename=safe_name,
                             sha256=digest, size=len(content), content=content.decode("utf-8"),
                             product_sets=[ps.no for ps in product_sets],
                             uploaded_by=principal.subject, uploaded_at=uow.clock.now())
    await repo.add_sheet_file(record)
    await uow.commit()
    return record, True

