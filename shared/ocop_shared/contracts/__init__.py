"""Event contracts: envelope, topics and the event catalogue."""

from . import topics
from .access_events import AccessGranted, AccessRevoked
from .audit_events import AuditRecorded
from .catalogue import EVENT_CLASSES, EVENTS_BY_TOPIC, UnknownEventType, read_event, read_header
from .certification_events import (
    CertificateExpired,
    CertificateExtended,
    CertificateRevoked,
    CertificateSuperseded,
    Certified,
    RecognitionDecided,
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
from .scoring_events import (
    CouncilAssigned,
    EvaluationClosed,
    EvaluationEscalated,
    EvaluationOpened,
    Scored,
)
from .trade_events import (
    CatalogEntryAdded,
    CatalogEntryRemoved,
    FairExhibitorRegistered,
    RemovalReason,
)

__all__ = [
    "EVENTS_BY_TOPIC",
    "EVENT_CLASSES",
    "AccessGranted",
    "AccessRevoked",
    "AuditRecorded",
    "CatalogEntryAdded",
    "CatalogEntryRemoved",
    "CertificateExpired",
    "CertificateExtended",
    "CertificateRevoked",
    "CertificateSuperseded",
    "Certified",
    "CouncilAssigned",
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
    "RecognitionDecided",
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
