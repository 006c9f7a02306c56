"""Who the office lets do what: grants recorded by the registry, known to every service.

A grant binds an identity key (``email:…``, ``phone:…``, ``sub:…`` or ``client:…``, see
`ocop_shared.auth.logins`) to a role and, for most roles, where it applies: a commune
(commune officers), a department (inspectors) or a showroom (showroom operators). Each
grant is an aggregate: granted (version 1), then revoked (version 2).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from . import topics
from .envelope import Envelope, Payload

GrantedRole = Literal["province_office", "commune_officer", "inspector", "showroom_operator"]


class AccessGrantedPayload(Payload):
    grant_id: str
    login: str = Field(description="Identity key of the person or client (e-mail, phone, "
                                   "subject or client id).",
                       json_schema_extra={"x-personal-data": "basic"})
    role: GrantedRole
    scope: str | None = Field(default=None, description="Commune code, department or showroom id "
                                                        "the role applies to (none for the office).")
    granted_by: str = Field(description="Subject of the office member who granted it.",
                            json_schema_extra={"x-personal-data": "basic"})


class AccessGranted(Envelope[AccessGrantedPayload]):
    """The office granted a role to a person (or to a department's system)."""

    topic: ClassVar[str] = topics.ACCESS
    type: Literal["AccessGranted"] = "AccessGranted"
    version: Literal[1] = 1


class AccessRevokedPayload(Payload):
    grant_id: str
    revoked_by: str = Field(description="Subject of the office member who revoked it.",
                            json_schema_extra={"x-personal-data": "basic"})


class AccessRevoked(Envelope[AccessRevokedPayload]):
    """The office withdrew a grant; it stops working everywhere at once."""

    topic: ClassVar[str] = topics.ACCESS
    type: Literal["AccessRevoked"] = "AccessRevoked"
    version: Literal[1] = 1
