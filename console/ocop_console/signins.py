"""How a person signs in to the console: a form in the embedded mode (the platform's own
account store), the OIDC provider's page in the distributed mode (authorization code with
PKCE, through Authlib's client), and how a session is renewed and ended either way."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from .api import Api
from .problems import ApiProblem

CONSOLE_CLIENT = "ocop-console"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    refresh_expires_in: int
    id_token: str | None = None


def _tokens(body: dict[str, Any]) -> Tokens:
    return Tokens(access_token=str(body["access_token"]), refresh_token=body.get("refresh_token"),
                  expires_in=int(body.get("expires_in", 300)),
                  refresh_expires_in=int(body.get("refresh_expires_in") or 8 * 3600),
                  id_token=body.get("id_token"))


class SessionEnded(Exception):
    """The session cannot be renewed: sign in again."""


class SignInFailed(Exception):
    """The provider did not accept this sign-in (a used, stale or forged code)."""


class ProviderUnavailable(Exception):
    """The identity provider does not answer."""


class EmbeddedSignIn:
    """The platform's own account store (`/auth/...`), through the same API client as the
    rest of the console."""

    redirect = False

    async def password(self, api: Api, login: str, password: str) -> Tokens:
        body = await api.post_form("/auth/token", {
            "grant_type": "password", "client_id": CONSOLE_CLIENT, "username": login,
            "password": password})
        return _tokens(body)

    async def demo(self, api: Api, login: str) -> Tokens:
        return _tokens(await api.post("/auth/demo/sign-in", {"login": login}))

    async def refresh(self, api: Api, refresh_token: str) -> Tokens:
        try:
            body = await api.post_form("/auth/token", {
                "grant_type": "refresh_token", "client_id": CONSOLE_CLIENT,
                "refresh_token": refresh_token})
        except ApiProblem as problem:
            raise SessionEnded() from problem
        return _tokens(body)

    async def sign_out(self, api: Api, refresh_token: str | None, id_token: str | None,
                       after: str) -> str | None:
        if refresh_token:
            try:
                await api.post("/auth/sign-out", {"refresh_token": refresh_token})
            except ApiProblem:
                pass  # an ended session is what we want anyway
        return None


@dataclass(frozen=True)
class Pending:
    """What the console keeps (signed, in a short-lived cookie) between sending the browser to
    the provider and its return."""

    state: str
    code_verifier: str
    nonce: str
    next: str


class OidcSignIn:
    """Keycloak (or any OpenID Connect provider): the browser signs in on its pages."""

    redirect = True

    def __init__(self, issuer: str, client_id: str, client_secret: str,
                 internal_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")  # as browsers reach it, and as its tokens name it
        self.internal = (internal_url or issuer).rstrip("/")  # as this process reaches it
        self.client_id = client_id
        self.client_secret = client_secret
        self._metadata: dict[str, Any] | None = None
        self._fetched_at = 0.0

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > 3600:
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    r = await client.get(f"{self.internal}/.well-known/openid-configuration")
                    r.raise_for_status()
                    self._metadata = r.json()
            except (httpx.HTTPError, ValueError) as error:
                raise ProviderUnavailable(str(error)) from error
                self._fetched_at = time.monotonic()
        return self._metadata

    def _browser_url(self, url: str) -> str:
        """An endpoint as the browser reaches it (compose: another host name than ours)."""
        return url.replace(self.internal, self.issuer, 1)

    def _server_url(self, url: str) -> str:
        """An endpoint as this process reaches it."""
        return url.replace(self.issuer, self.internal, 1)

    def _client(self, redirect_uri: str | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(client_id=self.client_id, client_secret=self.client_secret or None,
                                 redirect_uri=redirect_uri, scope="openid profile email",
                                 code_challenge_method="S256", timeout=15)

    async def start(self, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
        meta = await self.metadata()
        verifier = secrets.token_urlsafe(64)
        nonce = secrets.token_urlsafe(16)
        async with self._client(redirect_uri) as oauth:
            url, state = oauth.create_authorization_url(
                self._browser_url(meta["authorization_endpoint"]), code_verifier=verifier,
                nonce=nonce)
        return url, Pending(state=state, code_verifier=verifier, nonce=nonce, next=next_path)

    async def finish(self, redirect_uri: str, code: str, pending: Pending) -> Tokens:
        meta = await self.metadata()
        try:
            async with self._client(redirect_uri) as oauth:
                body = await oauth.fetch_token(self._server_url(meta["token_endpoint"]), code=code,
                                               code_verifier=pending.code_verifier,
                                               grant_type="authorization_code")
        except OAuthError as error:
            raise SignInFailed(str(error)) from error
        except httpx2.HTTPError as error:  # Authlib's HTTP client
            raise ProviderUnavailable(str(error)) from error
        return _tokens(dict(body))

    async def refresh(self, api: Api, refresh_token: str) -> Tokens:
        meta = await self.metadata()
        try:
            async with self._client() as oauth:
                body = await oauth.refresh_token(self._server_url(meta["token_endpoint"]),
                                                 refresh_token=refresh_token)
        except Exception as error:
            raise SessionEnded() from error
        return _tokens(dict(body))

    async def sign_out(self, api: Api, refresh_token: str | None, id_token: str | None,
                       after: str) -> str | None:
        """The provider's sign-out page (it ends its own session, then comes back to `after`)."""
        meta = await self.metadata()
        end = meta.get("end_session_endpoint")
        if not end:
            return None
        query = httpx.QueryParams({"client_id": self.client_id, "post_logout_redirect_uri": after,
                                   **({"id_token_hint": id_token} if id_token else {})})
        return f"{self._browser_url(end)}?{query}"


SignIn = EmbeddedSignIn | OidcSignIn
