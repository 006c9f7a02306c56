"""Scoring's records and domain values to the API's models, and request bodies to domain values."""


from fractions import Fraction
from typing import Any

from ocop_shared.auth.logins import InvalidLogin, login_key, shown
from ocop_shared.http.problems import Text, Unprocessable
from ocop_shared.i18n import message
from ocop_shared.regulations import Criterion, ProductSet, Regulation, get_regulation

from ..adapters.repository import (
    CouncilRecord,
    Declaration,
    EvaluationRecord,
    SheetFileRecord,
)
from ..domain.council import CouncilMember
from ..domain.council import Role as CouncilRole
from ..domain.ranking import CouncilResult
from ..domain.sheet_scoring import KnockOut
from ..service_layer import member_sheets
from ..service_layer.evaluations import entry_level, procedure_of
from .schemas import (
    BandOut,
    CapOut,
    CouncilOut,
    CriterionOut,
    DeclarationOut,
    EscalationOut,
    KnockOutIn,
    KnockOutOut,
    LevelOut,
    MemberBody,
    MemberOut,
    MySheetOut,
    OptionOut,
    PartOut,
    ProcedureOut,
    QuorumOut,
    RegulationOut,
    RoundOut,
    SheetFileOut,
)


def _fraction(text: str) -> Fraction:
    numerator, _, denominator = text.partition("/")
    if int(denominator) == 0:
        raise Unprocessable(message("scoring.quorum_s_denominator_0"),
                            field="quorum")
    return Fraction(int(numerator), int(denominator))


def _member(body: MemberBody, member_id: str, current: CouncilMember | None = None) -> CouncilMember:
    if body.login is None and current is None:
        raise Unprocessable(message("scoring.member_s_login_e_mail_phone"), field="login")
    try:
        login = login_key(body.login) if body.login is not None else current.login  # type: ignore[union-attr]
    except InvalidLogin as error:
        raise Unprocessable(Text(error.vi, error.en), field="login") from error
    return CouncilMember(member_id=member_id, name=body.name, role=CouncilRole(body.role),
                         login=login,
                         department=body.department, commune_code=body.commune_code,
                         entity_ids=frozenset(body.entity_ids),
                         supplies_entity_ids=frozenset(body.supplies_entity_ids))


def _member_out(m: CouncilMember) -> MemberOut:
    return MemberOut(member_id=m.member_id, name=m.name, role=m.role.value, department=m.department,
                     login=shown(m.login) if m.login else "",
                     commune_code=m.commune_code, entity_ids=sorted(m.entity_ids),
                     supplies_entity_ids=sorted(m.supplies_entity_ids))


def _council_out(c: CouncilRecord) -> CouncilOut:
    return CouncilOut(id=c.id, round_id=c.round_id, level=c.level, name=c.name,
                      establishment_ref=c.establishment_ref,
                      quorum=f"{c.rules.quorum.numerator}/{c.rules.quorum.denominator}",
                      quorum_requires_chair=c.rules.quorum_requires_chair,
                      max_spread=c.rules.max_spread,
                      required_departments=sorted(c.rules.required_departments),
                      members=[_member_out(m) for m in c.members], version=c.version,
                      closed_at=c.closed_at)


def _levels(regulation: Regulation, day: Any) -> list[LevelOut]:
    procedure = procedure_of(regulation, day)
    return [LevelOut(code=lv.code, name_vi=lv.name_vi, name_en=lv.name_en, scores=lv.scores,
                     recognises=sorted(lv.recognises)) for lv in procedure.levels]


def _round_out(r: Any) -> RoundOut:
    regulation = get_regulation(r.regulation)
    return RoundOut(id=r.id, regulation=r.regulation, procedure_from=r.procedure_from,
                    entry_level=entry_level(regulation, r.procedure_from),
                    levels=_levels(regulation, r.procedure_from), name=r.name,
                    configured_by=r.configured_by)


