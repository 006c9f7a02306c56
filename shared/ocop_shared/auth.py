"""Who is calling: JWT bearer tokens with roles for people, API keys for machines.

Every endpoint declares the roles that may call it with `require(...)`;
anybody else gets 403 problem+json. The development token issuer exists for
the demo and tests (`ocop token`, or POST /auth/dev-token when enabled).
"""


import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, Field

from .http.problems import Forbidden, Text, Unauthorized


class Role(StrEnum):
    ENTITY_USER = "entity_user"
    COMMUNE_OFFICER = "commune_officer"
    PROVINCE_OFFICE = "province_office"
    COUNCIL_MEMBER = "council_member"
    COUNCIL_CHAIR = "council_chair"
    INSPECTOR = "inspector"
    SHOWROOM_OPERATOR = "showroom_operator"
    POS_CLIENT = "pos_client"
    SERVICE = "service"


class Principal(BaseModel):
    subject: str
    name: str = ""
    roles: frozenset[Role] = Field(default_factory=frozenset)
    entity_ids: frozenset[str] = Field(default_factory=frozenset)
    commune_code: str | None = None
    showroom_id: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


ALGORITHM = "HS256"
ISSUER = "ocop-platform"


def issue_token(secret: str, principal: Principal, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.subject,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "entity_ids": sorted(principal.entity_ids),
        "commune_code": principal.commune_code,
        "showroom_id": principal.showroom_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER)
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized(Text("Phiên đăng nhập đã hết hạn", "The token has expired")) from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized(Text("Mã xác thực không hợp lệ", "The token is not valid")) from error
    return Principal(
        subject=claims["sub"],
        name=claims.get("name", ""),
        roles=frozenset(Role(r) for r in claims.get("roles", []) if r in Role._value2member_map_),
        entity_ids=frozenset(claims.get("entity_ids", [])),
        commune_code=claims.get("commune_code"),
        showroom_id=claims.get("showroom_id"),
    )


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def bearer_principal(secret: str) -> Callable[[Request], Awaitable[Principal]]:
    async def _principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                Text("Cần đăng nhập (Authorization: Bearer ...)",
                     "Authentication required (Authorization: Bearer ...)")
            )
        return read_token(secret, token)

    return _principal


class Guard:
    """Builds `require(...)` dependencies bound to one signing secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.principal = bearer_principal(secret)

    def require(self, *roles: Role) -> Any:
        principal_dep = self.principal

        async def _check(principal: Annotated[Principal, Depends(principal_dep)]) -> Principal:
            if roles and not principal.has(*roles):
                allowed = ", ".join(r.value for r in roles)
                raise Forbidden(
                    Text(f"Vai trò của bạn không được phép thực hiện thao tác này "
                         f"(cần: {allowed})",
                         f"Your role may not do this (needs one of: {allowed})")
                )
            return principal

        return Depends(_check)
