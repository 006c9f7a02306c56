"""The development sign-in: pick a role and a name, get a development token in a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import forms
from ..problems import ApiProblem
from ..session import PERSONAS, TOKEN_COOKIE, identity_of
from ..web import PageDep

router = APIRouter()


@router.get("/sign-in")
async def sign_in_form(page: PageDep, next: str = "") -> Response:
    return page.render("signin.html", personas=list(PERSONAS), values={}, next=next)


@router.post("/sign-in")
async def sign_in(page: PageDep, request: Request) -> Response:
    form = await request.form()
    persona = forms.text(form, "persona")
    values = {k: forms.text(form, k) for k in ("persona", "subject", "name", "commune_code")}
    if persona not in PERSONAS:
        return page.render("signin.html", 422, personas=list(PERSONAS), values=values,
                           next=forms.text(form, "next"),
                           errors={"roles": page.t("signin.pick_role")})
    body = {"subject": values["subject"], "name": values["name"],
            "roles": list(PERSONAS[persona]),
            "commune_code": values["commune_code"] if persona == "commune" else None}
    try:
        issued = await page.api.post("/auth/dev-token", body)
    except ApiProblem as problem:
        if problem.status == 404:
            problem.detail = page.t("signin.disabled")
        return page.render("signin.html", 422, personas=list(PERSONAS), values=values,
                           next=forms.text(form, "next"), problem=problem)
    token = issued["access_token"]
    me = identity_of(token)
    target = forms.text(form, "next")
    if not target.startswith(page.shared.prefix + "/"):
        target = page.url(me.home if me else "/")
    response = page.redirect("/")
    response.headers["location"] = target
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="lax",
                        path=page.shared.prefix, max_age=12 * 3600)
    return response


@router.post("/sign-out")
async def sign_out(page: PageDep) -> Response:
    response = page.redirect("/")
    response.delete_cookie(TOKEN_COOKIE, path=page.shared.prefix)
    return response
