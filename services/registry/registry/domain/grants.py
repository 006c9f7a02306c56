"""A grant the office makes: a person (by login) holds a role, maybe scoped to a commune, a
department or a showroom, until it is revoked. Its stream: granted (1), revoked (2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocop_shared.aggregate import Aggregate
from ocop_shared.contracts import AccessGranted, AccessRevoked
from ocop_shared.contracts.access_events import AccessGrantedPayload, AccessRevokedPayload
from ocop_shared.i18n import said

from .errors import DomainError


@dataclass
class Grant(Aggregate):
    id: str
    login: str
    role: str
    scope: str | None
    name: str
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    version: int = 0

    @classmethod
    def make(cls, grant_id: str, *, login: str, role: str, scope: str | None, name: str,
             by: str, at: datetime) -> Grant:
        grant = cls(id=grant_id, login=login, role=role, scope=scope, name=name, granted_by=by,
                    granted_at=at)
        grant.record(AccessGranted, AccessGrantedPayload(grant_id=grant_id, login=login,
                                                         role=role, scope=scope, granted_by=by))
        return grant

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, by: str, at: datetime) -> None:
        if self.revoked:
            raise DomainError(*said("registry.grant_was_already_revoked"))
        self.revoked_at, self.revoked_by = at, by
        self.record(AccessRevoked, AccessRevokedPayload(grant_id=self.id, revoked_by=by))
