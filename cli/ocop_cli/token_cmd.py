"""`ocop token` — a development token for calling the APIs by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from ocop_shared.auth import Principal, Role, issue_token
from ocop_shared.settings import Settings


def token(
    role: Annotated[list[Role], typer.Option("--role", help="Role(s) to put in the token")],
    subject: Annotated[str, typer.Option(help="Who the token is for")] = "dev",
    entity: Annotated[list[str] | None, typer.Option(help="Entity ids it may act for")] = None,
    commune: Annotated[str | None, typer.Option(help="Commune code")] = None,
    showroom: Annotated[str | None, typer.Option(help="Showroom id")] = None,
) -> None:
    """Print a signed development token (uses OCOP_JWT_SECRET)."""
    principal = Principal(subject=subject, roles=frozenset(role),
                          entity_ids=frozenset(entity or []), commune_code=commune,
                          showroom_id=showroom)
    typer.echo(issue_token(Settings().jwt_secret, principal))
