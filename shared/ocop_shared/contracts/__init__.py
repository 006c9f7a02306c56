"""Event contracts: envelope, topics and the event catalogue."""

from . import topics
from .catalogue import EVENT_CLASSES, EVENTS_BY_TOPIC, UnknownEventType, read_event, read_header
from .certification_events import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    RerateReminder,
    RerateWindowOpened,
    RevocationCaseDismissed,
    RevocationCaseOpened,
)
from .envelope import Envelope, EnvelopeHeader, Payload
from .inspection_events import InspectionReported
from .registry_events import (
    EntityRegistered,
    ProductRegistered,
    ProductSubmitted,
    SubmissionWithdrawn,
)
from .scoring_events import EvaluationClosed, EvaluationEscalated, EvaluationOpened, Scored
from .trade_events import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    FairExhibitorRegistered,
    RemovalReason,
)

__all__ = [
    "EVENTS_BY_TOPIC",
    "EVENT_CLASSES",
    "CatalogEntryAdded",
    "CatalogEntryRemoved",
    "CertificateExpired",
    "CertificateExtended",
    "CertificateRevoked",
    "CertificateSuperseded",
    "Certified",
    "EntityRegistered",
    "Envelope",
    "EnvelopeHeader",
    "EvaluationClosed",
    "EvaluationEscalated",
    "EvaluationOpened",
    "FairExhibitorRegistered",
    "InspectionReported",
    "Payload",
    "ProductRegistered",
    "ProductSubmitted",
    "RemovalReason",
    "RerateReminder",
    "RerateWindowOpened",
    "RevocationCaseDismissed",
    "RevocationCaseOpened",
    "Scored",
    "SubmissionWithdrawn",
    "UnknownEventType",
    "read_event",
    "read_header",
    "topics",
]
