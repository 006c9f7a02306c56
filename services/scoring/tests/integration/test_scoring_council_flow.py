"""The council flow through the scoring API (embedded: SQLite, in-process bus), with results
computed by hand from the 26/2026 sheets of product sets #8, #1 and #26.

Each test puts a ProductSubmitted on the bus as the registry does, a council (chair, three
members, a secretary) scores it option by option, and the chair finalises.
"""

from __future__ import annotations

# Over 400 lines: the hand-computed sheets of three product sets are shared by every test here.
from decimal import Decimal
from pathlib import Path

from scoring_desk import (
    CHAU_DOC,
    EIGHTY,
    FOUR70,
    MEMBERS,
    SIXTY_NINE,
    TOP1,
    TOP26,
    VOTERS,
    Desk,
    problem,
    valid_against_schema,
    with_,
)

from helpers import running_platform
from ocop_shared.settings import Settings


def platform(tmp_path: Path) -> tuple[Settings, object]:
    settings = Settings(data_dir=tmp_path)
    return settings, running_platform(settings, ["scoring"])


# ------------------------------------------------------------------- bands and caps (#8)


async def test_set_8_band_edge_just_under_70_is_3_stars_and_70_is_4(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        await desk.submit(set_no=8, product_name="Khô cá lóc Sáu Tâm")  # learns the round
        council = await desk.council()
        under = await desk.submit(set_no=8, product_name="Khô cá lóc Sáu Tâm")
        assert under["council_id"] == council["id"], "the round's only province council gets it"
        # 70 + 70 + 70 + 69 = 279 / 4 = 69.75: the 3★ band [50, 70)
        for member_id, choices in zip(VOTERS, (FOUR70, FOUR70, FOUR70, SIXTY_NINE), strict=True):
            mine = await desk.hand_in_ok(under["id"], member_id, choices)
            assert mine["status"] == "submitted"
        assert mine["total"] == 69 and mine["part_totals"] == {"A": 35, "B": 15, "C": 19}
        done = await desk.finalise_ok(under["id"])
        assert (done["mean_score"], done["band_stars"], done["stars"]) == ("69.75", 3, 3)
        assert done["part_scores"] == {"A": "35.00", "B": "15.00", "C": "19.75"}
        assert done["decision"] == "recognised" and done["recognised_by"] == "province"
        assert done["caps"] == []  # every 3★ minimum is met

        exactly = await desk.submit(set_no=8, product_name="Khô cá tra phồng")
        for member_id in VOTERS:  # 4 x 70 = 70.00: the 4★ band starts at 70 (half-open)
            await desk.hand_in_ok(exactly["id"], member_id, FOUR70)
        done = await desk.finalise_ok(exactly["id"])
        assert (done["mean_score"], done["stars"], done["capped_by"]) == ("70.00", 4, [])

        (scored,) = await desk.events_of(under["id"], "Scored")
        valid_against_schema(scored)
        p = scored.payload
        assert (p.level, p.stars, p.mean_score, p.recognising) == ("province", 3, Decimal("69.75"), True)
        assert p.part_scores == {"A": Decimal("35.00"), "B": Decimal("15.00"), "C": Decimal("19.75")}
        assert p.council_decision_ref == "BB 12/HĐ-OCOP ngày 15/11/2026"
        assert p.recognised_by == "province" and p.escalated_to is None and p.sheets_scored == 4


async def test_the_literal_69_99_edge_needs_a_67_member_council(tmp_path: Path) -> None:
    """Sheet totals are whole points, so a mean of 69.99 needs at least 67 members:
    66 x 70 + 69 = 4689 / 67 = 69.985... -> 69.99 (2 places, half up) -> 3★."""
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        members = [{"member_id": "chu-tich", "name": "Chủ tịch", "role": "chair"}] + [
            {"member_id": f"tv-{i:02d}", "name": f"Thành viên {i}", "role": "member"}
            for i in range(1, 67)]
        await desk.council(members=members)
        for member in members:
            choices = SIXTY_NINE if member["member_id"] == "tv-66" else FOUR70
            await desk.hand_in_ok(evaluation["id"], str(member["member_id"]), choices)
        done = await desk.finalise_ok(evaluation["id"])
        assert (done["mean_score"], done["band_stars"], done["stars"]) == ("69.99", 3, 3)


async def test_a_missed_4_star_minimum_caps_the_stars_and_names_the_criterion(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        # 4.1 "outside the commune, < 5 agents" (2 points, the 3★ minimum, not the 4★ one)
        # and 1.1 up one option (+1): still 70, in the 4★ band
        capped = with_(FOUR70, c4_1=1, c1_1=1)
        for member_id in VOTERS:
            await desk.hand_in_ok(evaluation["id"], member_id, capped)
        done = await desk.finalise_ok(evaluation["id"])
        assert (done["mean_score"], done["band_stars"], done["stars"]) == ("70.00", 4, 3)
        assert done["capped_by"] == ["4.1"]
        assert [(c["criterion_code"], c["mark_star"], c["capped_to"], c["members_meeting"],
                 c["members_scoring"]) for c in done["caps"]] == [("4.1", 4, 3, 0, 4)]
        assert "4.1" in done["caps"][0]["message"]
        (scored,) = await desk.events_of(evaluation["id"], "Scored")
        valid_against_schema(scored)
        assert scored.payload.capped_by == ["4.1"] and scored.payload.band_stars == 4
        assert scored.payload.caps[0].criterion_code == "4.1" and scored.payload.stars == 3


# ------------------------------------------------------------------------ knock-outs (#8)


async def test_a_knock_out_ends_the_evaluation_with_its_reason(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        reason = "Phát hiện tạp chất nguy hại (lông, côn trùng) trong mẫu sản phẩm"
        await desk.hand_in_ok(evaluation["id"], "chu-tich", FOUR70)
        for member_id in ("tv-nnmt", "tv-ct", "tv-yt"):  # 3 of 4 sheets: a majority
            mine = await desk.hand_in_ok(evaluation["id"], member_id, {},
                                         knockout={"criterion_code": "6.1", "reason": reason})
            assert mine["knockout"] == {"criterion_code": "6.1", "reason": reason}
        done = await desk.finalise_ok(evaluation["id"])
        assert done["decision"] == "knocked_out" and done["stars"] is None
        assert "6.1" in done["closed_reason"] and reason in done["closed_reason"]
        closed = await desk.events_of(evaluation["id"], "EvaluationClosed")
        valid_against_schema(closed[0])
        assert "6.1" in closed[0].payload.reason and reason in closed[0].payload.reason
        assert [e.type for e in await desk.events_of(evaluation["id"])] == [
            "EvaluationOpened", "CouncilAssigned", "EvaluationClosed"]  # no Scored: no stars
        detail = (await client.get(f"/scoring/evaluations/{evaluation['id']}",
                                   headers=desk.office)).json()
        assert detail["status"] == "closed" and detail["decision"] == "knocked_out"


async def test_a_knock_out_on_a_criterion_without_a_rule_is_refused(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        r = await desk.hand_in(evaluation["id"], "tv-ct", {},
                               knockout={"criterion_code": "4.2", "reason": "Không có người phụ trách"})
        body = problem(r, 422, "invalid-knockout")
        assert body["errors"][0]["field"] == "knockout"


async def test_a_minority_knock_out_needs_the_chairs_ruling(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        for member_id in ("chu-tich", "tv-nnmt", "tv-ct"):
            await desk.hand_in_ok(evaluation["id"], member_id, FOUR70)
        await desk.hand_in_ok(evaluation["id"], "tv-yt", {},
                              knockout={"criterion_code": None, "reason": "Nghi giả mạo hồ sơ"})
        blocked = problem(await desk.finalise(evaluation["id"]), 409, "finalisation-blocked")
        assert [b["kind"] for b in blocked["blockers"]] == ["knockout_disputed"]
        done = await desk.finalise_ok(evaluation["id"], override_reason=(
            "Tổ tư vấn đã xác minh hồ sơ với UBND xã: hồ sơ không giả mạo"))
        assert (done["mean_score"], done["stars"]) == ("70.00", 4)  # the 3 complete sheets
        result = (await client.get(f"/scoring/evaluations/{evaluation['id']}/result",
                                   headers=desk.office)).json()
        assert result["minutes"]["override"]["reason"].startswith("Tổ tư vấn")
        assert result["minutes"]["knockouts"][0]["member_id"] == "tv-yt"


# --------------------------------------------------------------------------- spread (#8)


async def test_spread_above_10_blocks_until_rescored(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        eid = evaluation["id"]
        # 80, 70, 70, 69: spread 11 > 10
        for member_id, choices in zip(VOTERS, (EIGHTY, FOUR70, FOUR70, SIXTY_NINE), strict=True):
            await desk.hand_in_ok(eid, member_id, choices)
        view = (await client.get(f"/scoring/evaluations/{eid}/council-view",
                                 headers=await desk.as_("chu-tich"))).json()
        assert view["spread"] == "11" and view["needs_override"] and not view["can_finalise"]
        assert [m["total"] for m in view["members"]] == [80, 70, 70, 69, None]
        assert view["preview"]["mean_score"] == "72.25"
        blocked = problem(await desk.finalise(eid), 409, "finalisation-blocked")
        assert [b["kind"] for b in blocked["blockers"]] == ["spread"]
        assert "11" in blocked["detail"]
        # the council discusses; the chair sends the 80 back; it is re-scored at 79 (11: 2 -> 1)
        r = await client.post(f"/scoring/evaluations/{eid}/rescoring", headers=await desk.as_("chu-tich"),
                              json={"member_ids": ["chu-tich"]})
        assert r.status_code == 200, r.text
        await desk.hand_in_ok(eid, "chu-tich", with_(EIGHTY, c11=0))
        done = await desk.finalise_ok(eid)  # 79 + 70 + 70 + 69 = 288 / 4; spread exactly 10
        assert (done["mean_score"], done["stars"]) == ("72.00", 4)


async def test_spread_above_10_finalised_by_the_chairs_override_with_a_reason(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        eid = evaluation["id"]
        for member_id, choices in zip(VOTERS, (EIGHTY, FOUR70, FOUR70, SIXTY_NINE), strict=True):
            await desk.hand_in_ok(eid, member_id, choices)
        problem(await desk.finalise(eid, override_reason="   "), 422, "invalid-override")
        reason = "Hội đồng đã thảo luận; chênh lệch do đánh giá cảm quan, giữ nguyên điểm"
        done = await desk.finalise_ok(eid, override_reason=reason)
        assert (done["mean_score"], done["stars"]) == ("72.25", 4)  # 289 / 4
        (scored,) = await desk.events_of(eid, "Scored")
        assert scored.payload.override_reason == reason
        minutes = (await client.get(f"/scoring/evaluations/{eid}/result",
                                    headers=desk.office)).json()["minutes"]
        assert minutes["spread"] == "11" and [b["kind"] for b in minutes["overridden"]] == ["spread"]


# -------------------------------------------------------------------- quorum, conflicts


async def test_finalising_without_quorum_is_refused(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=1, product_name="Xoài cát Hòa Lộc Chợ Mới")
        await desk.council()
        eid = evaluation["id"]
        # set #1: all top options (100) less 12 (3 -> 1) and 6.3 (3 -> 1): 96; 2 of 4 present
        await desk.hand_in_ok(eid, "chu-tich", with_(TOP1, c12=0, c6_3=1))
        await desk.hand_in_ok(eid, "tv-nnmt", with_(TOP1, c12=0, c6_3=1))
        body = problem(await desk.finalise(eid), 409, "finalisation-blocked")
        assert [b["kind"] for b in body["blockers"]] == ["quorum"]
        assert "2/4" in body["detail"] and "3" in body["detail"]
        english = await client.post(f"/scoring/evaluations/{eid}/finalisation?lang=en",
                                    headers=await desk.member("chu-tich", chair=True),
                                    json={"decision_ref": "BB 1"})
        assert "No quorum: 2/4 present, 3 needed" in english.json()["detail"]
        # the chair may not override a missing quorum
        problem(await desk.finalise(eid, override_reason="Họp gấp"), 409, "finalisation-blocked")
        await desk.hand_in_ok(eid, "tv-ct", with_(TOP1, c12=0, c6_3=1))
        done = await desk.finalise_ok(eid)  # 3 of 4: quorum met; 96.00 -> 5★ band -> central
        assert (done["mean_score"], done["decision"], done["escalated_to"]) == ("96.00", "escalated",
                                                                             "central")


async def test_conflicted_members_are_refused_and_count_only_for_the_quorum(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        entity = "9d3f1b7e-0000-4000-8000-000000000001"
        evaluation = await desk.submit(set_no=8, commune=CHAU_DOC, entity_id=entity)
        members = [dict(m) for m in MEMBERS]
        members[3]["commune_code"] = CHAU_DOC  # tv-yt lives in the product's commune
        council = await desk.council(members=members)
        eid = evaluation["id"]
        # automatic: same commune
        body = problem(await desk.hand_in(eid, "tv-yt", FOUR70), 403, "conflict-of-interest")
        assert CHAU_DOC in body["detail"] and body["kinds"] == ["same_commune"]
        mine = (await client.get("/scoring/my/evaluations", headers=await desk.as_("tv-yt"))).json()
        assert mine["items"][0]["conflicted"] and CHAU_DOC in mine["items"][0]["conflicts"][0]
        # declared: the member declares it themself
        r = await client.post(f"/scoring/councils/{council['id']}/conflicts", headers=await desk.as_("tv-ct"),
                              json={"member_id": "tv-ct", "product_id": evaluation["product_id"],
                                    "reason": "Em ruột của chủ cơ sở"})
        assert r.status_code == 201, r.text
        denied = await client.post(f"/scoring/councils/{council['id']}/conflicts",
                                   headers=await desk.as_("tv-ct"),
                                   json={"member_id": "tv-nnmt", "product_id": evaluation["product_id"],
                                         "reason": "Nghe nói có quen biết"})
        assert denied.status_code == 403
        body = problem(await desk.hand_in(eid, "tv-ct", FOUR70), 403, "conflict-of-interest")
        assert "Em ruột của chủ cơ sở" in body["detail"] and body["kinds"] == ["declared"]
        # supplier link: a member whose firm supplies the entity
        await client.put(f"/scoring/councils/{council['id']}/members/tv-nnmt", headers=desk.office,
                         json={"name": "Trần Văn Bình", "role": "member",
                               "department": "Sở Nông nghiệp và Môi trường",
                               "supplies_entity_ids": [entity]})
        body = problem(await desk.hand_in(eid, "tv-nnmt", FOUR70), 403, "conflict-of-interest")
        assert body["kinds"] == ["supplier"]
        # the chair alone scores; the secretary records the conflicted members as present
        await desk.hand_in_ok(eid, "chu-tich", FOUR70)
        problem(await desk.finalise(eid), 409, "finalisation-blocked")  # 1 of 4 present
        r = await client.put(f"/scoring/evaluations/{eid}/attendance", headers=await desk.as_("thu-ky"),
                             json={"present": ["tv-ct", "tv-yt"]})
        assert r.status_code == 200 and r.json()["quorum"]["met"], r.text
        done = await desk.finalise_ok(eid)
        assert (done["mean_score"], done["stars"]) == ("70.00", 4)
        minutes = (await client.get(f"/scoring/evaluations/{eid}/result",
                                    headers=desk.office)).json()["minutes"]
        conflicts = {m["member_id"]: [c["kind"] for c in m["conflicts"]] for m in minutes["members"]}
        assert conflicts == {"chu-tich": [], "tv-nnmt": ["supplier"], "tv-ct": ["declared"],
                             "tv-yt": ["same_commune"], "thu-ky": []}


# -------------------------------------------------------------------------- bad input


async def test_bad_sheets_are_refused_with_clear_problems(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        council = await desk.council()
        eid = evaluation["id"]
        url = f"/scoring/evaluations/{eid}/sheet"
        # an option that does not exist (1.1 has options 0-2)
        r = await client.put(url, headers=await desk.as_("tv-ct"), json={"choices": {"1.1": 7}})
        body = problem(r, 422, "unknown-option")
        assert body["errors"][0]["field"] == "choices.1.1" and "1.1" in body["detail"]
        r = await client.put(url + "?lang=en", headers=await desk.as_("tv-ct"), json={"choices": {"1.1": 7}})
        assert r.json()["detail"] == "Criterion 1.1 has no option 7 (it has 3 options, numbered from 0)"
        problem(await client.put(url, headers=await desk.as_("tv-ct"), json={"choices": {"12.4": 0}}),
                422, "unknown-criterion")
        problem(await client.put(url, headers=await desk.as_("tv-ct"), json={"choices": {"1": 0}}),
                422, "not-a-leaf-criterion")
        # a sheet for another product set (the product is in set #8)
        body = problem(await desk.hand_in(eid, "tv-ct", FOUR70, product_set_no=9), 422,
                       "wrong-product-set")
        assert body["errors"][0]["field"] == "product_set_no"
        problem(await desk.hand_in(eid, "tv-ct", FOUR70, regulation="148/QĐ-TTg"), 422,
                "wrong-product-set")
        # an incomplete sheet cannot be handed in
        body = problem(await desk.hand_in(eid, "tv-ct", {"1.1": 0}), 422, "missing-criteria")
        assert "1.2" in body["detail"]
        # progress is saved, then handed in; a second sheet from the same member is refused
        draft = await client.put(url, headers=await desk.as_("tv-ct"), json={"choices": {"1.1": 2}})
        assert draft.status_code == 200 and draft.json()["running_total"] == 3
        assert (await client.get(url, headers=await desk.as_("tv-ct"))).json()["my_sheet"]["choices"] == {
            "1.1": 2}
        await desk.hand_in_ok(eid, "tv-ct", FOUR70, product_set_no=8)
        problem(await desk.hand_in(eid, "tv-ct", FOUR70), 409, "second-sheet-refused")
        problem(await client.put(url, headers=await desk.as_("tv-ct"), json={"choices": FOUR70}), 409,
                "sheet-already-submitted")
        # the secretary does not score; someone with no seat on any council is refused
        problem(await desk.hand_in(eid, "thu-ky", FOUR70), 403, "not-a-scorer")
        problem(await desk.hand_in(eid, "tv-khac", FOUR70), 403, "forbidden")
        problem(await client.get(url, headers=await desk.as_("tv-khac")), 403, "forbidden")
        # a member who is not this council's chair cannot finalise, even if they chair another
        await desk.council(level="central", members=[
            {"member_id": "tv-ct", "name": "Lê Thị Cúc", "role": "chair"},
            {"member_id": "tw-tv1", "name": "Thành viên 1", "role": "member"},
            {"member_id": "tw-tv2", "name": "Thành viên 2", "role": "member"}])
        problem(await desk.finalise(eid, chair="tv-ct"), 403, "not-the-chair")
        # council composition: two chairs are refused (and a member with a sheet keeps their role)
        r = await client.put(f"/scoring/councils/{council['id']}/members/tv-yt", headers=desk.office,
                             json={"name": "Phạm Văn Dũng", "role": "chair"})
        problem(r, 422, "invalid-council-composition")


async def test_blind_until_the_member_submits(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.council()
        eid = evaluation["id"]
        await desk.hand_in_ok(eid, "tv-nnmt", FOUR70)
        await client.put(f"/scoring/evaluations/{eid}/sheet", headers=await desk.as_("tv-ct"),
                         json={"choices": {"1.1": 2}})

        async def seen_by(member_id: str) -> list[str]:
            r = await client.get(f"/scoring/evaluations/{eid}/sheets", headers=await desk.as_(member_id))
            assert r.status_code == 200, r.text
            return [s["member_id"] for s in r.json()["items"]]

        assert await seen_by("tv-ct") == ["tv-ct"]  # own draft only
        assert await seen_by("tv-yt") == []
        office = (await client.get(f"/scoring/evaluations/{eid}/sheets", headers=desk.office)).json()
        assert office["items"] == []  # the office is not on the council: blind until finalised
        problem(await client.get(f"/scoring/evaluations/{eid}/sheets/tv-nnmt/export",
                                 headers=await desk.as_("tv-ct")), 403, "blind")
        await desk.hand_in_ok(eid, "tv-ct", FOUR70)
        assert sorted(await seen_by("tv-ct")) == ["tv-ct", "tv-nnmt"]
        # the member list shows no other member's totals
        mine = (await client.get("/scoring/my/evaluations", headers=await desk.as_("tv-yt"))).json()
        assert mine["items"][0]["my_sheet"] == "none" and mine["items"][0]["stars"] is None
        r = await client.get(f"/scoring/evaluations/{eid}/council-view", headers=await desk.as_("tv-yt"))
        assert r.status_code == 403


# ------------------------------------------------------------------------------ set #26


async def test_set_26_tourism_capped_by_business_growth_and_cases_must_agree(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=26, product_name="Du lịch cộng đồng Cù lao Ông Hổ")
        await desk.council()
        eid = evaluation["id"]
        sheet = (await client.get(f"/scoring/evaluations/{eid}/sheet", headers=await desk.as_("tv-ct"))).json()
        assert sheet["product_set_no"] == 26 and sheet["max_total"] == 100
        c8 = next(c for c in sheet["parts"][2]["criteria"] if c["code"] == "8")
        assert {o["case_vi"][:2] for o in c8["options"]} == {"a.", "b."}
        # 8 in case a (index 1) but 9 in case b (index 3): the same case must be used
        r = await desk.hand_in(eid, "tv-ct", with_(TOP26, c9=3))
        problem(r, 422, "inconsistent-case")
        # 3.4 business growth at its lowest (1 instead of 3, the 4★ minimum): 98 points,
        # the 5★ band, capped to 3★ by 3.4 -> recognised by the province, not sent to MAE
        for member_id in VOTERS:
            await desk.hand_in_ok(eid, member_id, with_(TOP26, c3_4=0))
        done = await desk.finalise_ok(eid)
        assert (done["mean_score"], done["band_stars"], done["stars"]) == ("98.00", 5, 3)
        assert done["capped_by"] == ["3.4"] and done["decision"] == "recognised"
        assert [(c["criterion_code"], c["mark_star"], c["capped_to"]) for c in done["caps"]] == [
            ("3.4", 4, 3)]


# ----------------------------------------------------------------- written opinions


async def test_rerating_by_written_opinions_waits_for_every_members_sheet(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8, case="rerating")
        assert evaluation["written_opinions"] is True
        await desk.council()
        eid = evaluation["id"]
        for member_id in VOTERS[:3]:  # 3 of 4 would be a quorum at a meeting
            await desk.hand_in_ok(eid, member_id, FOUR70)
        body = problem(await desk.finalise(eid), 409, "finalisation-blocked")
        assert [b["kind"] for b in body["blockers"]] == ["sheets_pending"] and "tv-yt" in body["detail"]
        await desk.hand_in_ok(eid, "tv-yt", SIXTY_NINE)
        done = await desk.finalise_ok(eid)
        assert (done["mean_score"], done["stars"]) == ("69.75", 3)
        (scored,) = await desk.events_of(eid, "Scored")
        assert scored.payload.written_opinions is True and scored.payload.case == "rerating"


async def test_a_withdrawn_dossier_closes_its_evaluation_once(tmp_path: Path) -> None:
    settings, running = platform(tmp_path)
    async with running as (client, _):  # type: ignore[attr-defined]
        desk = await Desk.open(client, settings)
        evaluation = await desk.submit(set_no=8)
        await desk.withdraw(evaluation)
        await desk.withdraw(evaluation)  # the registry's event again (a new id): no second close
        closed = await desk.events_of(evaluation["id"], "EvaluationClosed")
        assert closed[0].payload.reason == "dossier withdrawn: Chủ thể rút hồ sơ"
        await desk.submit(set_no=1)  # a later event is processed: the withdrawals are behind us
        assert len(await desk.events_of(evaluation["id"], "EvaluationClosed")) == 1
        detail = (await client.get(f"/scoring/evaluations/{evaluation['id']}",
                                   headers=desk.office)).json()
        assert detail["status"] == "closed"
