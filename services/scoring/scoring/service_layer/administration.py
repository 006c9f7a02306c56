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
from ocop_shared.errors import Conflict, Forbidden, Invalid, Text, TooLarge
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
    return Conflict(Text("Dữ liệu vừa được người khác thay đổi, hãy tải lại và thử lại",
                         "Someone else changed this record just now; reload and try again"),
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
        raise Conflict(Text(
            f"Đợt {round_id} đã có hồ sơ đánh giá theo {', '.join(sorted(used))}",
            f"Round {round_id} already has evaluations under {', '.join(sorted(used))}"),
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
        raise Invalid(Text("Tỷ lệ túc số phải lớn hơn 0 và không quá 1",
                                 "The quorum must be more than 0 and at most 1"), field="quorum")
    if council.rules.max_spread < 0:
        raise Invalid(Text("Mức chênh lệch tối đa không được âm",
                                 "The maximum spread cannot be negative"), field="max_spread")
    with as_problems():
        council.domain(regulation_code)  # composition rules (one chair, no duplicates, …)


async def _round_and_level(repo: ScoringRepository, round_id: str, level: str) -> RoundRecord:
    round_ = await repo.get_round(round_id)
    if round_ is None:
        raise Invalid(Text(
            f"Chưa có đợt đánh giá {round_id} trong phân hệ chấm điểm: cấu hình đợt "
            f"(PUT /scoring/rounds/{round_id}) hoặc chờ hồ sơ đầu tiên",
            f"Round {round_id} is not known to scoring: configure it "
            f"(PUT /scoring/rounds/{round_id}) or wait for its first submission"), field="round_id")
    procedure = procedure_of(get_regulation(round_.regulation), round_.procedure_from)
    scoring_levels = [lv.code for lv in procedure.levels if lv.scores]
    if level not in scoring_levels:
        raise Invalid(Text(
            f"Cấp {level} không chấm điểm theo {round_.regulation} "
            f"(các cấp chấm điểm: {', '.join(scoring_levels)})",
            f"Level {level} does not score under {round_.regulation} "
            f"(scoring levels: {', '.join(scoring_levels)})"), field="level")
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
        raise Conflict(Text("Hội đồng đã kết thúc nhiệm vụ", "The council has already ended"))
    open_ones = [e for e in await repo.list_evaluations_for_council(council_id) if e.is_open]
    if open_ones:
        raise Conflict(Text(f"Hội đồng còn {len(open_ones)} hồ sơ đang đánh giá",
                            f"The council still has {len(open_ones)} open evaluation(s)"))
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
        raise Conflict(Text("Hội đồng đã có phiếu chấm, không thể xóa",
                            "The council has score sheets and cannot be deleted"))
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
        raise Conflict(Text(
            f"{existing.name} đang có phiếu chấm chưa kết thúc, không đổi vai trò được",
            f"{existing.name} has sheets in open evaluations; the role cannot change"),
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
        raise Conflict(Text("Thành viên đang có phiếu chấm chưa kết thúc, không xóa được",
                            "The member has sheets in open evaluations and cannot be removed"))
    council.members = [m for m in council.members if m.member_id != member_id]
    return await _save(uow, repo, council, expected, members_changed=True)


# ------------------------------------------------------------------ conflicts, assignment


async def declare_conflict(uow: UnitOfWork, council_id: str, member_id: str, product_id: str,
                           reason: str, principal: Principal) -> Declaration:
    """A member's own declaration, or the office recording one."""
    repo = uow.repository(ScoringRepository)
    council = await council_of(repo, council_id)
    if council.member(member_id) is None:
        raise Invalid(Text(f"{member_id} không phải thành viên hội đồng {council.name}",
                                 f"{member_id} is not a member of council {council.name}"),
                            field="member_id")
    seat = council.seat_of(principal.identities)
    if not principal.has(Role.PROVINCE_OFFICE) and (seat is None or seat.member_id != member_id):
        raise Forbidden(Text("Thành viên chỉ tự khai xung đột lợi ích của chính mình",
                             "A member declares only their own conflicts of interest"))
    declaration = Declaration(council_id, member_id, product_id, reason.strip(),
                              principal.subject, uow.clock.now())
    if not await repo.add_declaration(declaration):
        raise Conflict(Text("Xung đột lợi ích này đã được khai",
                            "This conflict of interest is already declared"))
    await uow.commit()
    return declaration


async def assign(uow: UnitOfWork, evaluation_id: str, council_id: str) -> Evaluation:
    repo = uow.repository(ScoringRepository)
    evaluation = await repo.get_evaluation(evaluation_id)
    if evaluation is None:
        raise not_found("phiên đánh giá", "evaluation", evaluation_id)
    council = await council_of(repo, council_id)
    if (council.round_id, council.level) != (evaluation.round_id, evaluation.level):
        raise Invalid(Text(
            f"Hội đồng {council.name} làm việc ở đợt {council.round_id}, cấp {council.level}; "
            f"hồ sơ thuộc đợt {evaluation.round_id}, cấp {evaluation.level}",
            f"Council {council.name} sits for round {council.round_id} at level {council.level}; "
            f"the evaluation is in round {evaluation.round_id} at level {evaluation.level}"),
            field="council_id")
    if not evaluation.is_open:
        raise Conflict(Text("Phiên đánh giá đã kết thúc", "The evaluation is over"))
    if evaluation.council_id not in (None, council_id) and await repo.sheets(evaluation_id):
        raise Conflict(Text("Hội đồng đã bắt đầu chấm hồ sơ này, không đổi được",
                            "The assigned council has started scoring; it cannot change"))
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
        raise Invalid(Text(
            f"{regulation.code} đã có sẵn phiếu đánh giá của 26 bộ sản phẩm; không nạp tệp của tỉnh",
            f"{regulation.code} ships its sheets for all product sets; no province file is loaded"),
            field="regulation")
    if len(content) > MAX_SHEET_FILE_BYTES:
        raise TooLarge(Text(f"Tệp phiếu quá lớn (tối đa {MAX_SHEET_FILE_BYTES // 1024} KiB)",
                            f"The sheet file is too large (at most {MAX_SHEET_FILE_BYTES // 1024} KiB)"),
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

