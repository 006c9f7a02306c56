"""The representative's sensitive data never reaches what the public, shops and tills read: a
product whose representative is a Khmer woman with a disability (recorded with her consent,
criterion 3.2) goes through to a certificate, a showroom and a till; the verification page and
QR check, the certificate PDF, the public catalog, the open-data feeds, the till's snapshot and
changes, the console's public pages and the certificate and catalog events say nothing of her
ethnicity, her disability or the criterion 3.2 answer."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from helpers import COMMUNE_CHAU_DOC, api, expect, running_platform, wait_until
from ocop_shared.contracts import topics
from ocop_shared.messaging.embedded import EmbeddedLog
from ocop_shared.settings import Settings

ROUND = "AG-2026-PUB"
# What must not show: her ethnicity and disability, in either language, and the 3.2 fact.
NEEDLES = ("khmer", "ethnic", "dân tộc thiểu số", "disab", "khuyết tật", "priority",
           "representative_", "ưu tiên")
# criterion 3.2 as such, not the digits inside a time or a number ("12:40:13.25", "73.2")
CRITERION_3_2 = re.compile(r"(?<![\d.])3\.2(?![\d])")


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [n for n in NEEDLES if n in lowered] + (["3.2"] if CRITERION_3_2.search(lowered) else [])


# Over 60 lines: every public page, feed and till read after one registration with sensitive data.
async def test_public_pages_feeds_and_tills_never_show_the_representatives_sensitive_data(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        ocop = api(client, settings)
        office = await ocop.office()
        await ocop.open_round(ROUND)
        entity_id = await ocop.register_entity(
            name="Cơ sở Mắm Tri Tôn", legal_form="household", registration_no="91A8012399",
            commune_code=COMMUNE_CHAU_DOC, representative_name="Néang Sa Phya",
            representative_female=True, representative_ethnicity="Khmer", representative_disabled=True,
            sensitive_data_consent={"given": True, "given_by": "Néang Sa Phya"})
        submitted = await ocop.submit_product_of(
            entity_id, entity_name="Cơ sở Mắm Tri Tôn", commune=COMMUNE_CHAU_DOC,
            product_name="Mắm cá lóc Tri Tôn", product_set_no=9, round_id=ROUND)
        key = expect(await client.post("/trade/showrooms", headers=office, json={
            "id": "tri-ton", "name": "Điểm bán OCOP Tri Tôn", "location_type": "trade_centre",
            "address": "Tri Tôn", "operator": "HTX Tri Tôn", "carries_all": True}), 201)["api_key"]
        evaluation = await ocop.open_evaluation(submitted.product_id)
        await ocop.score_by_council(evaluation["id"], "72.50", "QĐ 123/QĐ-UBND")
        await ocop.decide_when_awaiting(submitted.product_id)

        async def certificate() -> str | None:
            items = (await client.get("/certification/certificates", headers=office,
                                      params={"product_id": submitted.product_id})).json()["items"]
            return str(items[0]["number"]) if items else None

        number = await wait_until(certificate, what="the certificate")

        async def listed() -> bool:
            entries = (await client.get("/trade/catalogs/tri-ton")).json()["entries"]
            return any(e["product_id"] == submitted.product_id for e in entries)

        await wait_until(listed, what="the showroom's catalog")

        async def pdf() -> bytes | None:
            r = await client.get(f"/certification/certificates/{number}/pdf", follow_redirects=True)
            return r.content if r.status_code == 200 and r.content.startswith(b"%PDF") else None

        pages = PdfReader(io.BytesIO(await wait_until(pdf, what="the certificate's PDF"))).pages
        verified = expect(await client.get(f"/certification/verify/{number}"), 200)
        log = EmbeddedLog(tmp_path / "bus.sqlite3")  # what POS systems, marketplaces and webhooks get
        await log.open()

        async def relayed() -> list[Any] | None:  # the catalog's events follow the certificate's
            return await log.read(topics.CATALOG, 0) or None

        try:
            read = {topics.CATALOG: await wait_until(relayed, what="the catalog's events"),
                    **{topic: await log.read(topic, 0) for topic in (topics.CERTIFICATE, topics.FAIR)}}
        finally:
            await log.close()
        events = {topic: " ".join(m.value.decode() for m in found) for topic, found in read.items()}
        qr = next(json.loads(m.value)["payload"]["qr_text"] for m in read[topics.CERTIFICATE]
                  if json.loads(m.value)["type"] == "Certified")
        till = {"X-API-Key": key}
        snapshot = expect(await client.get("/trade/pos/tri-ton/catalog", headers=till), 200)
        shown = {
            "verification": str(verified),
            "QR check": str(expect(await client.post("/certification/verify-qr", json={"text": qr}), 200)),
            "certificate PDF": " ".join(p.extract_text() for p in pages),
            "catalog": (await client.get("/trade/catalogs/province")).text,
            "feed.json": (await client.get("/trade/feed.json")).text,
            "feed.csv": (await client.get("/trade/feed.csv")).text,
            "till snapshot": str(snapshot),
            "till changes": (await client.get("/trade/pos/tri-ton/changes", headers=till,
                                              params={"cursor": snapshot["cursor"]})).text,
            "console verification": (await client.get(f"/console/verify/{number}")).text,
            "console catalog": (await client.get("/console/catalogs/province")).text,
        }
        assert all(number in shown[where] for where in ("verification", "QR check", "certificate PDF",
                                                         "feed.csv", "till snapshot", "console verification")), \
            "what is public is there to read"
        shown.update(events)
        assert "Mắm cá lóc Tri Tôn" in shown[topics.CATALOG]
        found = {where: leaks(text) for where, text in shown.items() if leaks(text)}
        assert not found, f"the representative's sensitive data is public: {found}"
