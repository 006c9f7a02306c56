"""Who is calling, and what the records of the service answering say they may do."""

from __future__ import annotations

from dataclasses import dataclass, field

from .roles import Role


@dataclass(frozen=True)
class Access:
    """What a service's records grant a set of identities: roles and where they apply."""

    roles: frozenset[Role] = frozenset()
    communes: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    showrooms: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()  # registry: the entities they registered or joined
    products: frozenset[str] = frozenset()  # registry: products their council evaluates now

    def __or__(self, other: Access) -> Access:
        return Access(self.roles | other.roles, self.communes | other.communes,
                      self.departments | other.departments, self.showrooms | other.showrooms,
                      self.entities | other.entities, self.products | other.products)


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str = ""
    identities: frozenset[str] = frozenset()
    access: Access = field(default_factory=Access)
    client_id: str | None = None

    @property
    def roles(self) -> frozenset[Role]:
        return self.access.roles

    @property
    def communes(self) -> frozenset[str]:
        return self.access.communes

    @property
    def departments(self) -> frozenset[str]:
        return self.access.departments

    @property
    def showrooms(self) -> frozenset[str]:
        return self.access.showrooms

    @property
    def entities(self) -> frozenset[str]:
        return self.access.entities

    @property
    def products(self) -> frozenset[str]:
        return self.access.products

    def has(self, *roles: Role) -> bool:
        return bool(self.access.roles.intersection(roles))

    def is_bound_to(self, identity_key: str | None) -> bool:
        """The record naming `identity_key` (a grant, a seat, a membership) is this caller's."""
        return identity_key is not None and identity_key in self.identities
