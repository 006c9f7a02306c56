"""A server that refuses this process — a wrong or rotated password, a revoked user, a missing
permission — is told apart from one that is down: the service says which credential was
refused and why, counts it (`ocop_auth_failures_total`), and waits for it to be fixed as it
waits out an outage, instead of exiting and being restarted in a loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .metrics import AUTH_FAILURES

log = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs: 28000 invalid authorization, 28P01 wrong password, 42501 no privilege
POSTGRES_REFUSALS = {"28000": "not authorized", "28P01": "wrong password",
                     "42501": "permission denied"}
S3_REFUSALS = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}


@dataclass(frozen=True)
class Refusal:
    system: str  # postgres, kafka, s3
    reason: str
    detail: str


def refusal_of(error: BaseException) -> Refusal | None:
    """The refusal `error` reports (anywhere in its chain of causes), if it is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _one(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return None


def _one(error: BaseException) -> Refusal | None:
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state in POSTGRES_REFUSALS:
        return Refusal("postgres", POSTGRES_REFUSALS[state], str(error))
    code = getattr(error, "code", None)
    if type(error).__name__ == "S3Error" and code in S3_REFUSALS:
        return Refusal("s3", str(code), str(error))
    name = type(error).__name__
    if name in ("AuthenticationFailedError", "IllegalSaslStateError", "UnsupportedSaslMechanismError"):
        return Refusal("kafka", "authentication failed", str(error))
    if name.endswith("AuthorizationFailedError"):  # Topic-, GroupAuthorization..., ClusterAuthorization...
        return Refusal("kafka", name.removesuffix("Error"), str(error))
    return None


def count(service: str, refusal: Refusal) -> None:
    AUTH_FAILURES.labels(service=service, system=refusal.system, reason=refusal.reason).inc()


class KafkaAuthenticationWatcher(logging.Handler):
    """aiokafka tells of a failed SASL authentication only in its log: its bootstrap and its
    reconnects catch the error and raise "Unable to bootstrap" without it. A service watches
    that log so a wrong or rotated password is said and counted like the other refusals.
    (Authorization refusals reach the caller as exceptions and are counted there.)"""

    MARKERS = ("SaslAuthenticationFailed", "Authentication failed during authentication")

    def __init__(self, service: str) -> None:
        super().__init__(logging.ERROR)
        self.service = service

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(marker in message for marker in self.MARKERS):
            refusal = Refusal("kafka", "authentication failed", message)
            count(self.service, refusal)
            log.error("%s: the broker refused this service (%s): %s; waiting for it to be fixed",
                      self.service, refusal.reason, refusal.detail)
