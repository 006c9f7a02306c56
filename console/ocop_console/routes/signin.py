"""Signing in and out, and the account pages of the embedded account store (sign-up with a
code, password reset, accepting the office's invitation). With an OIDC provider, signing in
happens on its pages and these account pages are its own."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import forms
from ..cookies import clear_session, set_session
from ..problems import ApiProblem
from ..session import ID_TOKEN_COOKIE, REFRESH_COOKIE, identity_of
from ..signins import OidcSignIn, Pending, SignInFailed, Tokens
from ..web import Page, PageDep

router = APIRouter()
PENDING_COOKIE = "ocop_oidc"


def _target(page: Page, wanted: str, home: str = "/") -> str:
    """Only a page of this console (never another site: an open redirect)."""
    prefix = page.shared.prefix
    if wanted.startswith(prefix + "/") and not wanted.startswith("//"):
        return wanted
    return page.url(home)


async def _signed_in(page: Page, tokens: Tokens, wanted: str) -> Response:
    from ..api import Api

    api = Api(page.shared.client, tokens.access_token, page.language)
    me = await identity_of(api)
    response = RedirectResponse(_target(page, wanted, me.home if me else "/"), status_code=303)
    set_session(response, tokens, page.shared.prefix, page.shared.secure_cookies)
    return response


def _pending_signer(page: Page) -> URLSafeTimedSerializer:
    return page.shared.csrf.serializer("ocop-console-oidc")


def _callback_url(page: Page) -> str:
    return _console_url(page.request, page.shared.prefix, "/auth/callback")


def _console_url(request: Request, prefix: str, path: str) -> str:
    """An absolute address in the console, as the browser reached it (for the provider's
    redirects; not url_for: the console is mounted behind its security-headers middleware)."""
    return str(request.url.replace(path=f"{prefix}{path}", query="", fragment=""))


@router.get("/sign-in")
async def sign_in_form(page: PageDep, next: str = "", expired: str = "") -> Response:
    signin = page.shared.signin
    if isinstance(signin, OidcSignIn):
        url, pending = await signin.start(_callback_url(page), next)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(PENDING_COOKIE, _pending_signer(page).dumps(asdict(pending)),
                            max_age=600, path=page.shared.prefix, httponly=True,
                            secure=page.shared.secure_cookies, samesite="lax")
        return response
    return page.render("signin.html", values={}, next=next, expired=bool(expired),
                       demo_people=page.shared.demo_people)


@router.post("/sign-in")
async def sign_in(page: PageDep, request: Request) -> Response:
    form = await request.form()
    login, password = forms.text(form, "login"), forms.text(form, "password")
    wanted = forms.text(form, "next")
    signin = page.shared.signin
    if isinstance(signin, OidcSignIn):
        return page.redirect("/sign-in")
    try:
        tokens = await signin.password(page.api, login, password)
    except ApiProblem as problem:
        status = 429 if problem.status == 429 else 422
        return page.render("signin.html", status, values={"login": login}, next=wanted,
                           expired=False, demo_people=page.shared.demo_people, problem=problem)
    return await _signed_in(page, tokens, wanted)


@router.post("/sign-in/demo")
async def demo_sign_in(page: PageDep, request: Request) -> Response:
    form = await request.form()
    login = forms.text(form, "login")
    signin = page.shared.signin
    if isinstance(signin, OidcSignIn) or login not in {p for p, _ in page.shared.demo_people}:
        return page.redirect("/sign-in")
    try:
        tokens = await signin.demo(page.api, login)
    except ApiProblem as problem:
        return page.render("signin.html", 422, values={}, next="", expired=False,
                           demo_people=page.shared.demo_people, problem=problem)
    return await _signed_in(page, tokens, "")


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(page: PageDep, request: Request, code: str = "", state: str = "",
                        error: str = "") -> Response:
    signin = page.shared.signin
    raw = request.cookies.get(PENDING_COOKIE)
    if not isinstance(signin, OidcSignIn) or not raw or error or not code:
        return page.render("error.html", 400, message=page.t("signin.failed"))
    try:
        pending = Pending(**_pending_signer(page).loads(raw, max_age=600))
    except (BadSignature, TypeError):
        return page.render("error.html", 400, message=page.t("signin.failed"))
    if state != pending.state:  # not the sign-in this browser started
        return page.render("error.html", 400, message=page.t("signin.failed"))
    try:
        tokens = await signin.finish(_callback_url(page), code, pending)
    except SignInFailed:
        return page.render("error.html", 400, message=page.t("signin.failed"))
    response = await _signed_in(page, tokens, pending.next)
    response.delete_cookie(PENDING_COOKIE, path=page.shared.prefix)
    return response


@router.post("/sign-out")
async def sign_out(page: PageDep, request: Request) -> Response:
    after = _console_url(request, page.shared.prefix, "/")  # where the provider sends the browser back
    elsewhere = await page.shared.signin.sign_out(
        page.api, request.cookies.get(REFRESH_COOKIE), request.cookies.get(ID_TOKEN_COOKIE), after)
    response = (RedirectResponse(elsewhere, status_code=303) if elsewhere
                else page.redirect("/", ok="signed_out"))
    clear_session(response, page.shared.prefix)
    return response


# -- the embedded account store's own pages ----------------------------------------------------

async def _mailbox(page: Page, login: str) -> list[dict[str, str]]:
    """Development only: the code the platform would have sent (the demo has no mail server)."""
    if not login:
        return []
    try:
        return list(await page.api.get("/auth/demo/mailbox", to=login, limit=3))
    except ApiProblem:
        return []


@router.get("/account/sign-up")
async def sign_up_form(page: PageDep) -> Response:
    return page.render("account_signup.html", values={})


@router.post("/account/sign-up")
async def sign_up(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("login", "name")}
    try:
        await page.api.post("/auth/sign-up", {**values, "password": forms.text(form, "password")})
    except ApiProblem as problem:
        return page.render("account_signup.html", 422, values=values, problem=problem)
    return page.redirect("/account/verification", login=values["login"], ok="code_sent")


@router.get("/account/verification")
async def verification_form(page: PageDep, login: str = "") -> Response:
    return page.render("account_code.html", values={"login": login}, step="verification",
                       mailbox=await _mailbox(page, login))


@router.post("/account/verification")
async def verification(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("login", "code")}
    try:
        await page.api.post("/auth/verification", values)
    except ApiProblem as problem:
        return page.render("account_code.html", 422, values=values, step="verification",
                           mailbox=await _mailbox(page, values["login"]), problem=problem)
    return page.redirect("/sign-in", ok="verified")


@router.get("/account/password-reset")
async def reset_form(page: PageDep, login: str = "") -> Response:
    return page.render("account_code.html", values={"login": login}, step="reset",
                       mailbox=await _mailbox(page, login) if login else [])


@router.post("/account/password-reset")
async def reset(page: PageDep, request: Request) -> Response:
    form = await request.form()
    login = forms.text(form, "login")
    code = forms.text(form, "code")
    try:
        if not code:
            await page.api.post("/auth/password-reset", {"login": login})
            return page.redirect("/account/password-reset", login=login, ok="code_sent")
        await page.api.post("/auth/password-reset/confirmation", {
            "login": login, "code": code, "password": forms.text(form, "password")})
    except ApiProblem as problem:
        return page.render("account_code.html", 422, values={"login": login, "code": code},
                           step="reset", mailbox=await _mailbox(page, login), problem=problem)
    return page.redirect("/sign-in", ok="password_reset")


@router.get("/account/invitation")
async def invitation_form(page: PageDep, login: str = "") -> Response:
    return page.render("account_code.html", values={"login": login}, step="invitation",
                       mailbox=await _mailbox(page, login))


@router.post("/account/invitation")
async def invitation(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("login", "code", "name")}
    try:
        await page.api.post("/auth/invitation/acceptance",
                            {**values, "password": forms.text(form, "password")})
    except ApiProblem as problem:
        return page.render("account_code.html", 422, values=values, step="invitation",
                           mailbox=await _mailbox(page, values["login"]), problem=problem)
    return page.redirect("/sign-in", ok="invitation_accepted")
