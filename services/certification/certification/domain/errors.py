"""Domain errors of the certification service: a rule was broken."""

from __future__ import annotations


class DomainError(Exception):
    """A certification rule was broken; carries a Vietnamese and an English message.

    `code` is a stable, machine-readable slug (e.g. ``illegal-transition``) that the
    service layer can map to an HTTP problem type.
    """

    code = "domain-rule"

    def __init__(self, vi: str, en: str, *, code: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        if code is not None:
            self.code = code


class IllegalTransition(DomainError):
    """The certificate's current status does not allow this change."""

    code = "illegal-transition"


class InvalidGrounds(DomainError):
    """Revocation grounds missing or outside 1-6 of Article 8."""

    code = "invalid-grounds"


class InvalidCertificate(DomainError):
    """Certificate data that cannot be issued (stars below 3, empty number, ...)."""

    code = "invalid-certificate"


class CaseClosed(DomainError):
    """The revocation case or inspection is already decided or dismissed."""

    code = "case-closed"
