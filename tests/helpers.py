"""Test helpers shared by the cross-service tests: clients, tokens, processes, polling."""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import zxingcpp
from PIL import Image

from ocop_cli.api_client import PDF, PNG, OcopClient  # noqa: F401  (re-exported for tests)
from ocop_cli.platform import make_app
from ocop_cli.sandbox import ROOT, SERVICE_NAMES, free_port  # noqa: F401  (re-exported for tests)
from ocop_cli.sandbox import ServiceProcess as OcopProcess  # noqa: F401
from ocop_shared.auth import Principal, Role, issue_token
from ocop_shared.clock import Clock
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings

T = TypeVar("T")


def token(settings: Settings, *roles: Role, subject: str = "tester",
          entity_ids: tuple[str, ...] = (), commune: str | None = None) -> dict[str, str]:
    principal = Principal(subject=subject, roles=frozenset(roles),
                          entity_ids=frozenset(entity_ids), commune_code=commune)
    return {"authorization": f"Bearer {issue_token(settings.jwt_secret, principal)}"}


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


@asynccontextmanager
async def running_platform(
    settings: Settings, names: list[str] | None = None, clock: Clock | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, list[ServiceRuntime]]]:
    """The platform (or some services) in this process, with an HTTP client bound to it."""
    app, runtimes = make_app(settings, names, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url()) as client:
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


def api(client: httpx.AsyncClient, settings: Settings) -> OcopClient:
    return OcopClient(client, settings.jwt_secret)


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
                    registration_no: str, mean_score: str = "72.50") -> dict[str, Any]:
    """Submit through the registry, then the province council scores it (members' sheets
    whose totals average `mean_score`, the chair finalises); returns the ids."""
    ids = await submit_product(client, settings, registration_no=registration_no)
    ocop = api(client, settings)
    evaluation = await ocop.open_evaluation(ids["product_id"])
    await ocop.score_by_council(evaluation["id"], mean_score, "QĐ 123/QĐ-UBND")
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
