"""Pages anyone may open: the start page, certificate verification, showroom catalogs."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import Response

from ..problems import ApiProblem
from ..web import PageDep

router = APIRouter()


@router.get("/")
async def home(page: PageDep) -> Response:
    return page.render("home.html")


@router.get("/verify")
async def verify_form(page: PageDep, number: str = "") -> Response:
    if number.strip():
        return page.redirect(f"/verify/{quote(number.strip(), safe='')}")
    return page.render("verify.html", result=None, number="", qr_text="")


@router.get("/verify/{number}")
async def verify(page: PageDep, number: str, t: str | None = None) -> Response:
    try:
        result = await page.api.get(f"/certification/verify/{quote(number, safe='')}", t=t)
    except ApiProblem as problem:
        if problem.status not in (404, 422):
            raise
        return page.render("verify.html", 404 if problem.status == 404 else 422, result=None,
                           number=number, qr_text="", errors={"number": problem.detail})
    return page.render("verify.html", result=result, number=number, qr_text="")


@router.post("/verify/qr")
async def verify_qr(page: PageDep, text: str = Form("")) -> Response:
    try:
        result = await page.api.post("/certification/verify-qr", {"text": text.strip()})
    except ApiProblem as problem:
        if problem.status not in (404, 422):
            raise
        message = problem.fields.get("text") or problem.detail
        return page.render("verify.html", 422, result=None, number="", qr_text=text,
                           errors={"text": message})
    return page.render("verify.html", result=result, number=result["number"], qr_text="")


@router.get("/catalogs/{catalog_id}")
async def catalog(page: PageDep, catalog_id: str) -> Response:
    body = await page.api.get(f"/trade/catalogs/{quote(catalog_id, safe='')}")
    return page.render("catalog.html", catalog=body)
