"""A dossier: Forms 01 and 02 (producer), filing, Form 03 (commune officer), what is missing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import forms
from ..problems import ApiProblem, rename_indexed
from ..web import Page, PageDep

router = APIRouter()

FORM01_TEXT = ("applicant", "representative", "representative_position", "address", "phone",
               "email", "product_name")
FORM02_TEXT = ("specification", "plan_results", "next_plan", "changes")
FORM03_TEXT = ("local_raw_materials", "local_labour", "idea_origin", "local_identity", "officer",
               "signed_on")


async def _criteria(page: Page, product: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.api.get(
        f"/registry/product-sets/{product['product_set_no']}/criteria")
    return found


async def _dossier_page(page: Page, dossier_id: str, status: int = 200,
                        problem: ApiProblem | None = None, form_id: str = "",
                        typed: dict[str, Any] | None = None) -> Response:
    dossier = await page.api.get(f"/registry/dossiers/{dossier_id}")
    product = await page.api.get(f"/registry/products/{dossier['product_id']}")
    documents = await page.api.get(f"/registry/products/{dossier['product_id']}/documents")
    criteria = await _criteria(page, product)
    form01 = dict(dossier["form01"] or {})
    form02 = dict(dossier["form02"] or {})
    form03 = dict(dossier["form03"] or {})
    claims = {c["criterion_code"]: c for c in form02.get("claims", [])}
    if typed is not None:  # show what the person typed, not what is stored
        {"form01": form01, "form02": form02, "form03": form03}[form_id].update(typed)
        if form_id == "form02":
            claims = {c["criterion_code"]: c for c in typed.get("claims", [])}
    me = page.me
    editable = dossier["status"] == "draft" and bool(me and me.has("producer",
                                                                      "province_office"))
    commune_turn = dossier["status"] == "awaiting_commune" and bool(
        me and me.has("commune_officer", "province_office"))
    return page.render("dossier.html", status, problem=problem, dossier=dossier, product=product,
                       documents=documents, criteria=criteria, form01=form01, form02=form02,
                       form03=form03, claims=claims, editable=editable,
                       commune_turn=commune_turn, form_id=form_id,
                       missing_now=problem.messages("missing", page.language) if problem else [])


@router.get("/dossiers/{dossier_id}")
async def dossier_page(page: PageDep, dossier_id: str) -> Response:
    return await _dossier_page(page, dossier_id)


async def _save(page: Page, dossier_id: str, form_id: str, method: str, path: str,
                body: dict[str, Any] | None, typed: dict[str, Any] | None = None,
                rename: list[str] | None = None, ok: str = "saved") -> Response:
    try:
        if method == "PUT":
            await page.api.put(path, body)
        else:
            await page.api.post(path, body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        if rename is not None:
            problem.fields = rename_indexed(problem.fields, "claims", rename)
        return await _dossier_page(page, dossier_id, 422, problem, form_id, typed)
    return page.redirect(f"/dossiers/{dossier_id}", ok=ok)


@router.post("/dossiers/{dossier_id}/form-01")
async def save_form01(page: PageDep, dossier_id: str, request: Request) -> Response:
    form = await request.form()
    body: dict[str, Any] = {name: forms.text(form, name) for name in FORM01_TEXT}
    body["samples"] = forms.whole(form, "samples")
    body["commitment"] = forms.checked(form, "commitment")
    return await _save(page, dossier_id, "form01", "PUT",
                       f"/registry/dossiers/{dossier_id}/form-01", body, body)


@router.post("/dossiers/{dossier_id}/form-02")
async def save_form02(page: PageDep, dossier_id: str, request: Request) -> Response:
    form = await request.form()
    dossier = await page.api.get(f"/registry/dossiers/{dossier_id}")
    product = await page.api.get(f"/registry/products/{dossier['product_id']}")
    codes = [c["code"] for c in await _criteria(page, product)]
    claims, order = forms.claims(form, codes)
    body: dict[str, Any] = {name: forms.text(form, name) for name in FORM02_TEXT}
    body["claims"] = claims
    return await _save(page, dossier_id, "form02", "PUT",
                       f"/registry/dossiers/{dossier_id}/form-02", body, body, rename=order)


@router.post("/dossiers/{dossier_id}/filing")
async def file_dossier(page: PageDep, dossier_id: str) -> Response:
    return await _save(page, dossier_id, "filing", "POST",
                       f"/registry/dossiers/{dossier_id}/filing", None, ok="filed")


@router.post("/dossiers/{dossier_id}/form-03")
async def save_form03(page: PageDep, dossier_id: str, request: Request) -> Response:
    form = await request.form()
    body: dict[str, Any] = {name: forms.text(form, name) for name in FORM03_TEXT}
    body["signed_on"] = body["signed_on"] or None
    return await _save(page, dossier_id, "form03", "PUT",
                       f"/registry/dossiers/{dossier_id}/form-03", body, body, ok="forwarded")
