"""The session's cookies: HttpOnly, SameSite=Lax, Secure over https, only under /console."""

from __future__ import annotations

from fastapi.responses import Response

from .session import ACCESS_COOKIE, ID_TOKEN_COOKIE, REFRESH_COOKIE, SESSION_COOKIES
from .signins import Tokens


def set_session(response: Response, tokens: Tokens, prefix: str, secure: bool) -> None:
    lifetime = max(tokens.refresh_expires_in, tokens.expires_in)
    for name, value in ((ACCESS_COOKIE, tokens.access_token), (REFRESH_COOKIE, tokens.refresh_token),
                        (ID_TOKEN_COOKIE, tokens.id_token)):
        if value:
            response.set_cookie(name, value, max_age=lifetime, path=prefix, httponly=True,
                                secure=secure, samesite="lax")


def clear_session(response: Response, prefix: str) -> None:
    for name in SESSION_COOKIES:
        response.delete_cookie(name, path=prefix)
