"""The provincial office: rounds, councils, evaluations, certificates, revocations, reports,
showrooms."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import forms
from ..downloads import pass_through
from ..problems import ApiProblem
from ..web import Page, PageDep

router = APIRouter(prefix="/office")

MEMBER_ROWS = 6
MEMBER_FIELDS = ("member_id", "name", "login", "role", "department")


def _refuse_server_errors(problem: ApiProblem) -> None:
    if problem.status >= 500 or problem.status == 401:
        raise problem


@router.get("")
async def office_home(page: PageDep) -> Response:
    cases = await page.api.get("/certification/revocation-cases", status="open")
    return page.render("office_home.html", open_cases=cases["items"] if isinstance(
        cases, dict) else cases)


# -- rounds -----------------------------------------------------------------------------------
async def _rounds(page: Page, status: int = 200, values: dict[str, Any] | None = None,
                  problem: ApiProblem | None = None) -> Response:
    return page.render("office_rounds.html", status, rounds=await page.api.get("/registry/rounds"),
                       values=values or {}, problem=problem)


@router.get("/rounds")
async def rounds(page: PageDep) -> Response:
    return await _rounds(page)


@router.post("/rounds")
async def create_round(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("id", "name", "opens_on", "closes_on")}
    body = {k: v or None for k, v in values.items()}
    try:
        await page.api.post("/registry/rounds", body)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        if not problem.fields and problem.status == 409:
            problem.fields["id"] = problem.detail
        return await _rounds(page, 422, values, problem)
    return page.redirect("/office/rounds", ok="round")


# -- councils ---------------------------------------------------------------------------------
async def _levels(page: Page) -> list[dict[str, str]]:
    """Council levels as the regulations define them (code, names), without repeats."""
    found: dict[str, dict[str, str]] = {}
    for regulation in (await page.api.get("/scoring/regulations"))["items"]:
        for procedure in regulation["procedures"]:
            for level in procedure["levels"]:
                found.setdefault(level["code"], level)
    return list(found.values())


async def _councils(page: Page, status: int = 200, values: dict[str, Any] | None = None,
                    problem: ApiProblem | None = None) -> Response:
    councils = await page.api.get("/scoring/councils")
    return page.render("office_councils.html", status, councils=councils["items"],
                       rounds=await page.api.get("/registry/rounds"), levels=await _levels(page),
                       values=values or {"level": "province"}, member_rows=range(MEMBER_ROWS),
                       problem=problem)


@router.get("/councils")
async def councils(page: PageDep) -> Response:
    return await _councils(page)


@router.post("/councils")
async def create_council(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: forms.text(form, k) for k in
                              ("round_id", "level", "name", "establishment_ref")}
    members = []
    for row in range(MEMBER_ROWS):
        member = {k: forms.text(form, f"members.{row}.{k}") for k in MEMBER_FIELDS}
        values.update({f"members.{row}.{k}": v for k, v in member.items()})
        if member["member_id"] or member["name"] or member["login"]:
            members.append({**member, "department": member["department"] or None})
    body = {k: values[k] or None for k in ("round_id", "level", "name", "establishment_ref")}
    body["members"] = members
    try:
        council = await page.api.post("/scoring/councils", body)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _councils(page, 422, values, problem)
    return page.redirect(f"/office/councils/{council['id']}", ok="council")


async def _council(page: Page, council_id: str, status: int = 200,
                   problem: ApiProblem | None = None, form_id: str = "",
                   values: dict[str, Any] | None = None) -> Response:
    council = await page.api.get(f"/scoring/councils/{council_id}")
    conflicts = await page.api.get(f"/scoring/councils/{council_id}/conflicts")
    evaluations = await page.api.get(f"/scoring/councils/{council_id}/evaluations")
    return page.render("office_council.html", status, council=council,
                       conflicts=conflicts["items"] if isinstance(conflicts, dict) else conflicts,
                       evaluations=evaluations["items"], problem=problem, form_id=form_id,
                       values=values or {})


@router.get("/councils/{council_id}")
async def council_page(page: PageDep, council_id: str) -> Response:
    return await _council(page, council_id)


@router.post("/councils/{council_id}/members")
async def put_member(page: PageDep, council_id: str, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in MEMBER_FIELDS}
    body = {"name": values["name"], "role": values["role"] or "member",
            "department": values["department"] or None, "login": values["login"] or None}
    try:
        await page.api.put(f"/scoring/councils/{council_id}/members/"
                           f"{quote(values['member_id'] or '-', safe='')}", body)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _council(page, council_id, 422, problem, "member", values)
    return page.redirect(f"/office/councils/{council_id}", ok="member")


@router.post("/councils/{council_id}/conflicts")
async def declare_conflict(page: PageDep, council_id: str, request: Request) -> Response:
    form = await request.form()
    values = {k: forms.text(form, k) for k in ("member_id", "product_id", "reason")}
    try:
        await page.api.post(f"/scoring/councils/{council_id}/conflicts", values)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _council(page, council_id, 422, problem, "conflict", values)
    return page.redirect(f"/office/councils/{council_id}", ok="conflict")


# -- evaluations ------------------------------------------------------------------------------
async def _evaluations(page: Page, status_filter: str, status: int = 200,
                       problem: ApiProblem | None = None, failed_id: str = "") -> Response:
    evaluations = await page.api.get("/scoring/evaluations", status=status_filter, limit=200)
    councils = (await page.api.get("/scoring/councils"))["items"]
    return page.render("office_evaluations.html", status, evaluations=evaluations,
                       councils=councils, status_filter=status_filter, problem=problem,
                       failed_id=failed_id)


@router.get("/evaluations")
async def evaluations(page: PageDep, status: str = "") -> Response:
    return await _evaluations(page, status)


@router.post("/evaluations/{evaluation_id}/council")
async def assign(page: PageDep, evaluation_id: str, request: Request) -> Response:
    form = await request.form()
    try:
        await page.api.put(f"/scoring/evaluations/{evaluation_id}/council",
                           {"council_id": forms.text(form, "council_id")})
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        problem.fields.setdefault("council_id", problem.detail)
        return await _evaluations(page, "", 422, problem, evaluation_id)
    return page.redirect("/office/evaluations", ok="assigned")


@router.get("/evaluations/{evaluation_id}")
async def evaluation_page(page: PageDep, evaluation_id: str) -> Response:
    evaluation = await page.api.get(f"/scoring/evaluations/{evaluation_id}")
    result = None
    if evaluation["status"] != "open":
        result = await page.api.maybe(f"/scoring/evaluations/{evaluation_id}/result")
    view = await page.api.maybe(f"/scoring/evaluations/{evaluation_id}/council-view")
    return page.render("office_evaluation.html", evaluation=evaluation, result=result, view=view)


# -- certificates and revocation --------------------------------------------------------------
@router.get("/certificates")
async def certificates(page: PageDep, status: str = "") -> Response:
    listed = await page.api.get("/certification/certificates", status=status, limit=200)
    return page.render("office_certificates.html", certificates=listed["items"],
                       status_filter=status,
                       statuses=await page.shared.enums.values("CertificateStatus"))


async def _certificate(page: Page, number: str, status: int = 200,
                       problem: ApiProblem | None = None,
                       values: dict[str, Any] | None = None) -> Response:
    verification = await page.api.get(f"/certification/verify/{quote(number, safe='')}")
    return page.render("office_certificate.html", status, cert=verification, problem=problem,
                       values=values or {}, grounds=range(1, 7))


@router.get("/certificates/{number}")
async def certificate(page: PageDep, number: str) -> Response:
    return await _certificate(page, number)


@router.post("/certificates/{number}/revocation")
async def revoke(page: PageDep, number: str, request: Request) -> Response:
    form = await request.form()
    grounds = [int(g) for g in form.getlist("grounds") if isinstance(g, str) and g.isdigit()]
    values: dict[str, Any] = {"grounds": grounds, "decision_no": forms.text(form, "decision_no"),
                              "reason": forms.text(form, "reason")}
    try:
        await page.api.post(f"/certification/certificates/{quote(number, safe='')}/revocation",
                            values)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _certificate(page, number, 422, problem, values)
    return page.redirect(f"/office/certificates/{quote(number, safe='')}", ok="revoked")


async def _cases(page: Page, status: int = 200, problem: ApiProblem | None = None,
                 failed_id: str = "", values: dict[str, Any] | None = None) -> Response:
    cases = await page.api.get("/certification/revocation-cases", limit=200)
    return page.render("office_cases.html", status, cases=cases["items"], problem=problem,
                       failed_id=failed_id, values=values or {}, today=date.today())


@router.get("/revocation-cases")
async def cases(page: PageDep) -> Response:
    return await _cases(page)


@router.post("/revocation-cases/{case_id}/{outcome}")
async def decide_case(page: PageDep, case_id: str, outcome: str, request: Request) -> Response:
    form = await request.form()
    if outcome == "decision":
        values: dict[str, Any] = {"decision_no": forms.text(form, "decision_no"),
                                  "note": forms.text(form, "note")}
    elif outcome == "dismissal":
        values = {"reason": forms.text(form, "reason")}
    else:
        return page.redirect("/office/revocation-cases")
    try:
        await page.api.post(f"/certification/revocation-cases/{case_id}/{outcome}", values)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return await _cases(page, 422, problem, case_id, values)
    return page.redirect("/office/revocation-cases", ok=outcome)


# -- reports ----------------------------------------------------------------------------------
@router.get("/reports")
async def reports(page: PageDep, year: int | None = None, period: str = "annual") -> Response:
    year = year or date.today().year
    try:
        report = await page.api.get(f"/reporting/reports/{year}/{period}")
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        return page.render("office_reports.html", 422, report=None, year=year, period=period,
                           problem=problem)
    return page.render("office_reports.html", report=report, year=year, period=period)


@router.get("/reports/{year}/{period}/file")
async def report_file(page: PageDep, year: int, period: str, format: str = "pdf") -> Response:
    return await pass_through(page.api, f"/reporting/reports/{year}/{period}",
                              format=format, lang=page.language)


# -- showrooms --------------------------------------------------------------------------------
async def _showrooms(page: Page, status: int = 200, problem: ApiProblem | None = None,
                     values: dict[str, Any] | None = None,
                     created: dict[str, Any] | None = None) -> Response:
    listed = await page.api.get("/trade/showrooms", limit=200)
    return page.render("office_showrooms.html", status, showrooms=listed["items"],
                       problem=problem, values=values or {}, created=created,
                       location_types=await page.shared.enums.values("LocationType"))


@router.get("/showrooms")
async def showrooms(page: PageDep) -> Response:
    return await _showrooms(page)


@router.post("/showrooms")
async def create_showroom(page: PageDep, request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: forms.text(form, k) for k in
                              ("id", "name", "location_type", "address", "commune_code",
                               "operator")}
    values["carries_all"] = forms.checked(form, "carries_all")
    body = {**values, "commune_code": values["commune_code"] or None,
            "location_type": values["location_type"] or None}
    try:
        created = await page.api.post("/trade/showrooms", body)
    except ApiProblem as problem:
        _refuse_server_errors(problem)
        if not problem.fields and problem.status == 409:
            problem.fields["id"] = problem.detail
        return await _showrooms(page, 422, problem, values)
    # The till key is shown once, on this answer only (the API does not show it again).
    return await _showrooms(page, 201, created=created)
