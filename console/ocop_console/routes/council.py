"""Council members: their evaluations and score sheets; the chair: the council view, finalising."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .. import forms
from ..downloads import pass_through
from ..problems import ApiProblem
from ..web import Page, PageDep

router = APIRouter()


def _refuse_server_errors(problem: ApiProblem) -> None:
    if problem.status >= 500 or problem.status == 401:
        raise problem


@router.get("/council")
async def my_evaluations(page: PageDep) -> Response:
    mine = await page.api.get("/scoring/my/evaluations", limit=200)
    return page.render("council_home.html", evaluations=mine["items"])


async def _evidence(page: Page, evaluation: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The producer's self-assessment (claims by criterion) and the product's documents."""
    dossier = await page.api.maybe(f"/registry/dossiers/{evaluation['submission_id']}")
    documents = await page.api.maybe(f"/registry/products/{evaluation['product_id']}/documents")
    claims = {c["criterion_code"]: c for c in ((dossier or {}).get("form02") or {})
              .get("claims", [])}
    return claims, documents or []


async def _sheet(page: Page, evaluation_id: str, status: int = 200,
                 problem: ApiProblem | None = None,
                 typed: dict[str, Any] | None = None) -> Response:
    sheet = await page.api.get(f"/scoring/evaluations/{evaluation_id}/sheet")
    evaluation = await page.api.get(f"/scoring/evaluations/{evaluation_id}")
    claims, documents = await _evidence(page, evaluation)
    chosen = dict(sheet["my_sheet"]["choices"])
    knockout = sheet["my_sheet"]["knockout"] or {}
    if typed is not None:
        chosen = typed["choices"]
        knockout = typed.get("knockout") or {}
    return page.render("sheet.html", status, sheet=sheet, evaluation=evaluation, claims=claims,
                       documents={d["id"]: d for d in documents}, all_documents=documents,
                       chosen=chosen, knockout=knockout, problem=problem,
                       readonly=sheet["my_sheet"]["status"] == "submitted"
                       or evaluation["status"] != "open")


@router.get("/council/evaluations/{evaluation_id}/sheet")
async def sheet_page(page: PageDep, evaluation_id: str) -> Response:
    return await _sheet(page, evaluation_id)


def _sheet_body(form: Any, sheet: dict[str, Any]) -> dict[str, Any]:
    codes = [c["code"] for c in forms.leaf_criteria(sheet["parts"])]
    body: dict[str, Any] = {"choices": forms.picked(form, "choices", codes)}
    reason = forms.text(form, "knockout.reason")
    if reason or forms.text(form, "knockout.criterion_code"):
        body["knockout"] = {"criterion_code": forms.optional(form, "knockout.criterion_code"),
                            "reason": reason}
    return body


@router.post("/council/evaluations/{evaluation_id}/sheet")
async def save_sheet(page: PageDep, evaluation_id: str, request: Request) -> Response:
    """Save the draft, or hand the sheet in (`action=submit`). Called by the page's script
    too (`X-Requested-With: fetch`), which wants the running total back as JSON."""
    form = await request.form()
    sheet = await page.api.get(f"/scoring/evaluations/{evaluation_id}/sheet")
    body = _sheet_body(form, sheet)
    submit = forms.text(form, "action") == "submit"
    background = request.headers.get("x-requested-with") == "fetch"
    try:
        if submit:
            sheet_state = await page.api.post(
                f"/scoring/evaluations/{evaluation_id}/sheet/submission",
                {"product_set_no": sheet["product_set_no"], **body})
        else:
            sheet_state = await page.api.put(f"/scoring/evaluations/{evaluation_id}/sheet", body)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        if background:
            return JSONResponse({"ok": False, "message": problem.detail,
                                 "fields": problem.fields}, status_code=422)
        return await _sheet(page, evaluation_id, 422, problem, body)
    if background:
        state = sheet_state.get("my_sheet", sheet_state) if isinstance(sheet_state, dict) else {}
        return JSONResponse({"ok": True, "message": page.t("sheet.saved"),
                             "running_total": state.get("running_total"),
                             "missing": len(state.get("missing") or [])})
    return page.redirect(f"/council/evaluations/{evaluation_id}/sheet",
                         ok="submitted" if submit else "saved")


async def _council_view(page: Page, evaluation_id: str, status: int = 200,
                        problem: ApiProblem | None = None,
                        values: dict[str, Any] | None = None) -> Response:
    view = await page.api.get(f"/scoring/evaluations/{evaluation_id}/council-view")
    evaluation = await page.api.get(f"/scoring/evaluations/{evaluation_id}")
    return page.render("council_view.html", status, view=view, evaluation=evaluation,
                       problem=problem, values=values or {},
                       blockers_now=problem.messages("blockers", page.language) if problem
                       else [])


@router.get("/council/evaluations/{evaluation_id}")
async def council_view(page: PageDep, evaluation_id: str) -> Response:
    return await _council_view(page, evaluation_id)


@router.post("/council/evaluations/{evaluation_id}/finalisation")
async def finalise(page: PageDep, evaluation_id: str, request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = {"decision_ref": forms.text(form, "decision_ref"),
                              "override_reason": forms.optional(form, "override_reason"),
                              "confirm_knockout": forms.checked(form, "confirm_knockout")}
    try:
        await page.api.post(f"/scoring/evaluations/{evaluation_id}/finalisation", values)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _council_view(page, evaluation_id, 422, problem, values)
    return page.redirect(f"/council/evaluations/{evaluation_id}", ok="finalised")


@router.get("/evaluations/{evaluation_id}/minutes")
async def minutes(page: PageDep, evaluation_id: str, format: str = "pdf") -> Response:
    return await pass_through(page.api, f"/scoring/evaluations/{evaluation_id}/minutes",
                              format=format)