def _regulation_out(r: Regulation) -> RegulationOut:
    return RegulationOut(
        code=r.code, name_vi=r.name_vi, name_en=r.name_en, effective_from=r.effective_from,
        ceases_on=r.ceases_on, part_max=dict(r.part_max),
        bands=[BandOut(stars=b.stars, minimum=b.minimum, below=b.below, maximum=b.maximum)
               for b in r.bands],
        certifiable_from_stars=r.certifiable_from_stars, packaged_sheets=r.has_packaged_sheets,
        procedures=[ProcedureOut(
            effective_from=p.effective_from, ceases_on=p.ceases_on, amended_by=list(p.amended_by),
            levels=[LevelOut(code=lv.code, name_vi=lv.name_vi, name_en=lv.name_en, scores=lv.scores,
                             recognises=sorted(lv.recognises)) for lv in p.levels],
            escalations=[EscalationOut(from_level=e.from_level, to_level=e.to_level,
                                       min_score=e.min_score,
                                       fallback_recognition=e.fallback_recognition)
                         for e in p.escalations]) for p in r.procedures])


def _evaluation_fields(e: EvaluationRecord) -> dict[str, Any]:
    return dict(id=e.id, product_id=e.product_id, product_name=e.product_name, round_id=e.round_id,
                level=e.level, status=e.status, mean_score=e.mean_score, stars=e.stars,
                submission_id=e.submission_id, regulation=e.regulation,
                product_set_no=e.product_set_no, case=e.case, entity_name=e.entity_name,
                commune_code=e.commune_code, council_id=e.council_id, parent_id=e.parent_id,
                written_opinions=e.written_opinions)


def _criterion(c: Criterion) -> CriterionOut:
    return CriterionOut(code=c.code, name_vi=c.name_vi, max=c.max, note_vi=c.note_vi,
                        knockout=c.knockout,
                        options=[OptionOut(index=o.index, label_vi=o.label_vi, points=o.points,
                                           min_star=o.min_star, case_vi=o.case_vi) for o in c.options],
                        children=[_criterion(child) for child in c.children])


def _parts(product_set: ProductSet) -> list[PartOut]:
    return [PartOut(code=p.code, name_vi=p.name_vi, max=p.max,
                    criteria=[_criterion(c) for c in p.criteria]) for p in product_set.parts]


def _knockout_in(body: KnockOutIn | None) -> KnockOut | None:
    return KnockOut(body.criterion_code, body.reason.strip()) if body is not None else None


def _knockout_out(k: KnockOut | None) -> KnockOutOut | None:
    return KnockOutOut(criterion_code=k.criterion_code, reason=k.reason_vi) if k else None


def _my_sheet_out(s: member_sheets.MySheet) -> MySheetOut:
    sheet = s.sheet
    parts = s.running_parts
    return MySheetOut(evaluation_id=s.context.evaluation.id, member_id=s.member.member_id,
                      status="none" if sheet is None else sheet.status,
                      choices=dict(sheet.choices) if sheet else {},
                      knockout=_knockout_out(sheet.knockout if sheet else None),
                      running_total=sum(parts.values()), part_totals=parts, missing=s.missing,
                      total=sheet.total if sheet and sheet.submitted else None)


def _quorum(q: Any) -> QuorumOut:
    return QuorumOut(voting_members=q.voting_members, present=q.present, required=q.required,
                     chair_present=q.chair_present, chair_required=q.chair_required, met=q.met)


def _caps(result: CouncilResult, language: str) -> list[CapOut]:
    return [CapOut(criterion_code=c.criterion_code, mark_star=c.mark_star, capped_to=c.capped_to,
                   members_meeting=c.members_meeting, members_scoring=c.members_scoring,
                   message=c.message_en if language == "en" else c.message_vi) for c in result.caps]


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "vi"


def _sheet_file_out(r: SheetFileRecord) -> SheetFileOut:
    return SheetFileOut(id=r.id, regulation=r.regulation, filename=r.filename, sha256=r.sha256,
                        size=r.size, product_sets=r.product_sets, uploaded_by=r.uploaded_by,
                        uploaded_at=r.uploaded_at)


def _declaration_out(d: Declaration) -> DeclarationOut:
    return DeclarationOut(council_id=d.council_id, member_id=d.member_id, product_id=d.product_id,
                          reason=d.reason, declared_by=d.declared_by, declared_at=d.declared_at)
