"""What the reporting projection knows: facts kept one per event, joined only when a report is built.

Events of different topics arrive in any order (an evaluation before the entity's registration,
a catalog change before the certificate), so nothing is derived on arrival: each fact is kept
under its natural key (re-delivery overwrites it with the same values) and a report is computed
from all of them at query time. A fact missing at that moment (e.g. the entity's legal form) shows
as "unknown" until its event arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from ocop_shared.clock import VIETNAM

LEVEL_ORDER = {"commune": 0, "district": 1, "province": 2, "central": 3}


def local_day(moment: datetime) -> date:
    """The day in Vietnam (UTC+7) of an event's `occurred_at`."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class EntityFact:
    entity_id: str
    legal_form: str
    commune_code: str
    province_code: str
    name: str = ""
    commune_name: str | None = None
    district_code: str | None = None  # none for units registered after the 2025 reform
    district_name: str | None = None


@dataclass(frozen=True)
class ProductFact:
    product_id: str
    entity_id: str
    name: str
    product_set_no: int
    commune_code: str
    province_code: str


@dataclass(frozen=True)
class SubmissionFact:
    submission_id: str
    product_id: str
    entity_id: str
    round_id: str
    case: str  # first | upgrade | rerating
    on: date


@dataclass(frozen=True)
class ScoreFact:
    """One council result (Scored) at one level."""

    evaluation_id: str
    product_id: str
    submission_id: str
    round_id: str
    case: str
    level: str
    stars: int
    mean_score: Decimal
    recognising: bool
    escalated_to: str | None
    product_name: str
    product_set_no: int
    entity_id: str
    entity_name: str
    commune_code: str
    province_code: str
    on: date
    at: datetime


@dataclass(frozen=True)
class RecognitionFact:
    """A council result the competent authority recognised by a signed decision
    (RecognitionDecided); until then a recognising result awaits its decision."""

    evaluation_id: str
    product_id: str
    decision_number: str
    signed_on: date


@dataclass(frozen=True)
class EscalationFact:
    evaluation_id: str
    product_id: str
    submission_id: str
    from_level: str
    to_level: str
    stars: int
    on: date


@dataclass(frozen=True)
class CertificateFact:
    """One thing that happened to a certificate: certified, revoked, expired, superseded, extended."""

    certificate_id: str
    kind: str
    product_id: str
    number: str
    on: date
    stars: int | None = None
    product_name: str = ""


@dataclass(frozen=True)
class ListingFact:
    """One numbered change of one catalog (CatalogEntryAdded / CatalogEntryRemoved)."""

    catalog_id: str
    catalog_version: int
    product_id: str
    listed: bool
    on: date
    product_name: str = ""
    stars: int | None = None


@dataclass(frozen=True)
class FairFact:
    """One product registered to exhibit at one fair."""

    fair_id: str
    product_id: str
    fair_name: str
    place: str
    starts_on: date
    ends_on: date
    product_name: str
    stars: int


@dataclass
class Facts:
    """Everything the projection holds, as read from its store."""

    entities: dict[str, EntityFact] = field(default_factory=dict)
    products: dict[str, ProductFact] = field(default_factory=dict)
    submissions: list[SubmissionFact] = field(default_factory=list)
    scores: list[ScoreFact] = field(default_factory=list)
    escalations: list[EscalationFact] = field(default_factory=list)
    recognitions: dict[str, RecognitionFact] = field(default_factory=dict)  # by evaluation
    certificates: list[CertificateFact] = field(default_factory=list)
    listings: list[ListingFact] = field(default_factory=list)
    fairs: list[FairFact] = field(default_factory=list)


# Any one fact, as a repository keeps it.
Fact = (EntityFact | ProductFact | SubmissionFact | ScoreFact | EscalationFact | RecognitionFact
        | CertificateFact | ListingFact | FairFact)


# Each fact's natural key: a fact with the same key replaces the one before (a re-delivery).
NATURAL_KEY: dict[type[Fact], tuple[str, ...]] = {
    EntityFact: ("entity_id",),
    ProductFact: ("product_id",),
    SubmissionFact: ("submission_id",),
    ScoreFact: ("evaluation_id",),
    EscalationFact: ("evaluation_id",),
    RecognitionFact: ("evaluation_id",),
    CertificateFact: ("certificate_id", "kind"),
    ListingFact: ("catalog_id", "catalog_version"),
    FairFact: ("fair_id", "product_id"),
}
