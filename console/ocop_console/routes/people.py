"""The office's people: who may act as office staff, a commune's officer, a department's
inspector or a showroom's operator (the registry's grants), invited by e-mail or phone; and
the audit trail of who did what."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import forms
from ..downloads import pass_through
from ..problems import ApiProblem
from ..web import Page, PageDep

router = APIRouter(prefix="/office")
ROLES = ("province_office", "commune_officer", "inspector", "showroom_operator")


async def _page(page: Page, status: int = 200, values: dict[str, Any] | None = None,
                problem: ApiProblem | None = None) -> Response:
    grants = await page.api.get("/registry/access-grants", limit=200)
    return page.render("office_people.html", status, grants=grants["items"],
                       roles=[(r, page.t(f"people.role.{r}")) for r in ROLES],
                       values=values or {}, problem=problem)


@router.get("/people")
async def people(page: PageDep) -> Response:
    return await _page(page)


@router.post("/people")
async def grant(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("login", "name", "role", "scope")}
    try:
        await page.api.post("/registry/access-grants", {**values, "scope": values["scope"] or None})
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        if not problem.fields and problem.status == 409:
            problem.fields["login"] = problem.detail
        return await _page(page, 422, values, problem)
    return page.redirect("/office/people", ok="granted")


@router.post("/people/{grant_id}/revocation")
async def revoke(page: PageDep, grant_id: str) -> Response:
    await page.api.delete(f"/registry/access-grants/{grant_id}")
    return page.redirect("/office/people", ok="revoked_access")


# -- the audit trail --------------------------------------------------------------------------
AUDIT_FILTERS = ("person", "product_id", "entity_id", "certificate_number", "dossier_id", "since",
                 "until")


@router.get("/audit")
async def audit(page: PageDep) -> Response:
    wanted = {k: v for k, v in page.request.query_params.items() if k in AUDIT_FILTERS and v}
    found = await page.api.get("/reporting/audit", limit=100, **wanted)
    return page.render("office_audit.html", records=found["items"], total=found["total"])


@router.get("/audit.csv")
async def audit_csv(page: PageDep) -> Response:
    wanted = {k: v for k, v in page.request.query_params.items() if k in AUDIT_FILTERS and v}
    return await pass_through(page.api, "/reporting/audit", **wanted, format="csv")
