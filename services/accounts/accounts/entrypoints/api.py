"""The embedded account store's HTTP API (`/auth`): sign-up, sign-in, sessions, resets,
invitations, and the issuer's discovery document and keys.

The token endpoint takes an OAuth 2 form (`grant_type=password` or `refresh_token`); its
errors are problem+json with the OAuth `error` code as a member.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request, Response

from ocop_shared.auth import Principal
from ocop_shared.auth.logins import InvalidLogin, login_key
from ocop_shared.errors import ApplicationError
from ocop_shared.http.pagination import Limit
from ocop_shared.http.problems import Problem, Text, TooManyRequests, Unauthorized, Unprocessable
from ocop_shared.http.routing import guard_of, runtime_of
from ocop_shared.http.text import Line
from ocop_shared.i18n import message
from ocop_shared.runtime import ServiceRuntime

from ..adapters.repository import AccountRepository
from ..domain.errors import (
    AccountError,
    AccountLocked,
    CannotDeliver,
    CodeRejected,
    InvalidCredentials,
    NotVerified,
    SessionEnded,
)
from ..service_layer import people, signin
from ..service_layer.context import Accounts
from .schemas import (
    Accepted,
    DemoSignInIn,
    InvitationIn,
    MailOut,
    MeOut,
    ResetConfirmationIn,
    ResetIn,
    SignOutIn,
    SignUpIn,
    TokenOut,
    VerificationIn,
)

CLIENTS = ("ocop-console", "ocop-cli")
T = TypeVar("T")


def problem_of(error: AccountError | InvalidLogin) -> ApplicationError:
    text = Text(error.vi, error.en)
    if isinstance(error, AccountLocked):
        return TooManyRequests(text, retry_after=error.retry_after)
    if isinstance(error, InvalidCredentials):
        return Problem(text, status=400, slug="invalid-credentials", error="invalid_grant")
    if isinstance(error, NotVerified):
        return Problem(text, status=403, slug="not-verified", error="invalid_grant")
    if isinstance(error, SessionEnded):
        return Problem(text, status=400, slug="session-ended", error="invalid_grant")  # RFC 6749 5.2
    if isinstance(error, CannotDeliver):
        return Problem(text, status=503 if error.field is None else 422, slug="cannot-deliver",
                       field=error.field)
    if isinstance(error, CodeRejected):
        return Unprocessable(text, field="code")
    return Unprocessable(text, field=getattr(error, "field", None))


async def answer(step: Callable[[], Awaitable[T]]) -> T:
    try:
        return await step()
    except (AccountError, InvalidLogin) as error:
        raise problem_of(error) from error


def tokens_out(tokens: signin.Tokens) -> TokenOut:
    return TokenOut(access_token=tokens.access_token, expires_in=tokens.expires_in,
                    refresh_token=tokens.refresh_token,
                    refresh_expires_in=tokens.refresh_expires_in, session_id=tokens.session_id)


SERVICE = "accounts"
Runtime = Annotated[ServiceRuntime, Depends(runtime_of(SERVICE))]
Caller = Annotated[Principal, Depends(guard_of(SERVICE))]


def accounts_of(request: Request) -> Accounts:
    found: Accounts = request.app.state.runtimes[SERVICE].state["accounts"]
    return found


Ctx = Annotated[Accounts, Depends(accounts_of)]
_guarded = [Depends(guard_of(SERVICE))]
router = APIRouter(prefix="/auth", tags=["auth"], dependencies=_guarded)
development_router = APIRouter(prefix="/auth", tags=["auth"], dependencies=_guarded)
demo_router = APIRouter(prefix="/auth", tags=["auth"], dependencies=_guarded)


@router.get("/.well-known/openid-configuration", summary="The issuer's discovery document")
async def discovery(ctx: Ctx) -> dict[str, Any]:
    return ctx.issuer.discovery()


@router.get("/jwks.json", summary="The issuer's public keys (JWKS): services verify tokens by them")
async def jwks(ctx: Ctx) -> dict[str, Any]:
    return ctx.issuer.jwks()


@router.post("/token", response_model=TokenOut,
             summary="Sign in (grant_type=password) or renew (grant_type=refresh_token); "
                     "429 with Retry-After after too many failures",
             responses={429: {"description": "Too many failed sign-ins for this login or from "
                                             "this address: wait Retry-After seconds"}})
async def token(request: Request, ctx: Ctx, grant_type: Annotated[str, Form(max_length=40)],
                client_id: Annotated[str, Form(max_length=60)] = "ocop-cli",
                username: Annotated[str, Form(max_length=254)] = "",
                password: Annotated[str, Form(max_length=128)] = "",
                refresh_token: Annotated[str, Form(max_length=200)] = "") -> TokenOut:
    if client_id not in CLIENTS:
        raise Problem(message("accounts.unknown_client"), status=400,
                      slug="invalid-client", error="invalid_client")
    if grant_type == "password":
        if not username or not password:
            raise Unprocessable(message("accounts.login_password_needed"),
                                field="username" if not username else "password")
        address = request.client.host if request.client else None
        return tokens_out(await answer(lambda: signin.sign_in(
            ctx, username, password, client_id=client_id, address=address)))
    if grant_type == "refresh_token":
        if not refresh_token:
            raise Unprocessable(message("accounts.refresh_token_missing"),
                                field="refresh_token")
        return tokens_out(await answer(lambda: signin.refresh(ctx, refresh_token)))
    raise Problem(message("accounts.grant_type_not_supported", grant_type=grant_type), status=400,
                  slug="unsupported-grant-type", error="unsupported_grant_type")


@router.post("/sign-out", status_code=204, summary="End the session of a refresh token")
async def sign_out(body: SignOutIn, ctx: Ctx) -> Response:
    await signin.sign_out(ctx, body.refresh_token)
    return Response(status_code=204)


@router.post("/sign-up", status_code=202, response_model=Accepted,
             summary="Create a producer's account; a code is sent to the e-mail or phone")
async def sign_up(body: SignUpIn, ctx: Ctx) -> Accepted:
    await answer(lambda: people.sign_up(ctx, body.login, body.name, body.password))
    return Accepted(message="Mã xác nhận đã được gửi / A code was sent")


@router.post("/verification", status_code=204, summary="Confirm a sign-up with its code")
async def verification(body: VerificationIn, ctx: Ctx) -> Response:
    await answer(lambda: people.verify(ctx, body.login, body.code))
    return Response(status_code=204)


@router.post("/password-reset", status_code=202, response_model=Accepted,
             summary="Send a reset code (answers alike whether or not the login exists)")
async def password_reset(body: ResetIn, ctx: Ctx) -> Accepted:
    await answer(lambda: people.request_reset(ctx, body.login))
    return Accepted(message="Nếu tài khoản tồn tại, mã đã được gửi / If the account exists, "
                            "a code was sent")


@router.post("/password-reset/confirmation", status_code=204,
             summary="Set a new password with the reset code (every session ends)")
async def password_reset_confirmation(body: ResetConfirmationIn, ctx: Ctx) -> Response:
    await answer(lambda: people.reset_password(ctx, body.login, body.code, body.password))
    return Response(status_code=204)


@router.post("/invitation/acceptance", status_code=204,
             summary="Accept the office's invitation: set a name and password with its code")
async def accept_invitation(body: InvitationIn, ctx: Ctx) -> Response:
    await answer(lambda: people.accept_invitation(ctx, body.login, body.code, body.name,
                                                  body.password))
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, summary="My account")
async def me(principal: Caller, runtime: Runtime) -> MeOut:
    async with runtime.uow() as uow:
        account = await uow.repository(AccountRepository).by_id(principal.subject)
    if account is None:
        raise Unauthorized(message("accounts.account_no_longer_exists"))
    return MeOut(subject=account.id, login=account.login, name=account.name,
                 status=account.status.value)


# -- development only (router_for leaves them out of production) ----------------------------
@development_router.get("/demo/mailbox", response_model=list[MailOut],
                        summary="Development only: the messages the platform would have sent")
async def mailbox(runtime: Runtime, to: Line | None = None, limit: Limit = 20) -> list[MailOut]:
    recipient = await answer(lambda: _key(to)) if to else None
    async with runtime.uow() as uow:
        rows = await uow.repository(AccountRepository).mailbox(recipient, limit)
    return [MailOut(recipient=r.recipient, subject=r.subject, body=r.body,
                    sent_at=r.sent_at.isoformat()) for r in rows]


@demo_router.post("/demo/sign-in", response_model=TokenOut,
                  summary="Development only: sign in as one of the demo's people, no password")
async def demo_sign_in(body: DemoSignInIn, ctx: Ctx) -> TokenOut:
    return tokens_out(await answer(lambda: signin.token_for(ctx, body.login,
                                                            client_id="ocop-console")))


def router_for(runtime: ServiceRuntime) -> APIRouter:
    """The routes this runtime serves: the development ones only outside production, the demo's
    sign-in only when the demo asks for it."""
    routes = APIRouter()
    routes.include_router(router)
    if runtime.settings.environment.value == "development":
        routes.include_router(development_router)
        if runtime.settings.demo_sign_in:
            routes.include_router(demo_router)
    return routes


async def _key(raw: str) -> str:
    return login_key(raw)
