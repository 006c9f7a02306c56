"""Test helpers shared by the cross-service tests: clients, tokens, processes, polling."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import zxingcpp
from PIL import Image

from ocop_cli.api_client import PDF, PNG, OcopClient, expect, pdf_document  # noqa: F401  (re-exported for tests)
from ocop_cli.people import InProcessPeople, People
from ocop_cli.platform import make_app
from ocop_cli.sandbox import ROOT, SERVICE_NAMES, free_port  # noqa: F401  (re-exported for tests)
from ocop_cli.sandbox import ServiceProcess as OcopProcess  # noqa: F401
from ocop_shared.auth import Role
from ocop_shared.clock import Clock
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings

T = TypeVar("T")

# The people of each client's platform, and the client acting as the office and the people it
# grants roles to (grants are made once per platform).
_PEOPLE: dict[int, People] = {}
_CLIENTS: dict[int, OcopClient] = {}


_DEFAULT: list[People] = []  # the real-stack tests' sandbox: whichever client they open


def use_people(client: httpx.AsyncClient, people: People) -> None:
    _PEOPLE[id(client)] = people
    _CLIENTS.pop(id(client), None)


def default_people(people: People | None) -> None:
    """The people of clients no platform registered (a sandbox's processes on the real stack)."""
    _DEFAULT.clear()
    if people is not None:
        _DEFAULT.append(people)


def member_login(member_id: str) -> str:
    """The login of a council seat the tests make (the seat's member id, as an e-mail)."""
    return f"{member_id}@hoidong.test"


def producer_login(subject: str) -> str:
    return f"{subject}@chu-the.test"


async def as_role(client: httpx.AsyncClient, *roles: Role, subject: str = "tester",
                  entity_ids: tuple[str, ...] = (), commune: str | None = None,
                  showroom: str | None = None, department: str = "health") -> dict[str, str]:
    """Headers of someone the platform's records make `roles[0]`: the office; the officer of
    `commune`; the inspector of `department`; the operator of `showroom`; the holder of the
    council seat whose member id is `subject`; or the producer `subject`, made a member of
    `entity_ids` by the office. A token never carries a role: the records are made here."""
    ocop = api(client)
    role = roles[0] if roles else Role.ENTITY_USER
    if role is Role.PROVINCE_OFFICE:
        return await ocop.office()
    if role is Role.COMMUNE_OFFICER:
        return await ocop.commune_officer(commune or COMMUNE_CHAU_DOC)
    if role is Role.INSPECTOR:
        return await ocop.inspector(department)
    if role is Role.SHOWROOM_OPERATOR:
        assert showroom is not None, "a showroom operator operates a showroom"
        return await ocop.showroom_operator(showroom)
    if role in (Role.COUNCIL_MEMBER, Role.COUNCIL_CHAIR):
        return await ocop.person(member_login(subject), subject)
    login = producer_login(subject)
    for entity_id in entity_ids:
        expect(await client.post(f"/registry/entities/{entity_id}/members",
                                 headers=await ocop.office(), json={"login": login}), 201, 409)
    return await ocop.person(login, subject)


async def subject_of(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """The token subject behind `headers` (what records such as `uploaded_by` name)."""
    r = await client.get("/registry/access/me", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["subject"])


async def wait_until(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0,
                     interval: float = 0.1, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


@contextmanager
def acting_on(client: httpx.AsyncClient, people: People) -> Iterator[None]:
    """`client`'s people (who signs in) for `as_role` and `api`, while it is open."""
    use_people(client, people)
    try:
        yield
    finally:
        _PEOPLE.pop(id(client), None)
        _CLIENTS.pop(id(client), None)


@asynccontextmanager
async def running_platform(
    settings: Settings, names: list[str] | None = None, clock: Clock | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, list[ServiceRuntime]]]:
    """The platform (or some services) in this process, with an HTTP client bound to it."""
    app, runtimes = make_app(settings, names, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url()) as client:
            with acting_on(client, InProcessPeople(runtimes)):
                yield client, runtimes


@asynccontextmanager
async def serving(app: Any, port: int) -> AsyncIterator[None]:
    """`app` served by uvicorn on 127.0.0.1:`port` (its lifespan included) while open."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning"))
    served = asyncio.create_task(server.serve())
    while not server.started:
        if served.done():
            served.result()
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await served


@asynccontextmanager
async def served_platform(
    settings: Settings, names: list[str] | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, list[ServiceRuntime]]]:
    """Like `running_platform`, but served by uvicorn on a free port, for answers that stream
    (httpx's ASGI transport hands a response over only once it is complete)."""
    settings = settings.model_copy(update={"http_port": free_port()})
    app, runtimes = make_app(settings, names)
    async with serving(app, settings.http_port), \
            httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as client:
        with acting_on(client, InProcessPeople(runtimes)):
            yield client, runtimes


COMMUNE_CHAU_DOC = "30316"  # Phường Châu Đốc, An Giang (91), since 2025-07-01


def tax_code(seed: int) -> str:
    """A valid 10-digit enterprise tax code (the check digit computed) from a seed."""
    from registry.domain.validation import with_check_digit

    for n in range(seed, seed + 100):
        code = with_check_digit(f"{160_000_000 + n % 10_000_000:09d}")
        if code:
            return code
    raise AssertionError("no tax code")


def api(client: httpx.AsyncClient, settings: Settings | None = None) -> OcopClient:
    """The scenario's client acting on `client`'s platform (one per platform: grants once)."""
    found = _CLIENTS.get(id(client))
    if found is None:
        people = _PEOPLE.get(id(client)) or (_DEFAULT[0] if _DEFAULT else None)
        assert people is not None, "no platform (running_platform) nor sandbox (deployment) for this client"
        found = _CLIENTS[id(client)] = OcopClient(client, people)
    return found


async def open_round(client: httpx.AsyncClient, settings: Settings, round_id: str) -> None:
    await api(client, settings).open_round(round_id)


async def upload(client: httpx.AsyncClient, headers: dict[str, str], product_id: str, kind: str,
                 content: bytes, filename: str, valid_until: str | None = None) -> str:
    data = {"kind": kind, **({"valid_until": valid_until} if valid_until else {})}
    r = await client.post(f"/registry/products/{product_id}/documents", headers=headers,
                          data=data, files={"file": (filename, content)})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def submit_product(client: httpx.AsyncClient, settings: Settings, *, registration_no: str,
                         product_name: str = "Mắm cá linh Châu Đốc", product_set_no: int = 9,
                         round_id: str = "AG-2026-R2", commune: str = COMMUNE_CHAU_DOC,
                         legal_form: str = "cooperative") -> dict[str, str]:
    """The whole registry procedure: entity, product, evidence, Forms 01-03, forwarded."""
    ocop = api(client, settings)
    await ocop.open_round(round_id)
    done = await ocop.submit_new_product(
        registration_no=registration_no, entity_name="HTX Nông nghiệp Mắm Châu Đốc",
        legal_form=legal_form, commune=commune, product_name=product_name,
        product_set_no=product_set_no, round_id=round_id, representative_female=True)
    return {"entity_id": done.entity_id, "product_id": done.product_id,
            "dossier_id": done.dossier_id}


async def run_chain(client: httpx.AsyncClient, settings: Settings, *,
                    registration_no: str, mean_score: str = "72.50", decide: bool = True) -> dict[str, Any]:
    """Submit through the registry, then the province council scores it (members' sheets
    whose totals average `mean_score`, the chair finalises), and the province signs the
    recognition decision once the result reaches certification; returns the ids."""
    ids = await submit_product(client, settings, registration_no=registration_no)
    ocop = api(client, settings)
    evaluation = await ocop.open_evaluation(ids["product_id"])
    await ocop.score_by_council(evaluation["id"], mean_score, "QĐ 123/QĐ-UBND")
    if decide:
        await ocop.decide_when_awaiting(ids["product_id"])
    return {**ids, "evaluation_id": evaluation["id"]}


class PrefixRouter(httpx.AsyncBaseTransport):
    """Routes /registry/..., /scoring/... to each service's own process, like the gateway."""

    def __init__(self, urls: dict[str, str]) -> None:
        self._urls = urls
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        service = request.url.path.strip("/").split("/", 1)[0]
        target = httpx.URL(self._urls.get(service) or next(iter(self._urls.values())))
        request.url = request.url.copy_with(scheme=target.scheme, host=target.host,
                                            port=target.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def qr_codes_in(pdf: bytes) -> list[str]:
    """What the QR codes on a PDF's first page say, read off the page as poppler prints it at
    150 dpi: the code must scan on paper, whatever objects draw it."""
    png = subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", "-"], input=pdf,
                         capture_output=True, check=True, timeout=60).stdout
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def run_ocop(*args: str, data_dir: Path, stdin: str | None = None,
                   env: dict[str, str] | None = None) -> tuple[int, str]:
    """The `ocop` command as a person runs it: its exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocop_cli.main", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.PIPE,
        env={"OCOP_DATA_DIR": str(data_dir), "COLUMNS": "160", "PATH": "/usr/bin:/bin",
             "XDG_CONFIG_HOME": str(data_dir / "config"), "USER": "quan-tri",
             **{k: v for k, v in os.environ.items() if k == "OCOP_SECRETS_DIR"}, **(env or {})})
    output, _ = await process.communicate(stdin.encode() if stdin is not None else None)
    return process.returncode or 0, output.decode()
