"""`ocop accounts create-admin | rotate-keys`: what an administrator does before anyone can
sign in, without going through the API (nobody is office staff yet).

- create-admin: the first office account. Embedded: an account in the platform's account
  store (the password is asked for) and its office grant. With Keycloak: the person's
  account lives in Keycloak (its administrators make it); this records the office grant for
  their e-mail. Either way the registry publishes the grant like any other, and it is on the
  audit trail as done by `ocop-cli:<os user>`.
- rotate-keys: the embedded issuer signs with a new key from now on (the old one keeps
  verifying until its tokens expire). Keycloak rotates its own keys (see docs/operations.md).
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console

from ocop_shared.auth.issuers import embedded_key_folder
from ocop_shared.auth.logins import InvalidLogin, login_key
from ocop_shared.db.engine import create_engine
from ocop_shared.db.migrations import upgrade
from ocop_shared.keyring import KeyRing
from ocop_shared.observability.refusals import refusal_of
from ocop_shared.settings import Mode, Settings

from .people import create_embedded_account, record_office_grant_in

app = typer.Typer(help="Accounts and keys of the people who sign in", no_args_is_help=True)
console = Console()


async def _registry_ready(settings: Settings) -> str:
    from registry.service import SPEC

    url = settings.database_url_for("registry")
    engine = create_engine(url, password=settings.database_password_for("registry"))
    try:
        await upgrade(engine, SPEC.migrations, "registry")
    finally:
        await engine.dispose()
    return url


@app.command("create-admin")
def create_admin(
    login: Annotated[str, typer.Option(help="E-mail address (or phone number) of the office member")],
    name: Annotated[str, typer.Option(help="Their name")] = "Văn phòng Điều phối OCOP",
    mode: Annotated[Mode | None, typer.Option(help="embedded (this machine's data) or kafka "
                                                   "(PostgreSQL); default: OCOP_MODE")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Embedded: read the "
                                                 "password from standard input")] = False,
) -> None:
    """Make someone provincial office staff; embedded: with an account of the platform's own."""
    settings = Settings() if mode is None else Settings(mode=mode)
    try:
        key = login_key(login)
    except InvalidLogin as error:
        console.print(f"[red]{error.vi} / {error.en}[/]")
        raise typer.Exit(2) from error
    by = f"ocop-cli:{getpass.getuser()}"
    if settings.embedded_identity:
        password = (sys.stdin.readline().rstrip("\n") if password_stdin else
                    typer.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True))
        try:
            asyncio.run(create_embedded_account(settings, key, name, password, by=by))
        except Exception as error:
            console.print(f"[red]{getattr(error, 'vi', error)} / {getattr(error, 'en', '')}[/]")
            raise typer.Exit(1) from error
    try:
        registry_url = asyncio.run(_registry_ready(settings))
        asyncio.run(record_office_grant_in(registry_url, key, name, by=by,
                                           password=settings.database_password_for("registry")))
    except Exception as error:  # the registry's database unreachable, or refusing us
        refused = refusal_of(error)
        why = f"{refused.system} refused ({refused.reason})" if refused else str(error).splitlines()[0]
        console.print(f"[red]Không ghi được vào cơ sở dữ liệu của registry / cannot write to the "
                      f"registry's database: {why}[/]", soft_wrap=True)
        raise typer.Exit(1) from error
    where = "the platform's account store" if settings.embedded_identity else settings.token_issuer()
    console.print(f"{login} là cán bộ Văn phòng OCOP tỉnh / is provincial office staff "
                  f"(sign in with {where})")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """The embedded issuer signs new tokens with a fresh key (older tokens keep verifying)."""
    from accounts.service_layer.keys import rotate

    settings = Settings()
    if not settings.embedded_identity:
        console.print("[red]Tokens come from the OIDC provider: rotate its keys there "
                      "(docs/operations.md)[/]")
        raise typer.Exit(2)
    ring = KeyRing.load_or_create(embedded_key_folder(settings.data_dir))
    kid = rotate(ring)
    console.print(f"Khóa ký mới / new signing key: {kid}; published keys: {', '.join(ring.key_ids)}")
