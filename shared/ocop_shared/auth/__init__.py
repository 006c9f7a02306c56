"""Who is calling and what they may do: tokens verified by the issuer's keys (JWKS), roles
from the records of the service that answers, the permission matrix in front of every route,
API keys for tills. The HTTP guard itself is `ocop_shared.auth.guard` (the edge's): importing
this package brings in no web framework."""

from .apikeys import api_key_matches, hash_api_key, new_api_key
from .logins import InvalidLogin, login_key
from .principal import Access, Principal
from .roles import GRANTED_ROLES, Role
from .tokens import TokenRejected, TokenVerifier, VerifiedToken

__all__ = [
    "GRANTED_ROLES",
    "Access",
    "InvalidLogin",
    "Principal",
    "Role",
    "TokenRejected",
    "TokenVerifier",
    "VerifiedToken",
    "api_key_matches",
    "hash_api_key",
    "login_key",
    "new_api_key",
]
