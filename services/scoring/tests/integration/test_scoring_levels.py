"""Levels and escalation as the regulation data says: a 148 round of 2024 on a province-supplied
sheet file (district -> province -> central), a 1048 round on 1048's packaged sheets, and
26/2026's province >= 90 -> central, with the central result under 90 recognised by the province
(fallback) and certified."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from scoring_desk import (
    CHAU_DOC,
    FIXTURES,
    QD1048,
    TOP1,
    VOTERS,
    Desk,
    problem,
    valid_against_schema,
    with_,
)
from sqlalchemy import select

from certification.adapters.tables import certificates
from helpers import api, member_login, running_platform, wait_until
from ocop_shared.regulations import ProductSet, sheet
from ocop_shared.settings import Settings

QD148 = "148/QĐ-TTg"
ROUND_2021, ROUND_2024 = "AG-2021-R1", "AG-2024-R1"


def province_file(set_no: int = 8) -> dict[str, Any]:
    """The test sheet of the province for 148 (A 40 / B 25 / C 35), for product set `set_no`.
    Leaves: 1.1 [1*3, 3, 5] 1.2 [0, 5*4, 15*5] 2.1 [0, 5*3, 10] 2.2 [2, 6, 10]
            3.1 [3, 8*3, 12*4, 15*5] 3.2 [0, 5, 10] 4.1 [0, 10, 15*4, 20] 4.2 [5*3, 12, 15*5]"""
    data: dict[str, Any] = json.loads((FIXTURES / "province-sheet-148.json").read_text("utf-8"))
    data["product_sets"][0]["no"] = set_no
    return data


TOP_148 = {"1.1": 2, "1.2": 2, "2.1": 2, "2.2": 2, "3.1": 3, "3.2": 2, "4.1": 3, "4.2": 2}  # 100


def three(prefix: str, *, commune_of_third: str | None = None) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = [
        {"member_id": f"{prefix}-chu-tich", "name": "Chủ tịch", "role": "chair"},
        {"member_id": f"{prefix}-tv1", "name": "Thành viên 1", "role": "member"},
        {"member_id": f"{prefix}-tv2", "name": "Thành viên 2", "role": "member"}]
    if commune_of_third is not None:
        members.append({"member_id": f"{prefix}-tv3", "name": "Thành viên 3", "role": "member",
                        "commune_code": commune_of_third})
    return members


async def upload(desk: Desk, content: bytes, regulation: str = QD148) -> Any:
    return await desk.http.post("/scoring/sheet-files", headers=desk.office,
                                data={"regulation": regulation},
                                files={"file": ("an-giang-148.json", content, "application/json")})


async def score(desk: Desk, evaluation_id: str, prefix: str, sheets: list[dict[str, int]]) -> dict[str, Any]:
    for member_id, choices in zip((f"{prefix}-chu-tich", f"{prefix}-tv1", f"{prefix}-tv2"), sheets,
                                  strict=True):
        await desk.hand_in_ok(evaluation_id, member_id, choices)
    return await desk.finalise_ok(evaluation_id, chair=f"{prefix}-chu-tich")


# Over 60 lines: one product through three council levels in order.
async def test_a_148_round_on_the_provinces_sheet_runs_district_province_central(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        desk = await Desk.open(client, settings)
        round_ = await desk.configure_round(ROUND_2024, QD148, name="Đợt 1 năm 2024",
                                            procedure_on="2024-05-01")
        assert round_["entry_level"] == "district"
        assert [lv["code"] for lv in round_["levels"]] == ["district", "province", "central"]
        for level in ("district", "province", "central"):
            members = three(level, commune_of_third=CHAU_DOC if level == "district" else None)
            await desk.council(round_id=ROUND_2024, level=level, members=members)
        problem(await desk.http.post("/scoring/councils", headers=desk.office, json={
            "round_id": ROUND_2024, "level": "commune", "name": "Hội đồng cấp xã",
            "members": [{"login": member_login(m["member_id"]), **m} for m in three("xa")]}),
            422, "unprocessable")

        district = await desk.submit(set_no=8, regulation=QD148, round_id=ROUND_2024,
                                     product_name="Mắm cá linh Châu Đốc", commune=CHAU_DOC)
        assert district["level"] == "district" and district["regulation"] == QD148
        # no sheet file yet: the council cannot open the sheet, and is told why
        body = problem(await client.get(f"/scoring/evaluations/{district['id']}/sheet",
                                        headers=await desk.as_("district-tv1")), 409, "no-sheet-file")
        assert "148" in body["detail"]

        # a bad file is refused with the exact place and reason of each problem
        bad = province_file()
        leaf = bad["product_sets"][0]["parts"][0]["criteria"][0]["children"][0]
        leaf["options"][2]["points"] = 4  # 1.1's maximum is 5
        bad["product_sets"][0]["parts"][1]["criteria"][0]["children"][0]["options"][1]["min_star"] = 6
        body = problem(await upload(desk, json.dumps(bad).encode()), 422, "invalid-sheet-file")
        places = {(e["field"], e["message"]) for e in body["errors"]}
        assert ("set 8, part A, criterion 1.1", "leaf maximum 5 but highest option is 4") in places
        assert ("set 8, part B, criterion 3.1, option 1", "star mark 6 is not one of 3, 4, 5") in places
        assert any(e["place_vi"] == "bộ 8, phần A, tiêu chí 1.1" for e in body["errors"])
        problem(await upload(desk, b"{not json"), 422, "invalid-sheet-file")
        for packaged in ("26/2026/QĐ-TTg", QD1048):  # they ship their sheets
            problem(await upload(desk, json.dumps(province_file()).encode(), packaged), 422, "unprocessable")
        # the good file is stored as data; the same file again is the same record
        good = json.dumps(province_file()).encode()
        first = await upload(desk, good)
        assert first.status_code == 201, first.text
        assert first.json()["product_sets"] == [8] and first.json()["regulation"] == QD148
        again = await upload(desk, good)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]

        sheet_ = (await client.get(f"/scoring/evaluations/{district['id']}/sheet",
                                   headers=await desk.as_("district-tv1"))).json()
        assert sheet_["sheet_source"].startswith("an-giang-148.json")
        assert [(p["code"], p["max"]) for p in sheet_["parts"]] == [("A", 40), ("B", 25), ("C", 35)]
        # the district member from the product's commune cannot score it
        problem(await desk.hand_in(district["id"], "district-tv3", TOP_148), 403,
                "conflict-of-interest")
        done = await score(desk, district["id"], "district", [TOP_148] * 3)
        assert (done["mean_score"], done["stars"], done["decision"]) == ("100.00", 5, "escalated")
        assert done["escalated_to"] == "province" and not done["recognising"]

        province = await desk.evaluation_of(district["product_id"], "province")
        assert province["id"] == done["next_evaluation_id"] and province["parent_id"] == district["id"]
        # 100; 95 (4.1: 20 -> 15); 94 (1.1: 5 -> 3, 2.2: 10 -> 6) -> 289 / 3 = 96.33
        done = await score(desk, province["id"], "province", [
            TOP_148, with_(TOP_148, c4_1=2), with_(TOP_148, c1_1=1, c2_2=1)])
        assert (done["mean_score"], done["decision"], done["escalated_to"]) == ("96.33", "escalated",
                                                                             "central")
        assert done["part_scores"] == {"A": "38.00", "B": "25.00", "C": "33.33"}

        central = await desk.evaluation_of(district["product_id"], "central")
        # 95, 95, 94 -> 284 / 3 = 94.67 -> 5★, recognised by the central level
        done = await score(desk, central["id"], "central", [
            with_(TOP_148, c4_1=2), with_(TOP_148, c4_1=2), with_(TOP_148, c1_1=1, c2_2=1)])
        assert (done["mean_score"], done["stars"], done["decision"]) == ("94.67", 5, "recognised")
        assert done["recognised_by"] == "central" and done["recognising"]

        async def all_published() -> list[Any] | None:
            found = [e for e in await desk.events()
                     if e.aggregate_id in (district["id"], province["id"], central["id"])]
            return found if len(found) >= 11 else None

        events = await wait_until(all_published, what="the eleven evaluation events")
        for event in events:
            valid_against_schema(event)
        assert [(e.type, e.aggregate_version) for e in events] == [  # each level's council is
            ("EvaluationOpened", 1), ("CouncilAssigned", 2), ("Scored", 3),  # assigned at once
            ("EvaluationOpened", 1), ("CouncilAssigned", 2), ("EvaluationEscalated", 4), ("Scored", 3),
            ("EvaluationOpened", 1), ("CouncilAssigned", 2), ("EvaluationEscalated", 4), ("Scored", 3)]
        scored = [e.payload for e in events if e.type == "Scored"]
        assert [(s.level, s.recognising, s.escalated_to, s.stars) for s in scored] == [
            ("district", False, "province", 5), ("province", False, "central", 5),
            ("central", True, None, 5)]
        assert scored[2].mean_score == Decimal("94.67") and scored[2].regulation == QD148
        assert scored[2].previous_evaluation_id == province["id"]
        escalated = [e.payload for e in events if e.type == "EvaluationEscalated"]
        assert [(x.from_level, x.to_level, x.mean_score) for x in escalated] == [
            ("district", "province", Decimal("100.00")), ("province", "central", Decimal("96.33"))]


def choices_adding_up_to(product_set: ProductSet, total: int, case: int = 0) -> dict[str, int]:
    """Options adding up to `total`: the lowest everywhere, then each criterion raised as far
    as what is left allows (two-case criteria in case `case`)."""
    leaves = [(leaf, leaf.options_in_case(leaf.cases[case]) if leaf.cases else leaf.options)
              for leaf in product_set.leaves()]
    choices, left = {}, total - sum(options[0].points for _, options in leaves)
    for leaf, options in leaves:
        best = max((o for o in options if o.points - options[0].points <= left), key=lambda o: o.points)
        choices[leaf.code] = best.index
        left -= best.points - options[0].points
    assert left == 0, f"{total} is out of reach"
    return choices


async def test_a_1048_round_is_scored_on_1048s_own_sheet_and_ranked_by_the_band(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        desk = await Desk.open(client, settings)
        await desk.configure_round(ROUND_2021, QD1048)
        district = await desk.submit(set_no=8, regulation=QD1048, round_id=ROUND_2021,
                                     product_name="Lạp xưởng tươi Tân Châu")
        await desk.council(round_id=ROUND_2021, level="district", members=three("district"))
        # no file to load: the sheet is 1048's set "Chế biến từ thịt, trứng, sữa" (8 on the platform)
        got = (await client.get(f"/scoring/evaluations/{district['id']}/sheet",
                                headers=await desk.as_("district-tv1"))).json()
        assert (got["sheet_source"], got["product_set_name"]) == ("qd-1048-2019.json", "Chế biến từ thịt, trứng, sữa")
        assert [(p["code"], p["max"]) for p in got["parts"]] == [("A", 35), ("B", 25), ("C", 40)]
        real = sheet(QD1048, 8)
        # a household scores 3.2 in its own case, which tops out at 1 of 2: 99 at best
        household = choices_adding_up_to(real, 55, case=1)
        done = await score(desk, district["id"], "district", [household] * 3)
        assert (done["mean_score"], done["stars"], done["decision"]) == ("55.00", 3, "escalated")
        assert done["escalated_to"] == "province"  # 1048: >= 50 goes to the province

        await desk.council(round_id=ROUND_2021, level="province", members=three("province"))
        province = await desk.evaluation_of(district["product_id"], "province")
        # 69, 70, 70 -> 69.67: the band alone decides (no star minimum on 1048's sheets)
        done = await score(desk, province["id"], "province", [
            choices_adding_up_to(real, 69, case=1), choices_adding_up_to(real, 70, case=1),
            choices_adding_up_to(real, 70, case=1)])
        assert (done["mean_score"], done["stars"], done["decision"]) == ("69.67", 3, "recognised")
        assert done["recognised_by"] == "province" and done["capped_by"] == []


async def test_province_90_goes_central_and_under_90_the_province_recognises(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, runtimes):
        desk = await Desk.open(client, settings)
        province = await desk.submit(set_no=1, product_name="Xoài cát Hòa Lộc Chợ Mới",
                                     entity_name="HTX Xoài Mỹ Xương")
        await desk.council()
        # set #1: 100 less 12 (3 -> 1) and 6.3 (3 -> 1) = 96 from every member: 96.00 -> 5★ band
        for member_id in VOTERS:
            await desk.hand_in_ok(province["id"], member_id, with_(TOP1, c12=0, c6_3=1))
        done = await desk.finalise_ok(province["id"])
        assert (done["mean_score"], done["decision"], done["escalated_to"]) == ("96.00", "escalated",
                                                                             "central")
        central = await desk.evaluation_of(province["product_id"], "central")
        assert central["council_id"] is None  # no central council yet
        central_council = await desk.council(level="central", members=[
            {"member_id": "tw-chu-tich", "name": "Lãnh đạo Bộ NN&MT", "role": "chair",
             "department": "Bộ Nông nghiệp và Môi trường"},
            {"member_id": "tw-bct", "name": "Đại diện Bộ Công Thương", "role": "member"},
            {"member_id": "tw-byt", "name": "Đại diện Bộ Y tế", "role": "member"},
            {"member_id": "tw-bkhcn", "name": "Đại diện Bộ KH&CN", "role": "member"}])
        central = await desk.evaluation_of(province["product_id"], "central")
        assert central["council_id"] == central_council["id"], "assigned when the council was set up"
        # 100 less 4.3 (-3), 4.2 (-3), 1.2 (-2), 1.4 (-2), 1.7 (-1), 2.4 (-1), 3.3 (-2) = 86: 4★
        eighty_six = with_(TOP1, c4_3=2, c4_2=0, c1_2=0, c1_4=0, c1_7=0, c2_4=0, c3_3=0)
        for member_id in ("tw-chu-tich", "tw-bct", "tw-byt", "tw-bkhcn"):
            await desk.hand_in_ok(central["id"], member_id, eighty_six)
        done = await desk.finalise_ok(central["id"], chair="tw-chu-tich",
                                      decision_ref="BB 05/HĐTW-OCOP")
        assert (done["mean_score"], done["stars"], done["decision"]) == ("86.00", 4, "fallback")
        assert (done["recognised_by"], done["fallback_from"], done["recognising"]) == (
            "province", "central", True)

        (scored,) = await desk.events_of(central["id"], "Scored")
        valid_against_schema(scored)
        p = scored.payload
        assert (p.level, p.recognising, p.recognised_by, p.fallback_from, p.stars) == (
            "central", True, "province", "central", 4)
        (province_scored,) = await desk.events_of(province["id"], "Scored")
        assert province_scored.payload.recognising is False  # the province did not recognise 5★

        certification = next(rt for rt in runtimes if rt.name == "certification")
        await api(client).decide_when_awaiting(province["product_id"])  # the province's decision

        async def certified() -> list[Any] | None:
            async with certification.uow() as uow:
                rows = (await uow.session.execute(select(certificates).where(
                    certificates.c.product_id == province["product_id"]))).all()
            return list(rows) or None

        rows = await wait_until(certified, what="the province's certificate from the central result")
        assert len(rows) == 1
        assert (rows[0].stars, rows[0].evaluation_id) == (4, central["id"])


async def test_the_office_configures_a_148_round_with_district_councils(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings, ["scoring"]) as (client, _):
        desk = await Desk.open(client, settings)
        before = await desk.configure_round("AG-2024-R1", "148/QĐ-TTg", procedure_on="2024-05-01")
        assert before["entry_level"] == "district" and before["procedure_from"] == "2023-02-24"
        after = await desk.configure_round("AG-2026-R0", "148/QĐ-TTg", procedure_on="2025-09-01")
        assert after["entry_level"] == "province" and after["procedure_from"] == "2025-07-06"
        regulations = (await client.get("/scoring/regulations", headers=desk.office)).json()
        codes = {r["code"]: r["packaged_sheets"] for r in regulations["items"]}
        assert codes == {"26/2026/QĐ-TTg": True, "148/QĐ-TTg": False, "1048/QĐ-TTg": True}
        problem(await client.put("/scoring/rounds/X", headers=desk.office,
                                 json={"regulation": "999/QĐ-TTg"}), 422, "unknown-regulation-data")

