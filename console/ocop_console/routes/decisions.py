"""The office's recognition decisions: the results awaiting one by round, the drafts to sign
(number, day, signer and the signed PDF), and the signed decisions with their certificates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from .. import forms
from ..problems import ApiProblem
from ..web import Page, PageDep

router = APIRouter(prefix="/office")

SIGNATURE_FIELDS = ("number", "signed_on", "signer_name", "signer_title")


async def _decisions(page: Page, status: int = 200, problem: ApiProblem | None = None,
                     failed_id: str = "", values: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None) -> Response:
    awaiting = await page.api.get("/certification/awaiting-decision")
    rounds: dict[str, list[dict[str, Any]]] = {}
    for row in awaiting:
        rounds.setdefault(row["round_id"], []).append(row)
    decisions = await page.api.get("/certification/recognition-decisions")
    undrafted = {r["evaluation_id"] for d in decisions if d["status"] == "draft" for r in d["items"]}
    to_draft = {round_id: rows for round_id, rows in rounds.items()
                if any(r["evaluation_id"] not in undrafted for r in rows)}
    return page.render("office_decisions.html", status, to_draft=to_draft,
                       drafts=[d for d in decisions if d["status"] == "draft"],
                       signed=[d for d in decisions if d["status"] == "signed"], problem=problem,
                       failed_id=failed_id, values=values or {}, errors=errors or {})


@router.get("/decisions")
async def decisions(page: PageDep) -> Response:
    return await _decisions(page)


@router.post("/decisions")
async def draft(page: PageDep, request: Request) -> Response:
    round_id = forms.text(await request.form(), "round_id")
    try:
        await page.api.post("/certification/recognition-decisions", {"round_id": round_id})
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return await _decisions(page, 422, problem, round_id)
    return page.redirect("/office/decisions", ok="drafted")


@router.post("/decisions/{decision_id}/signature")
async def sign(page: PageDep, decision_id: str, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in SIGNATURE_FIELDS}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _decisions(page, 422, None, decision_id, values,
                                {"file": page.t("decisions.choose_signed_pdf")})
    try:
        stored = (await page.api.request("POST", "/certification/evidence", files={
            "file": (upload.filename, await upload.read(), upload.content_type or "application/pdf")})).json()
        body = {k: v for k, v in values.items() if v} | {"document_sha256": stored["sha256"]}
        await page.api.post(f"/certification/recognition-decisions/{decision_id}/signature", body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return await _decisions(page, 422, problem, decision_id, values)
    return page.redirect("/office/decisions", ok="signed")
