"""Producers (and the office acting for them): entities, products, evidence files, dossiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from .. import forms
from ..problems import ApiProblem
from ..web import Page, PageDep

router = APIRouter()

ENTITY_FIELDS = ("name", "legal_form", "registration_no", "commune_code", "address", "phone",
                 "email", "representative_name", "representative_position")


@router.get("/producer")
async def producer_home(page: PageDep) -> Response:
    entities = await page.api.get("/registry/entities")
    products = await page.api.get("/registry/products")
    return page.render("producer_home.html", entities=entities["items"],
                       products=products["items"])


async def _entity_form(page: Page, status: int = 200, values: dict[str, Any] | None = None,
                       problem: ApiProblem | None = None) -> Response:
    return page.render("entity_new.html", status, values=values or {}, problem=problem,
                       legal_forms=await page.shared.enums.values("LegalForm"))


@router.get("/producer/entities/new")
async def entity_form(page: PageDep) -> Response:
    return await _entity_form(page)


@router.post("/producer/entities/new")
async def entity_create(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = {name: forms.text(form, name) for name in ENTITY_FIELDS}
    values["representative_female"] = forms.checked(form, "representative_female")
    try:
        created = await page.api.post("/registry/entities", values)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return await _entity_form(page, 422, values, problem)
    return page.redirect("/producer/products/new", entity_id=created["id"], ok="entity")


async def _product_form(page: Page, status: int = 200, values: dict[str, Any] | None = None,
                        problem: ApiProblem | None = None) -> Response:
    entities = await page.api.get("/registry/entities")
    sets = await page.api.get("/registry/product-sets")
    return page.render("product_new.html", status, values=values or {}, problem=problem,
                       entities=entities["items"], product_sets=sets)


@router.get("/producer/products/new")
async def product_form(page: PageDep, entity_id: str = "") -> Response:
    return await _product_form(page, values={"entity_id": entity_id})


@router.post("/producer/products/new")
async def product_create(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {"entity_id": forms.text(form, "entity_id"), "name": forms.text(form, "name"),
              "product_set_no": forms.whole(form, "product_set_no"),
              "description": forms.text(form, "description")}
    try:
        created = await page.api.post("/registry/products", values)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return await _product_form(page, 422, values, problem)
    return page.redirect(f"/products/{created['id']}", ok="product")


async def _product_page(page: Page, product_id: str, status: int = 200,
                        problem: ApiProblem | None = None, errors: dict[str, str] | None = None,
                        form_id: str = "", values: Mapping[str, str] | None = None) -> Response:
    product = await page.api.get(f"/registry/products/{product_id}")
    documents = await page.api.get(f"/registry/products/{product_id}/documents")
    dossiers = await page.api.get(f"/registry/products/{product_id}/dossiers")
    rounds = await page.api.get("/registry/rounds")
    return page.render("product.html", status, problem=problem, errors=errors, product=product,
                       documents=documents, dossiers=dossiers, rounds=rounds,
                       kinds=await page.shared.enums.values("DocumentKind"),
                       cases=await page.shared.enums.values("EvaluationCase"),
                       values={**(values or {}), "form_id": form_id}, form_id=form_id)


@router.get("/products/{product_id}")
async def product_page(page: PageDep, product_id: str) -> Response:
    return await _product_page(page, product_id)


@router.post("/products/{product_id}/documents")
async def upload(page: PageDep, product_id: str, request: Request) -> Response:
    form = await request.form()
    upload = form.get("file")
    data = {k: forms.text(form, k) for k in ("kind", "valid_from", "valid_until", "replaces_id")}
    data = {k: v for k, v in data.items() if v}
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _product_page(page, product_id, 422, form_id="upload",
                                       errors={"file": page.t("upload.choose_file")}, values=data)
        content = await upload.read()
        await page.api.request(
            "POST", f"/registry/products/{product_id}/documents", data=data,
            files={"file": (upload.filename, content,
                            upload.content_type or "application/octet-stream")})
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 404:
            raise
        return await _product_page(page, product_id, 422, problem, form_id="upload", values=data)
    return page.redirect(f"/products/{product_id}", ok="uploaded")


@router.post("/products/{product_id}/dossiers")
async def start_dossier(page: PageDep, product_id: str, request: Request) -> Response:
    form = await request.form()
    body = {"case": forms.text(form, "case") or "first", "round_id": forms.text(form, "round_id")}
    try:
        dossier = await page.api.post(f"/registry/products/{product_id}/dossiers", body)
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        if not problem.fields:
            problem.fields["round_id" if problem.status == 404 else "case"] = problem.detail
        return await _product_page(page, product_id, 422, problem, form_id="dossier", values=body)
    return page.redirect(f"/dossiers/{dossier['id']}", ok="dossier")


@router.get("/documents/{document_id}")
async def document(page: PageDep, document_id: str) -> Response:
    link = await page.api.get(f"/registry/documents/{document_id}/download")
    return RedirectResponse(link["url"], status_code=303)
