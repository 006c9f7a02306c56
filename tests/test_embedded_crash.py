"""Embedded mode survives SIGKILL at the worst moments: the chain completes exactly once.

The process kills itself (a named failpoint) right after a consumer committed its
database transaction but before it committed its log offset, or right after the
relay published but before it marked the outbox rows sent. After a restart the
event is delivered again, and the inbox makes the second delivery a no-op.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from helpers import COMMUNE_CHAU_DOC, OcopProcess, api, submit_product, tax_code, use_people, wait_until
from ocop_cli.api_client import GRANTS_REACH, ApiError
from ocop_cli.people import OFFICE_LOGIN, ProcessPeople
from ocop_shared.settings import Settings


async def record_result(client: httpx.AsyncClient, settings: Settings, product: str) -> None:
    ocop = api(client, settings)
    evaluation = await ocop.open_evaluation(product)
    await ocop.score_by_council(evaluation["id"], "64.00", "QĐ 45/QĐ-UBND")


def count(db: Path, sql: str, **params: object) -> int:
    engine = create_sync_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    engine.dispose()
    return int(value or 0)


# Over 60 lines: a kill, a restart and the checks that each event had its effect once.
@pytest.mark.parametrize("failpoint", [
    "consumer.after_db_commit:certification",
    "consumer.after_db_commit:trade",
    "relay.after_send:scoring",
])
async def test_killed_mid_chain_then_restarted_completes_exactly_once(
    tmp_path: Path, failpoint: str
) -> None:
    settings = Settings(data_dir=tmp_path)
    env = {"OCOP_DATA_DIR": str(tmp_path), "OCOP_LOG_JSON": "false"}
    process = OcopProcess([], env, tmp_path / "ocop.log")
    process.start()  # the office first: its grant must not be what the failpoint hits
    await process.wait_ready()
    people = ProcessPeople(settings, process.url)
    async with httpx.AsyncClient(base_url=process.url, timeout=10) as c:
        use_people(c, people)  # the grants first: every service copies them, and the
        ocop = api(c)  # failpoint must strike the chain, not the copying of a grant
        await ocop.office()
        await ocop.commune_officer(COMMUNE_CHAU_DOC)
        await ocop.until_known(f"xa-{COMMUNE_CHAU_DOC}@ocop.angiang.gov.vn", "commune_officer",
                               GRANTS_REACH)
    process.terminate()
    process.start({"OCOP_FAILPOINTS": failpoint})
    await process.wait_ready()
    try:
        async with httpx.AsyncClient(base_url=process.url, timeout=10) as c:
            use_people(c, people)
            ids = await submit_product(c, settings, registration_no=tax_code(41 + len(failpoint)))
            product = ids["product_id"]
            try:
                await record_result(c, settings, product)
                await api(c).decide_when_awaiting(product)  # the certificate, then trade's turn
            except (httpx.TransportError, ApiError):
                pass  # the process may already have died at its failpoint

        exit_code = await process.wait_exit(timeout=30)
        assert exit_code == -9, "the failpoint should have killed the process"

        process.start()  # no failpoint this time
        await process.wait_ready()
        office = await people.headers(OFFICE_LOGIN)
        async with httpx.AsyncClient(base_url=process.url, headers=office, timeout=10) as c:
            use_people(c, people)
            evaluations = (await c.get("/scoring/evaluations",
                                       params={"product_id": product})).json()
            if evaluations and evaluations[0]["status"] == "open":
                await record_result(c, settings, product)
            await api(c).decide_when_awaiting(product)  # the province signs its decision

            async def listed() -> bool:
                body = (await c.get("/trade/catalogs/province")).json()
                return any(e["product_id"] == product for e in body["entries"])

            await wait_until(listed, what="the catalog entry after restart")

            async def certified_in_registry() -> list[dict[str, str]] | None:
                body = (await c.get(f"/registry/products/{product}")).json()
                return body["timeline"] if body["status"] == "certified" else None

            timeline = await wait_until(certified_in_registry, what="the registry timeline")
    finally:
        process.terminate()

    assert count(tmp_path / "certification.sqlite3",
                 "SELECT count(*) FROM certificates WHERE product_id = :p", p=product) == 1
    assert count(tmp_path / "trade.sqlite3",
                 "SELECT count(*) FROM catalog_items WHERE product_id = :p", p=product) == 1
    assert count(tmp_path / "scoring.sqlite3",
                 "SELECT count(*) FROM evaluations WHERE product_id = :p", p=product) == 1
    assert count(tmp_path / "bus.sqlite3",
                 "SELECT count(*) FROM log WHERE topic = 'ocop.trade.catalog.v1'") == 1, (
        "one CatalogEntryAdded: the redelivered Certified had no second effect")
    assert [t["status"] for t in timeline].count("certified") == 1
