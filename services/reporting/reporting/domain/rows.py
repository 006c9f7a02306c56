"""What a report is made of: its rows, section by section, and the names the report shows for
entity types, levels and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ocop_shared.i18n import names_in

ENTITY_TYPES: dict[str, tuple[str, str]] = names_in(
    "reporting.entity_type", ("household", "enterprise", "cooperative", "cooperative_group", "other", "unknown"))

LEGAL_FORM_TYPE = {
    "household": "household",
    "enterprise_llc": "enterprise",
    "enterprise_jsc": "enterprise",
    "enterprise_private": "enterprise",
    "cooperative": "cooperative",
    "cooperative_group": "cooperative_group",
}

LEVELS: dict[str, tuple[str, str]] = names_in(
    "reporting.level", ("commune", "district", "province", "central"))

STATUS: dict[str, tuple[str, str]] = names_in(
    "reporting.status", ("recognised", "awaiting_decision", "pending_central", "forwarded", "not_recognised"))


def entity_type(legal_form: str | None) -> str:
    if legal_form is None:
        return "unknown"
    return LEGAL_FORM_TYPE.get(legal_form, "other")


@dataclass(frozen=True)
class StarRow:
    stars: int
    products: int
    recognised: int
    pending_central: int
    awaiting_decision: int = 0


@dataclass(frozen=True)
class GroupRow:
    category: str
    name_vi: str
    name_en: str
    evaluated: int
    three_plus: int
    stars: dict[str, int]


@dataclass(frozen=True)
class EntityTypeRow:
    entity_type: str
    name_vi: str
    name_en: str
    entities: int
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class CommuneRow:
    province_code: str
    commune_code: str
    entities: int
    evaluated: int
    three_plus: int
    commune_name: str = ""
    district_name: str = ""


@dataclass(frozen=True)
class DistrictRow:
    district_code: str
    district_name: str
    entities: int
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class FairRow:
    fair_id: str
    fair_name: str
    place: str
    starts_on: date
    ends_on: date
    products: int
    three_star: int
    four_star: int
    five_star: int


@dataclass(frozen=True)
class LevelRow:
    level: str
    name_vi: str
    name_en: str
    results: int
    recognised: int
    forwarded: int


@dataclass(frozen=True)
class RoundRow:
    round_id: str
    evaluated: int
    three_plus: int


@dataclass(frozen=True)
class ChangeRow:
    kind: str  # upgrade | rerating | expired | revoked | superseded | extended
    product_id: str
    product_name: str
    on: date
    detail: str


@dataclass(frozen=True)
class ShowroomRow:
    catalog_id: str
    products: int
    three_star: int
    four_star: int
    five_star: int


@dataclass(frozen=True)
class TargetRow:
    metric: str
    label_vi: str
    label_en: str
    target_min: float
    target_max: float | None
    actual: float
    met: bool
    note_vi: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class ProductRow:
    product_id: str
    product_name: str
    entity_name: str
    entity_type: str
    commune_code: str
    category: str
    round_id: str
    case: str
    level: str
    stars: int
    mean_score: Decimal
    status: str
    district_name: str = ""


@dataclass(frozen=True)
class Summary:
    evaluated: int
    three_plus: int
    share_three_plus: float
    entities: int
    national_evaluation: int
    upgrades: int
    reratings: int
    expiries: int
    revocations: int
    supersessions: int
    extensions: int
    products_in_showrooms: int = 0
    fairs: int = 0
    products_at_fairs: int = 0


@dataclass(frozen=True)
class Report:
    province: str
    year: int
    period: str
    period_name_vi: str
    period_name_en: str
    start: date
    end: date
    due: date
    generated_at: datetime
    plan_vi: str
    plan_en: str
    summary: Summary
    by_star: list[StarRow]
    by_group: list[GroupRow]
    by_entity_type: list[EntityTypeRow]
    by_commune: list[CommuneRow]
    by_level: list[LevelRow]
    by_round: list[RoundRow]
    changes: list[ChangeRow]
    showrooms: list[ShowroomRow]
    targets: list[TargetRow]
    products: list[ProductRow] = field(default_factory=list)
    by_district: list[DistrictRow] = field(default_factory=list)
    trend: list[RoundRow] = field(default_factory=list)
    fairs: list[FairRow] = field(default_factory=list)
