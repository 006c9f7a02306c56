"""`ocop login` / `ocop logout`: the command line signs in like any client of the identity
provider (the embedded account store, or Keycloak with its `ocop-cli` client) and keeps the
session in ~/.config/ocop/session.json (mode 0600) for the commands that call the APIs."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ocop_shared.settings import Settings

console = Console()
CLIENT_ID = "ocop-cli"


def session_file() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ocop" / "session.json"


async def endpoints(settings: Settings, base_url: str) -> tuple[str, str | None]:
    """Where to get tokens, and where to end the session (the provider's revocation endpoint;
    the embedded account store's sign-out)."""
    import httpx

    if settings.embedded_identity:
        return f"{base_url.rstrip('/')}/auth/token", f"{base_url.rstrip('/')}/auth/sign-out"
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{settings.token_issuer()}/.well-known/openid-configuration")
        r.raise_for_status()
        found = r.json()
        return str(found["token_endpoint"]), found.get("revocation_endpoint")


async def sign_in(endpoint: str, login: str, password: str) -> dict[str, Any]:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    async with AsyncOAuth2Client(client_id=CLIENT_ID, token_endpoint_auth_method="none",
                                 timeout=30) as oauth:  # a public client: its id in the body
        token = await oauth.fetch_token(endpoint, username=login, password=password,
                                        grant_type="password")
    return dict(token)


async def refreshed(endpoint: str, refresh_token: str) -> dict[str, Any]:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    async with AsyncOAuth2Client(client_id=CLIENT_ID, token_endpoint_auth_method="none",
                                 timeout=30) as oauth:
        token = await oauth.refresh_token(endpoint, refresh_token=refresh_token)
    return dict(token)


def save(session: dict[str, Any]) -> None:
    file = session_file()
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(session, handle)


async def access_token(base_url: str) -> str:
    """A valid access token of the saved session (renewed when it has expired)."""
    file = session_file()
    if not file.exists():
        raise LookupError("chưa đăng nhập: chạy `ocop login` / not signed in: run `ocop login`")
    session = json.loads(file.read_text())
    if session.get("base_url") != base_url:
        raise LookupError(f"phiên đăng nhập là của {session.get('base_url')} / the session is for "
                          f"{session.get('base_url')}: run `ocop login --url {base_url}`")
    if float(session.get("expires_at", 0)) - time.time() > 30:
        return str(session["access_token"])
    try:
        token = await refreshed(session["token_endpoint"], session["refresh_token"])
    except Exception as error:
        raise LookupError("phiên đăng nhập đã hết hạn: chạy `ocop login` / the session has "
                          "expired: run `ocop login`") from error
    session.update(access_token=token["access_token"], refresh_token=token.get(
        "refresh_token", session["refresh_token"]), expires_at=time.time() + float(token["expires_in"]))
    save(session)
    return str(session["access_token"])


def login(
    user: Annotated[str, typer.Option("--login", help="E-mail address or phone number")],
    url: Annotated[str | None, typer.Option(help="Platform base URL (default: this machine's)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from standard input")] = False,
) -> None:
    """Sign in (the password is asked for) and keep the session for the other commands."""
    import asyncio
    import sys

    settings = Settings()
    base = (url or settings.base_url()).rstrip("/")
    password = (sys.stdin.readline().rstrip("\n") if password_stdin
                else typer.prompt("Mật khẩu / password", hide_input=True))

    async def run() -> dict[str, Any]:
        endpoint, revocation = await endpoints(settings, base)
        token = await sign_in(endpoint, user, password)
        return {"base_url": base, "token_endpoint": endpoint, "revocation_endpoint": revocation,
                "login": user,
                "access_token": token["access_token"], "refresh_token": token.get("refresh_token"),
                "expires_at": time.time() + float(token.get("expires_in", 300))}

    try:
        session = asyncio.run(run())
    except Exception as error:
        console.print(f"[red]Đăng nhập không thành công / sign-in failed: {error}[/]")
        raise typer.Exit(1) from error
    save(session)
    console.print(f"Đã đăng nhập / signed in as {user} ({session_file()})")


def logout() -> None:
    """End the session at the identity provider, and forget it here."""
    import asyncio

    file = session_file()
    if file.exists():
        session = json.loads(file.read_text())
        try:
            asyncio.run(end_session(session))
        except Exception as error:  # offline: the session still ends here, and expires there
            console.print(f"[yellow]Chưa báo được cho máy chủ / could not tell the server: {error}[/]")
        file.unlink()
    console.print("Đã đăng xuất / signed out")


async def end_session(session: dict[str, Any]) -> None:
    import httpx

    endpoint, refresh = session.get("revocation_endpoint"), session.get("refresh_token")
    if not endpoint or not refresh:
        return
    async with httpx.AsyncClient(timeout=10) as client:
        if endpoint.endswith("/auth/sign-out"):  # the embedded account store
            r = await client.post(endpoint, json={"refresh_token": refresh})
        else:  # RFC 7009 token revocation (Keycloak ends the session with its refresh token)
            r = await client.post(endpoint, data={"token": refresh, "client_id": CLIENT_ID,
                                                  "token_type_hint": "refresh_token"})
        r.raise_for_status()


def token(url: Annotated[str | None, typer.Option(help="Platform base URL")] = None) -> None:
    """Print the signed-in session's access token (for curl: -H "Authorization: Bearer ...")."""
    import asyncio

    base = (url or Settings().base_url()).rstrip("/")
    try:
        typer.echo(asyncio.run(access_token(base)))
    except LookupError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error
