"""Request and response bodies of the scoring API."""

from __future__ import annotations

# Over 400 lines, yet only pydantic models, one per body of the OpenAPI: nothing to split by job.
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ocop_shared.http.dates import IsoDate, IsoDateTime
from ocop_shared.http.text import Code, Line, RecordId

MemberRole = Literal["chair", "member", "secretary"]


# ------------------------------------------------------------------ regulations, rounds


class LevelOut(BaseModel):
    code: str
    name_vi: str
    name_en: str
    scores: bool
    recognises: list[int]


class EscalationOut(BaseModel):
    from_level: str
    to_level: str
    min_score: Decimal | None
    fallback_recognition: bool


class ProcedureOut(BaseModel):
    effective_from: IsoDate
    ceases_on: IsoDate | None
    amended_by: list[str]
    levels: list[LevelOut]
    escalations: list[EscalationOut]


class BandOut(BaseModel):
    stars: int
    minimum: Decimal
    below: Decimal | None = Field(description="Exclusive upper bound (half-open band)")
    maximum: Decimal | None = Field(description="Inclusive upper bound (top band)")


class RegulationOut(BaseModel):
    code: str
    name_vi: str
    name_en: str
    effective_from: IsoDate
    ceases_on: IsoDate | None
    part_max: dict[str, int]
    bands: list[BandOut]
    certifiable_from_stars: int
    packaged_sheets: bool = Field(description="False: a province loads its own sheet file")
    procedures: list[ProcedureOut]


class RoundIn(BaseModel):
    regulation: Code = Field(default="26/2026/QĐ-TTg", examples=["1048/QĐ-TTg"])
    procedure_on: IsoDate | None = Field(
        default=None, description="Day whose procedure applies (e.g. 2024-05-01 for a 148 round "
                                  "with district councils); default: today's, or the last one")
    name: str | None = Field(default=None, max_length=200)


class RoundOut(BaseModel):
    id: str
    regulation: str
    procedure_from: IsoDate
    entry_level: str
    levels: list[LevelOut]
    name: str | None
    configured_by: str | None


# ------------------------------------------------------------------------------ councils


