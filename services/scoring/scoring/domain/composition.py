"""A council's make-up and who may score a product: composition (one chair, voting members, at
most one secretary, departments), the attendance quorum, and conflicts of interest. The rules
are told in `council`'s notes; `council.CouncilEvaluation` applies them to one product."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from ocop_shared.i18n import said

from .errors import InvalidComposition, UnknownMember

# --------------------------------------------------------------------- composition


class Role(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"
    SECRETARY = "secretary"


@dataclass(frozen=True)
class CouncilMember:
    member_id: str
    name: str
    role: Role = Role.MEMBER
    login: str | None = None  # identity key the member signs in with (email:..., phone:...)
    department: str | None = None  # the department / body the member represents
    commune_code: str | None = None  # commune the member comes from
    entity_ids: frozenset[str] = frozenset()  # OCOP entities the member belongs to or works for
    supplies_entity_ids: frozenset[str] = frozenset()  # entities the member (or their firm) supplies

    @property
    def votes(self) -> bool:
        """Chair and members score and count for the quorum; the secretary does neither."""
        return self.role is not Role.SECRETARY


@dataclass(frozen=True)
class CouncilRules:
    quorum: Fraction = Fraction(3, 4)
    quorum_requires_chair: bool = True
    max_spread: Decimal = Decimal(10)
    required_departments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Council:
    council_id: str
    level: str  # the evaluation level, e.g. "province"
    regulation_code: str
    members: tuple[CouncilMember, ...]
    rules: CouncilRules = field(default_factory=CouncilRules)

    def __post_init__(self) -> None:
        ids = [m.member_id for m in self.members]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidComposition(*said("scoring.members_listed_twice", duplicates=', '.join(duplicates)))
        chairs = [m for m in self.members if m.role is Role.CHAIR]
        if len(chairs) != 1:
            raise InvalidComposition(*said("scoring.council_has_exactly_one_chair_found", chairs=len(chairs)))
        if sum(1 for m in self.members if m.role is Role.SECRETARY) > 1:
            raise InvalidComposition(*said("scoring.council_has_at_most_one_secretary"))
        if not 0 <= self.rules.quorum <= 1:
            raise InvalidComposition(*said("scoring.quorum_fraction_must_0_1"))
        missing = sorted(self.rules.required_departments - self.departments)
        if missing:
            raise InvalidComposition(*said("scoring.departments_not_represented", missing=', '.join(missing)))

    @property
    def chair(self) -> CouncilMember:
        return next(m for m in self.members if m.role is Role.CHAIR)

    @property
    def secretary(self) -> CouncilMember | None:
        return next((m for m in self.members if m.role is Role.SECRETARY), None)

    @property
    def voting_members(self) -> tuple[CouncilMember, ...]:
        return tuple(m for m in self.members if m.votes)

    @property
    def departments(self) -> frozenset[str]:
        return frozenset(m.department for m in self.members if m.department)

    def member(self, member_id: str) -> CouncilMember:
        for m in self.members:
            if m.member_id == member_id:
                return m
        raise UnknownMember(*said("scoring.not_member_council_2", member_id=member_id,
                                  self_council_id=self.council_id), member=member_id)


@dataclass(frozen=True)
class QuorumCheck:
    voting_members: int
    present: int
    required: int
    chair_present: bool
    chair_required: bool

    @property
    def met(self) -> bool:
        return self.present >= self.required and (self.chair_present or not self.chair_required)


def check_quorum(council: Council, present: Iterable[str]) -> QuorumCheck:
    here = set(present)
    voting = council.voting_members
    return QuorumCheck(
        voting_members=len(voting),
        present=sum(1 for m in voting if m.member_id in here),
        required=math.ceil(council.rules.quorum * len(voting)),
        chair_present=council.chair.member_id in here,
        chair_required=council.rules.quorum_requires_chair,
    )


# ------------------------------------------------------------------------ conflicts


@dataclass(frozen=True)
class ProductUnderEvaluation:
    product_id: str
    entity_id: str
    commune_code: str
    regulation_code: str
    product_set_no: int
    supplier_entity_ids: frozenset[str] = frozenset()  # declared suppliers of the product


class ConflictKind(StrEnum):
    DECLARED = "declared"
    SAME_COMMUNE = "same_commune"
    SAME_ENTITY = "same_entity"
    SUPPLIER = "supplier"


@dataclass(frozen=True)
class Conflict:
    member_id: str
    kind: ConflictKind
    reason_vi: str
    reason_en: str


def find_conflicts(council: Council, product: ProductUnderEvaluation,
                   declared: Mapping[str, str] | None = None) -> tuple[Conflict, ...]:
    """Conflicts of interest for `product`; `declared` maps member id → the declared reason."""
    found: list[Conflict] = []
    for member_id, reason in (declared or {}).items():
        council.member(member_id)
        found.append(Conflict(member_id, ConflictKind.DECLARED, f"Tự khai: {reason}",
                              f"Declared: {reason}"))
    for m in council.members:
        if m.commune_code is not None and m.commune_code == product.commune_code:
            found.append(Conflict(m.member_id, ConflictKind.SAME_COMMUNE,
                                  f"Cùng xã với sản phẩm ({product.commune_code})",
                                  f"From the product's commune ({product.commune_code})"))
        if product.entity_id in m.entity_ids:
            found.append(Conflict(m.member_id, ConflictKind.SAME_ENTITY,
                                  f"Thuộc chủ thể OCOP {product.entity_id}",
                                  f"Belongs to the OCOP entity {product.entity_id}"))
        if product.entity_id in m.supplies_entity_ids or m.entity_ids & product.supplier_entity_ids:
            found.append(Conflict(m.member_id, ConflictKind.SUPPLIER,
                                  f"Là nhà cung cấp của chủ thể {product.entity_id}",
                                  f"Supplies the entity {product.entity_id}"))
    return tuple(found)
