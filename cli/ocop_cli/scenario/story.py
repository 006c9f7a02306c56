"""The An Giang scenario told through the platform's HTTP APIs, on business time.

Every step is an API call a person or a till would make (register, upload, file, Form 03,
council sheets member by member, finalise, revoke, sync a POS till); events carry the dates
of a clock the story moves from 2020 to 2026. Before moving it, the story waits until every
service has published and consumed everything, so each effect keeps the date it happened on.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from ocop_shared.clock import ManualClock
from registry.adapters.admin_units_loader import packaged_admin_units

from ..api_client import OcopClient, expect, poll
from ..pos_client import LocalList, PosClient
from . import an_giang as ag
from .cast import AN_GIANG, Cast2026
from .sheets import sheet_file

T = TypeVar("T")


class Steps(Protocol):
    """Where the story reports progress (a progress bar in the CLI, nothing in tests)."""

    def start(self, label: str, total: int) -> Callable[[], None]: ...


class QuietSteps:
    def start(self, label: str, total: int) -> Callable[[], None]:
        return lambda: None


def round_of(round_id: str) -> tuple[str, str, str, str]:
    """A round's name, regulation and dates; another province's 2026 round is An Giang's twin."""
    return ag.ROUNDS.get(round_id) or ag.ROUNDS[ag.R2026]


def at(day: str, hour: int = 9) -> datetime:
    """A business moment: `day` at `hour` o'clock in Vietnam (UTC+7)."""
    return datetime.combine(date.fromisoformat(day), time(hour - 7), tzinfo=UTC)


@dataclass
class Filed:
    entry: ag.Entry
    product_id: str
    evidence: dict[str, str]
    index: int


@dataclass
class StoryResult:
    catalog: dict[str, Any]
    pos_before: list[str]
    pos_removed: list[str]
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    issuers_2023: dict[str, tuple[int, str]] = field(default_factory=dict)  # product: (stars, issuer)
    issuers_2026: dict[str, tuple[int, str]] = field(default_factory=dict)
    revoked_by: str = ""  # who decided 2026's revocation