class MemberBody(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    login: str | None = Field(default=None, min_length=3, max_length=254, description=(
        "The e-mail address or phone number the member signs in with: the seat is theirs (no "
        "account needed yet). Required for a new member; left out, a member keeps theirs."))
    role: MemberRole = "member"
    department: str | None = Field(default=None, max_length=200)
    commune_code: str | None = Field(default=None, pattern=r"^[0-9A-Za-z\-]{2,10}$")
    entity_ids: list[RecordId] = Field(default_factory=list, max_length=100,
                                       description="Entities the member belongs to")
    supplies_entity_ids: list[RecordId] = Field(default_factory=list, max_length=100,
                                           description="Entities the member (or their firm) supplies")


class MemberIn(MemberBody):
    login: str = Field(min_length=3, max_length=254, description="The e-mail address or phone "
                       "number the member signs in with: the seat is theirs (no account needed yet)")
    member_id: str = Field(min_length=1, max_length=200,
                           description="The member's id within the council (e.g. so-cong-thuong)")


class MemberOut(MemberIn):
    pass


class CouncilIn(BaseModel):
    round_id: str = Field(min_length=1, max_length=60)
    level: Code = Field(default="province", examples=["province", "central", "district"])
    name: str = Field(min_length=3, max_length=300)
    establishment_ref: str | None = Field(default=None, max_length=200)
    quorum: str = Field(default="3/4", pattern=r"^[0-9]{1,3}/[0-9]{1,3}$")
    quorum_requires_chair: bool = True
    max_spread: Decimal = Field(default=Decimal(10), ge=0, le=100)
    required_departments: list[Line] = Field(default_factory=list, max_length=30)
    members: list[MemberIn] = Field(min_length=1, max_length=100)


class CouncilPatch(BaseModel):
    name: str | None = Field(default=None, min_length=3, max_length=300)
    establishment_ref: str | None = Field(default=None, max_length=200)
    quorum: str | None = Field(default=None, pattern=r"^[0-9]{1,3}/[0-9]{1,3}$")
    quorum_requires_chair: bool | None = None
    max_spread: Decimal | None = Field(default=None, ge=0, le=100)
    required_departments: list[Line] | None = Field(default=None, max_length=30)


class CouncilOut(BaseModel):
    id: str
    round_id: str
    level: str
    name: str
    establishment_ref: str | None
    quorum: str
    quorum_requires_chair: bool
    max_spread: Decimal
    required_departments: list[str]
    members: list[MemberOut]
    version: int
    closed_at: IsoDateTime | None = Field(default=None, description="When the council's work ended "
                                       "(its seats grant nothing since)")


class DeclarationIn(BaseModel):
    member_id: str = Field(min_length=1, max_length=200)
    product_id: str = Field(min_length=1, max_length=36)
    reason: str = Field(min_length=3, max_length=2000)


class DeclarationOut(BaseModel):
    council_id: str
    member_id: str
    product_id: str
    reason: str
    declared_by: str
    declared_at: IsoDateTime


class AssignmentIn(BaseModel):
    council_id: RecordId


class SheetFileOut(BaseModel):
    id: str
    regulation: str
    filename: str
    sha256: str
    size: int
    product_sets: list[int]
    uploaded_by: str
    uploaded_at: IsoDateTime


# --------------------------------------------------------------------------- evaluations


class EvaluationOut(BaseModel):
    id: str
    product_id: str
    product_name: str
    round_id: str
    level: str
    status: str
    mean_score: Decimal | None
    stars: int | None
    submission_id: str
    regulation: str
    product_set_no: int
    case: str
    entity_name: str
    commune_code: str
    council_id: str | None
    parent_id: str | None
    written_opinions: bool


class EvaluationDetailOut(EvaluationOut):
    decision_ref: str | None
    closed_reason: str | None
    sheet_source: str
    sheets_submitted: int
    decision: str | None


class MyEvaluationOut(BaseModel):
    id: str
    product_id: str
    product_name: str
    product_set_no: int
    regulation: str
    round_id: str
    level: str
    status: str
    council_id: str
    council_name: str
    my_role: MemberRole
    my_sheet: Literal["none", "draft", "submitted"]
    conflicted: bool
    conflicts: list[str]
    written_opinions: bool
    stars: int | None = Field(description="Shown once the council has finalised")
    mean_score: Decimal | None


class OptionOut(BaseModel):
    index: int
    label_vi: str
    points: int
    min_star: int | None = Field(description="This option is the minimum for that star (*** marks)")
    case_vi: str | None


class CriterionOut(BaseModel):
    code: str
    name_vi: str
    max: int
    note_vi: str | None
    knockout: bool = Field(description="Carries a knock-out rule (see note_vi)")
    options: list[OptionOut]
    children: list[CriterionOut]


class PartOut(BaseModel):
    code: str
    name_vi: str
    max: int
    criteria: list[CriterionOut]


class KnockOutIn(BaseModel):
    criterion_code: Code | None = Field(
        default=None, description="A criterion with a knock-out rule; null: the dossier disqualifiers")
    reason: str = Field(min_length=3, max_length=2000)


class KnockOutOut(BaseModel):
    criterion_code: str | None
    reason: str


class MySheetOut(BaseModel):
    evaluation_id: str
    member_id: str
    status: Literal["none", "draft", "submitted"]
    choices: dict[str, int]
    knockout: KnockOutOut | None
    running_total: int
    part_totals: dict[str, int]
    missing: list[str]
    total: int | None


class SheetOut(BaseModel):
    evaluation_id: str
    regulation: str
    product_set_no: int
    product_set_name: str
    sheet_source: str
    max_total: int
    disqualifiers_vi: list[str]
    parts: list[PartOut]
    my_sheet: MySheetOut


class DraftIn(BaseModel):
    choices: dict[str, int] = Field(default_factory=dict,
                                    description="criterion code -> option index (0-based)")
    knockout: KnockOutIn | None = None


class SubmissionIn(BaseModel):
    regulation: Code | None = Field(default=None, description="If given, must be the evaluation's")
    product_set_no: int | None = Field(default=None, description="If given, must be the product's")
    choices: dict[str, int] | None = Field(default=None, description="Replaces the draft if given")
    knockout: KnockOutIn | None = None


class MemberSheetOut(BaseModel):
    member_id: str
    name: str
    status: str
    choices: dict[str, int]
    knockout: KnockOutOut | None
    total: int | None
    part_totals: dict[str, int] | None
    submitted_at: IsoDateTime | None


class SheetVersionOut(BaseModel):
    version: int
    status: str
    saved_by: str
    saved_at: IsoDateTime
    choices: dict[str, int]
    changed: dict[str, list[int | None]] = Field(
        description="Criteria changed since the previous version: code -> [before, after]")
    knockout: dict[str, str | None] | None


class AttendanceIn(BaseModel):
    present: list[RecordId] = Field(max_length=100)


class QuorumOut(BaseModel):
    voting_members: int
    present: int
    required: int
    chair_present: bool
    chair_required: bool
    met: bool


class AttendanceOut(BaseModel):
    evaluation_id: str
    present: list[str]
    quorum: QuorumOut


class BlockerOut(BaseModel):
    kind: str
    message: str
    overridable: bool


class ConflictOut(BaseModel):
    kind: str
    reason: str


class MemberStatusOut(BaseModel):
    member_id: str
    name: str
    role: MemberRole
    department: str | None
    present: bool
    conflicts: list[ConflictOut]
    sheet: Literal["none", "draft", "submitted"]
    total: int | None
    part_totals: dict[str, int] | None
    knockout: KnockOutOut | None
    counted: bool


class CapOut(BaseModel):
    criterion_code: str
    mark_star: int
    capped_to: int
    members_meeting: int
    members_scoring: int
    message: str


class PreviewOut(BaseModel):
    mean_score: Decimal | None
    part_scores: dict[str, Decimal]
    band_stars: int | None
    stars: int | None
    caps: list[CapOut]
    capped_by: list[str]
    knocked_out: bool


class CouncilViewOut(BaseModel):
    evaluation_id: str
    council_id: str
    status: str
    written_opinions: bool
    quorum: QuorumOut
    members: list[MemberStatusOut]
    blockers: list[BlockerOut]
    can_finalise: bool
    needs_override: bool
    spread: Decimal | None
    max_spread: Decimal
    preview: PreviewOut | None
    result: dict[str, Any] | None


class RescoringIn(BaseModel):
    member_ids: list[RecordId] = Field(min_length=1, max_length=100,
                                       description="Members whose sheets go back to draft")


class RescoringOut(BaseModel):
    evaluation_id: str
    reopened: list[str]


class FinalisationIn(BaseModel):
    decision_ref: str = Field(min_length=1, max_length=200, examples=["BB 12/HĐ-OCOP ngày 15/11/2026"])
    override_reason: str | None = Field(
        default=None, max_length=2000,
        description="The chair's recorded reason to lift the spread rule or rule on a minority knock-out")
    confirm_knockout: bool = Field(default=False,
                                   description="With a reason: confirm a minority knock-out")


class FinalisationOut(BaseModel):
    evaluation_id: str
    decision: str
    stars: int | None
    mean_score: Decimal | None
    part_scores: dict[str, Decimal]
    band_stars: int | None
    caps: list[CapOut]
    capped_by: list[str]
    recognising: bool
    recognised_by: str | None
    escalated_to: str | None
    next_evaluation_id: str | None
    fallback_from: str | None
    closed_reason: str | None


class ResultOut(BaseModel):
    evaluation_id: str
    decision: str
    stars: int | None
    mean_score: Decimal | None
    finalised_by: str
    finalised_at: IsoDateTime
    minutes: dict[str, Any]


CriterionOut.model_rebuild()
