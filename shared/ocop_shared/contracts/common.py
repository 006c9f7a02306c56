"""Value types shared by several event payloads."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class LegalForm(StrEnum):
    COOPERATIVE = "cooperative"
    COOPERATIVE_GROUP = "cooperative_group"
    ENTERPRISE_LLC = "enterprise_llc"
    ENTERPRISE_JSC = "enterprise_jsc"
    ENTERPRISE_PRIVATE = "enterprise_private"
    FARM = "farm"
    HOUSEHOLD = "household"
    ASSOCIATION = "association"
    TOURISM_CENTRE = "tourism_centre"


class EvaluationCase(StrEnum):
    FIRST = "first"
    UPGRADE = "upgrade"
    RERATING = "rerating"


class Level(StrEnum):
    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"
    CENTRAL = "central"


class Department(StrEnum):
    """The departments (sở, ngành) whose inspectors check OCOP products and report findings."""

    HEALTH = "health"  # Sở Y tế (food safety)
    INDUSTRY_TRADE = "industry_trade"  # Sở Công Thương
    SCIENCE_TECHNOLOGY = "science_technology"  # Sở Khoa học và Công nghệ (quality, labels)
    AGRICULTURE_ENVIRONMENT = "agriculture_environment"  # Sở Nông nghiệp và Môi trường
    MARKET_SURVEILLANCE = "market_surveillance"  # Quản lý thị trường


class ValueModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Entity(ValueModel):
    entity_id: str
    name: str = Field(description="The entity's registered (business) name, as on its certificates.")
    legal_form: LegalForm
    commune_code: str
    province_code: str


class EntityFacts(_Entity):
    """What scoring needs to know about the producer (criteria 3.1 and 3.2): only the answer to
    criterion 3.2, never the facts behind it."""

    district_code: str | None = Field(
        default=None, description="The district-level unit of the commune on the day the dossier "
                                  "was submitted; none since the 2025 reform.")
    district_name: str | None = Field(
        default=None, max_length=100, description="Its name, e.g. 'Huyện Chợ Mới': a district "
                                                  "People's Committee recognised 3★ under 148.")

    representative_priority_group: bool = Field(
        default=False, json_schema_extra={"x-personal-data": "sensitive"},
        description="Criterion 3.2: the legal representative is a woman, an ethnic-minority "
                    "person or a person with disability (derived from sensitive data, recorded "
                    "with the representative's consent).")


class EntityFactsV1(_Entity):
    """The producer's facts in ProductSubmitted v1 (superseded): the representative's gender,
    ethnic-minority status and disability one by one."""

    representative_female: bool = Field(default=False, json_schema_extra={"x-personal-data": "basic"})
    representative_ethnic_minority: bool = Field(default=False,
                                                 json_schema_extra={"x-personal-data": "sensitive"})
    representative_disabled: bool = Field(default=False, json_schema_extra={"x-personal-data": "sensitive"})

    def current(self) -> EntityFacts:
        return EntityFacts(
            entity_id=self.entity_id, name=self.name, legal_form=self.legal_form,
            commune_code=self.commune_code, province_code=self.province_code,
            representative_priority_group=(self.representative_female
                                           or self.representative_ethnic_minority
                                           or self.representative_disabled))


class DocumentRef(ValueModel):
    kind: str = Field(description="Document kind, e.g. 'food_safety_certificate'.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    filename: str
    valid_until: str | None = Field(default=None, description="ISO date, if time-limited.")


class SelfAssessmentItem(ValueModel):
    criterion_code: str
    option_index: int = Field(ge=0)
    evidence: list[str] = Field(default_factory=list, description="sha256 of evidence files")
