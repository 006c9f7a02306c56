"""The event catalogue: every event type, grouped by topic, and how to read one off the wire."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag, TypeAdapter

from . import topics
from .access_events import AccessGranted, AccessRevoked
from .audit_events import AuditRecorded
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
from .envelope import Envelope, EnvelopeHeader
from .inspection_events import InspectionReported
from .registry_events import (
    EntityRegistered,
    EntityRegisteredV1,
    ProductRegistered,
    ProductSubmitted,
    ProductSubmittedV1,
    SubmissionWithdrawn,
)
from .scoring_events import (
    CouncilAssigned,
    EvaluationClosed,
    EvaluationEscalated,
    EvaluationOpened,
    Scored,
)
from .trade_events import CatalogEntryAdded, CatalogEntryRemoved, FairExhibitorRegistered

EVENTS_BY_TOPIC: dict[str, tuple[type[Envelope[Any]], ...]] = {
    topics.ENTITY: (EntityRegisteredV1, EntityRegistered),
    topics.PRODUCT: (ProductRegistered, ProductSubmittedV1, ProductSubmitted, SubmissionWithdrawn),
    topics.EVALUATION: (EvaluationOpened, Scored, EvaluationClosed, EvaluationEscalated,
                        CouncilAssigned),
    topics.CERTIFICATE: (Certified, CertificateRevoked, CertificateExpired, CertificateSuperseded,
                         CertificateExtended, RerateWindowOpened, RerateReminder,
                         RevocationCaseOpened, RevocationCaseDismissed, RecognitionDecided),
    topics.INSPECTION_FINDING: (InspectionReported,),
    topics.CATALOG: (CatalogEntryAdded, CatalogEntryRemoved),
    topics.FAIR: (FairExhibitorRegistered,),
    topics.ACCESS: (AccessGranted, AccessRevoked),
    topics.AUDIT: (AuditRecorded,),
}

EVENT_CLASSES: dict[str, type[Envelope[Any]]] = {
    cls.event_key(): cls for classes in EVENTS_BY_TOPIC.values() for cls in classes
}


def _event_key(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('type')}.v{value.get('version')}"
    return str(value.event_key())


def topic_union(topic: str) -> Any:
    """The discriminated union (on `type` and `version`) of the events a topic carries."""
    classes = EVENTS_BY_TOPIC[topic]
    if len(classes) == 1:
        return classes[0]
    tagged = tuple(Annotated[cls, Tag(cls.event_key())] for cls in classes)
    return Annotated[Union[tagged], Discriminator(_event_key)]  # noqa: UP007


class UnknownEventType(Exception):
    """A well-formed envelope whose type/version this build does not know (a newer producer)."""


def read_header(raw: bytes) -> EnvelopeHeader:
    """Parse only the envelope header. Raises pydantic.ValidationError if malformed."""
    return EnvelopeHeader.model_validate_json(raw)


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def read_event(raw: bytes) -> Envelope[Any]:
    """Parse a complete event, as the newest version of its type (a superseded version is read
    by its own schema, then told as its successor). Raises ValidationError (malformed) or
    UnknownEventType."""
    header = read_header(raw)
    key = f"{header.type}.v{header.version}"
    cls = EVENT_CLASSES.get(key)
    if cls is None:
        raise UnknownEventType(key)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(cls)
    event: Envelope[Any] = adapter.validate_json(raw)
    return event.current()