class Story:
    def __init__(self, ocop: OcopClient, clock: ManualClock, settle: Callable[[], Awaitable[None]],
                 base_url: str, out_dir: Path, steps: Steps | None = None, parallel: int = 3,
                 small: bool = False, till_transport: httpx.AsyncBaseTransport | None = None,
                 cast: Cast2026 = AN_GIANG) -> None:
        self.ocop = ocop
        self.http = ocop.http
        self.clock = clock
        self.settle = settle
        self.base_url = base_url
        self.out_dir = out_dir
        self.steps = steps or QuietSteps()
        self.parallel = parallel
        self.small = small  # a shorter story (the real-stack test): 2026 only
        self.till_transport = till_transport  # how the till reaches the platform (default: HTTP)
        self.units = packaged_admin_units()
        self.cast = cast  # 2026's producers, products, showrooms: the configured province's
        self.producers = {p.key: p for p in (*ag.PRODUCERS_2020, *ag.PRODUCERS_2021, *cast.producers)}
        self.entity_ids: dict[str, str] = {}
        self.filed: dict[str, Filed] = {}  # by product name
        self._entity_locks: dict[str, asyncio.Lock] = {}
        self._counter = itertools.count(1)
        self.issuers_2023: dict[str, tuple[int, str]] = {}
        self.issuers_2026: dict[str, tuple[int, str]] = {}
        self.revoked_by = ""

    # -- the plot ----------------------------------------------------------------------------

    async def run(self) -> StoryResult:
        if not self.small:
            await self.move_to("2020-02-20")
            await self.load_sheets()
            await self.evaluate_1048(ag.R2020_1, ag.ENTRIES_2020, "2020-04-10", "2020-05-12", "2020-06-16")
            await self.evaluate_1048(ag.R2020_2, ag.ENTRIES_2020, "2020-08-10", "2020-09-15", "2020-11-10")
            await self.evaluate_1048(ag.R2021, ag.ENTRIES_2021, "2021-05-20", "2021-07-15", "2021-09-08",
                                     upgrades=ag.UPGRADES_2021)
            await self.fair("hoi-cho-ocop-2021", f"Hội chợ OCOP {self.ocop.province.name} năm 2021", "2021-11-25",
                            "2021-12-10", "2021-12-14", "Trung tâm Hội chợ Triển lãm Long Xuyên", limit=10)
            await self.move_to("2023-06-20")  # the first round's 2020 certificates have ended
            await self.rerate_2023()
            await self.move_to("2023-12-01")  # so have the rest of 2020's, unless re-rated
            await self.move_to("2024-10-01")  # and 2021's
        await self.evaluate_2026()
        await self.move_to("2026-09-26")  # the 2023 re-ratings' certificates end in August 2026
        pos, before = await self.showrooms_and_till()
        removed = await self.revoke_and_sync(pos)
        await self.fair("hoi-cho-ocop-2026", f"Hội chợ OCOP {self.ocop.province.name} năm 2026", "2026-11-10",
                        "2026-11-20", "2026-11-24", self.cast.fair_place)
        await self.move_to("2026-11-20")
        catalog = await self.ocop.catalog()
        result = StoryResult(catalog=catalog, pos_before=before, pos_removed=removed,
                             issuers_2023=self.issuers_2023, issuers_2026=self.issuers_2026,
                             revoked_by=self.revoked_by)
        years = (2026,) if self.small else (2020, 2021, 2026)
        for year in years:
            result.reports[year] = await self.report(year, result.files)
        return result

    # -- time ----------------------------------------------------------------------------------

    async def move_to(self, day: str, hour: int = 9) -> None:
        """Let everything settle, move the clock, and let the certificate scheduler catch up."""
        await self.settle()
        self.clock.set(at(day, hour))
        expect(await self.http.post("/certification/scheduler/run", headers=await self.ocop.office()), 200)
        await self.settle()

    # -- steps ---------------------------------------------------------------------------------

    async def load_sheets(self) -> None:
        """148's scenario sheet (no 148 sheet was found); 1048's sheets are packaged."""
        used = sorted({e.set_no for e in (*ag.ENTRIES_2020, *ag.ENTRIES_2021)})
        regulation = "148/QĐ-TTg"
        expect(await self.http.post(
            "/scoring/sheet-files", headers=await self.ocop.office(), data={"regulation": regulation},
            files={"file": ("an-giang-148-kich-ban.json", sheet_file(regulation, used), "application/json")}),
            201)

    async def open_round(self, round_id: str) -> None:
        name, regulation, opens, closes = round_of(round_id)
        await self.ocop.open_round(round_id, name=name, regulation=regulation,
                                   opens_on=date.fromisoformat(opens), closes_on=date.fromisoformat(closes))

    async def entity(self, key: str) -> str:
        """The producer's entity: registered by the office for them, or (the demo's producer)
        by the producer's own account, which then acts for it."""
        lock = self._entity_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self.entity_ids:
                p = self.producers[key]
                by = (await self.ocop.person(self.cast.demo_login, self.cast.demo_name)
                      if key == self.cast.demo_producer else None)
                self.entity_ids[key] = await self.ocop.register_entity(
                    name=p.name, legal_form=p.legal_form, registration_no=p.registration_no,
                    commune_code=p.commune, representative_female=p.female_representative,
                    headers=by)
        return self.entity_ids[key]

    async def file(self, entry: ag.Entry) -> None:
        """Register the product, upload its evidence, Forms 01-02, filing, Form 03."""
        producer = self.producers[entry.producer]
        entity_id = await self.entity(entry.producer)
        product_id = await self.ocop.register_product(entity_id, entry.product, entry.set_no)
        evidence = await self.ocop.upload_food_evidence(product_id)
        await self.ocop.submit_dossier(product_id, round_id=entry.round_id, product_name=entry.product,
                                       product_set_no=entry.set_no, commune=producer.commune,
                                       applicant=producer.name, evidence=evidence,
                                       regulation=round_of(entry.round_id)[1])
        self.filed[entry.product] = Filed(entry, product_id, evidence, next(self._counter))

    async def refile(self, name: str, round_id: str, case: str, outcome: str, changes: str) -> None:
        """An upgrade or re-rating dossier of a product already certified."""
        before = self.filed[name]
        producer = self.producers[before.entry.producer]
        await self.ocop.submit_dossier(before.product_id, round_id=round_id, product_name=name,
                                       product_set_no=before.entry.set_no, commune=producer.commune,
                                       applicant=producer.name, evidence=before.evidence, case=case,
                                       changes=changes, regulation=round_of(round_id)[1])
        entry = ag.Entry(before.entry.producer, name, before.entry.set_no, outcome, round_id)
        self.filed[name] = Filed(entry, before.product_id, before.evidence, next(self._counter))

    def district(self, commune: str) -> tuple[str, str]:
        unit = self.units.district_of(commune, self.clock.now().date())
        assert unit is not None, commune
        return unit.code, unit.short_name

    async def score(self, filed: Filed, level: str) -> int:
        """The council of the product's level (its district's, at district level) scores it."""
        evaluation = await self.ocop.open_evaluation(filed.product_id)
        if evaluation["level"] != level:
            raise AssertionError(f"{filed.entry.product}: expected a {level} evaluation, "
                                 f"found {evaluation['level']}")
        unit = self.district(self.producers[filed.entry.producer].commune) if level == "district" else None
        day = self.clock.now().date()
        decision = f"QĐ {100 + filed.index}/QĐ-UBND ngày {day:%d/%m/%Y}"
        mean = ag.mean_for(filed.entry.outcome, level, filed.index)
        return await self.ocop.score_by_council(evaluation["id"], mean, decision, unit=unit)

    async def decide(self, round_id: str) -> None:
        """The competent authorities sign the round's recognition decisions: certificates follow."""
        await self.settle()
        await self.ocop.decide(round_id)

    async def each(self, label: str, items: Sequence[T], work: Callable[[T], Awaitable[Any]]) -> None:
        advance = self.steps.start(label, len(items))
        gate = asyncio.Semaphore(self.parallel)

        async def one(item: T) -> None:
            async with gate:
                await work(item)
            advance()

        await asyncio.gather(*(one(item) for item in items))

    async def evaluate_1048(self, round_id: str, entries: Iterable[ag.Entry], filing: str, district: str,
                            province: str, upgrades: Sequence[str] = ()) -> None:
        """A 1048 round: dossiers, district councils (>= 50 goes on), the province council."""
        chosen = [e for e in entries if e.round_id == round_id]
        year = round_id[3:7]
        await self.move_to(filing)
        await self.open_round(round_id)
        await self.each(f"{year} · {round_id}: hồ sơ / dossiers", chosen, self.file)
        for name in upgrades:
            await self.refile(name, round_id, "upgrade", "4",
                              "Đổi mới bao bì, mở rộng vùng nguyên liệu liên kết, đạt chứng nhận HACCP")
        todo = [self.filed[e.product] for e in chosen] + [self.filed[name] for name in upgrades]
        await self.move_to(district)
        await self.each(f"{year} · {round_id}: hội đồng cấp huyện / district councils", todo,
                        lambda f: self.score(f, "district"))
        await self.move_to(province)
        onward = [f for f in todo if f.entry.outcome != "2d"]
        await self.each(f"{year} · {round_id}: hội đồng cấp tỉnh / province council", onward,
                        lambda f: self.score(f, "province"))
        await self.decide(round_id)

    async def rerate_2023(self) -> None:
        await self.move_to("2023-07-01")
        await self.open_round(ag.R2023)
        advance = self.steps.start("2023 · đánh giá lại / re-ratings (148)", len(ag.RERATINGS_2023))
        for name, stars in ag.RERATINGS_2023:
            await self.refile(name, ag.R2023, "rerating", stars,
                              "Duy trì sản xuất ổn định; bổ sung phiếu kiểm nghiệm định kỳ")
            advance()
        todo = [self.filed[name] for name, _ in ag.RERATINGS_2023]
        await self.move_to("2023-08-10")
        await self.each("2023 · ý kiến bằng văn bản cấp huyện / written opinions", todo,
                        lambda f: self.score(f, "district"))
        await self.decide(ag.R2023)  # the district People's Committees' decisions (3★)
        await self.move_to("2023-09-12")
        await self.each("2023 · cấp tỉnh / province", [f for f in todo if f.entry.outcome == "4"],
                        lambda f: self.score(f, "province"))
        await self.decide(ag.R2023)
        self.issuers_2023 = await self.issuers(todo)

    async def evaluate_2026(self) -> None:
        """26/2026 after the merger: the commune pre-checks, the province council scores
        (>= 90 goes on to the central council)."""
        await self.move_to("2026-06-10")
        await self.open_round(self.cast.round_id)
        await self.each(f"2026 · {self.cast.round_id}: hồ sơ / dossiers", self.cast.entries, self.file)
        todo = [self.filed[e.product] for e in self.cast.entries]
        await self.move_to("2026-08-20")
        await self.each("2026 · hội đồng cấp tỉnh / province council", todo,
                        lambda f: self.score(f, "province"))
        await self.decide(self.cast.round_id)
        await self.move_to("2026-09-25")
        await self.each("2026 · hội đồng cấp trung ương / central council",
                        [f for f in todo if f.entry.outcome == "5"], lambda f: self.score(f, "central"))
        await self.decide(self.cast.round_id)  # the ministry's
        self.issuers_2026 = await self.issuers(todo)

    async def issuers(self, filed: Sequence[Filed]) -> dict[str, tuple[int, str]]:
        """The stars and issuing authority of each product's newest certificate."""
        await self.settle()
        found = {}
        for one in filed:
            issued = await self.ocop.certificates(product_id=one.product_id)
            if issued:
                newest = max(issued, key=lambda c: str(c["issued_on"]))
                found[one.entry.product] = (int(newest["stars"]), str(newest["authority"]))
        return found

    async def showrooms_and_till(self) -> tuple[PosClient, list[str]]:
        await self.move_to("2026-10-01")
        catalog = await self.ocop.catalog()
        keys = {}
        for showroom in self.cast.showrooms:
            created = expect(await self.http.post("/trade/showrooms", headers=await self.ocop.office(),
                                                  json=showroom), 201)
            keys[showroom["id"]] = created["api_key"]
        picks = [e["product_id"] for e in catalog["entries"] if e["stars"] >= 4]
        expect(await self.http.put(f"/trade/showrooms/{self.cast.assorted_showroom}/assortment",
                                   headers=await self.ocop.office(), json={"add": picks}), 200)
        await self.settle()
        till = self.cast.till_showroom
        local = LocalList(self.out_dir / f"pos-{till}.sqlite3")
        pos = PosClient(self.base_url, till, keys[till], local,
                        terminal_id="quay-1", transport=self.till_transport)
        synced = await pos.sync()
        return pos, sorted(i["product_name"] for i in synced.added)

    async def revoke_and_sync(self, pos: PosClient) -> list[str]:
        """The Health department's inspector reports a labelling breach; the province revokes
        the certificate; the till hears of it."""
        await self.move_to("2026-11-05")
        catalog = await self.ocop.catalog()
        entry = next(e for e in catalog["entries"] if e["product_name"] == self.cast.revoked)
        inspector = await self.ocop.inspector("health")
        finding = expect(await self.http.post("/certification/inspections", headers=inspector, json={
            "certificate_number": entry["certificate_number"], "grounds": [3], "confirmed": True,
            "conclusion": "Kết luận thanh tra ATTP: vi phạm ghi nhãn hàng hóa",
            "concluded_by": f"Sở Y tế {self.ocop.province.in_text_vi}", "kind": "ad_hoc"}), 201)
        case = expect(await self.http.get(f"/certification/revocation-cases/{finding['case_id']}",
                                          headers=await self.ocop.office()), 200)
        self.revoked_by = str(case["competent_authority"])
        expect(await self.http.post(f"/certification/revocation-cases/{finding['case_id']}/decision",
                                    headers=await self.ocop.office(),
                                    json={"decision_no": "QĐ 2468/QĐ-UBND"}), 200)
        await self.settle()
        try:
            synced = await pos.sync()
        finally:
            await pos.close()
        return sorted(item["product_name"] for item, _ in synced.removed)

    async def fair(self, fair_id: str, name: str, on: str, starts: str, ends: str, place: str,
                   limit: int = 8) -> None:
        await self.move_to(on)
        expect(await self.http.post("/trade/fairs", headers=await self.ocop.office(), json={
            "id": fair_id, "name": name, "starts_on": starts, "ends_on": ends, "place": place}), 201)
        catalog = await self.ocop.catalog()
        lasting = [e for e in catalog["entries"] if e["valid_until"] >= ends][:limit]
        for entry in lasting:
            expect(await self.http.post(f"/trade/fairs/{fair_id}/exhibitors", headers=await self.ocop.office(),
                                        json={"product_id": entry["product_id"]}), 201)

    async def report(self, year: int, files: list[Path]) -> dict[str, Any]:
        await self.settle()
        url = f"/reporting/reports/{year}/annual"
        body: dict[str, Any] = expect(await self.http.get(url, headers=await self.ocop.office()), 200)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for fmt in ("xlsx", "pdf"):
            response = await self.http.get(url, headers=await self.ocop.office(), params={"format": fmt})
            if response.status_code != 200:
                expect(response, 200)  # raises with the problem's text
            path = self.out_dir / f"bao-cao-ocop-{year}.{fmt}"
            path.write_bytes(response.content)
            files.append(path)
        return body


async def settle_all(runtimes: Sequence[Any], *, seconds: float = 180.0) -> None:
    """Wait until every runtime has nothing to publish or consume, twice in a row."""

    async def quiet() -> bool:
        for _ in range(2):
            if not all([await rt.settled() for rt in runtimes]):
                return False
            await asyncio.sleep(0.05)
        return True

    await poll(quiet, seconds=seconds, what="every service to settle")
