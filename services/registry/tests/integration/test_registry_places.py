"""Where producers are, through the API: an address line placed in its commune, a commune of
another province refused naming it, and another province running the platform on its own communes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from helpers import COMMUNE_CHAU_DOC, as_role, open_round, running_platform, tax_code
from ocop_shared.auth import Role
from ocop_shared.settings import Settings

MY_HIEP = "30112"  # Xã Mỹ Hiệp, Đồng Tháp (82) since 2025-07-01 (Huyện Cao Lãnh, 87, before)


def entity(seed: int, **fields: Any) -> dict[str, Any]:
    body = {"name": "HTX Nông nghiệp Mỹ Hòa Hưng", "legal_form": "cooperative",
            "registration_no": tax_code(seed), "address": "Số 12 Trần Hưng Đạo", "phone": "0296 3871 234",
            "email": f"htx{seed}@example.vn", "representative_name": "Nguyễn Văn Hòa", **fields}
    return {k: v for k, v in body.items() if v is not None}


async def post_entity(client: httpx.AsyncClient, office: dict[str, str], body: dict[str, Any],
                      language: str = "vi") -> httpx.Response:
    return await client.post("/registry/entities", headers={**office, "Accept-Language": language}, json=body)


def refusal(r: httpx.Response, field: str) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    (error,) = [e for e in r.json()["errors"] if e["field"] == field]
    return str(error["message"])


async def test_an_address_line_typed_without_a_commune_code_places_the_entity(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        old_style = "Số 12 Trần Hưng Đạo, phường Mỹ Bình, thành phố Long Xuyên, tỉnh An Giang"
        r = await post_entity(client, office, entity(701, address=old_style))
        assert r.status_code == 201, r.text
        placed = r.json()
        assert (placed["commune_code"], placed["province_code"]) == ("30307", "91"), "Mỹ Bình → Long Xuyên"
        assert placed["address"] == old_style, "the line is kept as typed"

        r = await post_entity(client, office, entity(702, address="123 Lê Lợi, P. Châu Đốc, An Giang"))
        assert r.status_code == 201 and r.json()["commune_code"] == COMMUNE_CHAU_DOC, r.text
        r = await post_entity(client, office, entity(703, address="xã Mỹ Hòa Hưng, TP Long Xuyên, An Giang"))
        assert r.status_code == 201 and r.json()["commune_code"] == "30313", r.text


async def test_what_an_address_line_cannot_place_is_named_on_address(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await post_entity(client, office, entity(711, address="Ấp 3, Xã Không Có, An Giang"))
        assert refusal(r, "address").startswith("Không tìm thấy “Xã Không Có” trong tỉnh An Giang")
        r = await post_entity(client, office, entity(711, address="Ấp 3, Xã Không Có, An Giang"), "en")
        assert refusal(r, "address").startswith("“Xã Không Có” was not found in An Giang province")

        r = await post_entity(client, office, entity(712, address="Khóm 5, Mỹ Bình"), "en")
        assert refusal(r, "address").startswith("No province or city found in the address “Khóm 5, Mỹ Bình”")

        split = "ấp Vồ Đầu, xã Vĩnh Châu, TP Châu Đốc, An Giang"  # divided in 2025: which part is it?
        r = await post_entity(client, office, entity(713, address=split), "en")
        assert refusal(r, "address") == ("Xã Vĩnh Châu (30334) was divided between Phường Châu Đốc (30316), "
                                         "Phường Vĩnh Tế (30325): write the new commune or ward")
        r = await client.get("/registry/entities", headers=office)
        assert r.json()["total"] == 0, "nothing was registered"


async def test_a_commune_of_another_province_is_refused_naming_that_province(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path)) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await post_entity(client, office, entity(721, commune_code=MY_HIEP))
        assert refusal(r, "commune_code") == "Xã Mỹ Hiệp (30112) thuộc tỉnh Đồng Tháp, không thuộc tỉnh An Giang"
        r = await post_entity(client, office, entity(721, commune_code=MY_HIEP), "en")
        assert refusal(r, "commune_code") == "Xã Mỹ Hiệp (30112) is in Đồng Tháp province, not in An Giang province"
        r = await post_entity(client, office, entity(722, address="ấp 3, xã Mỹ Hiệp, huyện Cao Lãnh, Đồng Tháp"))
        assert refusal(r, "address") == "Xã Mỹ Hiệp (30112) thuộc tỉnh Đồng Tháp, không thuộc tỉnh An Giang"

        r = await client.post("/registry/access-grants", headers=office, json={
            "login": "can-bo@my-hiep.vn", "role": "commune_officer", "scope": MY_HIEP})
        assert "tỉnh Đồng Tháp" in refusal(r, "scope")

        communes = (await client.get("/registry/communes", params={"on": "2026-01-01"})).json()
        assert len(communes) == 102 and MY_HIEP not in {c["code"] for c in communes}


async def test_dong_thap_registers_its_own_communes_and_refuses_an_giangs(tmp_path: Path) -> None:
    async with running_platform(Settings(data_dir=tmp_path, province_code="82")) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await post_entity(client, office, entity(731, commune_code=MY_HIEP))
        assert r.status_code == 201, r.text
        assert (r.json()["commune_code"], r.json()["province_code"]) == (MY_HIEP, "82")
        r = await post_entity(client, office, entity(732, address="Ấp Mỹ Thạnh, Xã Mỹ Hiệp, Đồng Tháp"))
        assert r.status_code == 201 and r.json()["commune_code"] == MY_HIEP, r.text

        r = await post_entity(client, office, entity(733, commune_code=COMMUNE_CHAU_DOC))
        assert refusal(r, "commune_code") == (
            "Phường Châu Đốc (30316) thuộc tỉnh An Giang, không thuộc tỉnh Đồng Tháp")

        today = (await client.get("/registry/communes", params={"on": "2026-01-01"})).json()
        assert today and {c["province_code"] for c in today} == {"82"}
        before = (await client.get("/registry/communes", params={"on": "2025-06-30", "name": "my hiep"})).json()
        assert {c["province_code"] for c in before} == {"87"}, "Đồng Tháp 87 and Tiền Giang 82 formed it"


async def test_a_product_or_dossier_of_an_entity_in_another_province_is_refused(tmp_path: Path) -> None:
    """Records made while the platform ran for Đồng Tháp, met by An Giang's configuration."""
    async with running_platform(Settings(data_dir=tmp_path, province_code="82")) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        r = await post_entity(client, office, entity(741, commune_code=MY_HIEP))
        assert r.status_code == 201, r.text
        entity_id = r.json()["id"]
        r = await client.post("/registry/products", headers=office, json={
            "entity_id": entity_id, "name": "Hạt sen sấy", "product_set_no": 8})
        assert r.status_code == 201, r.text
        product_id = r.json()["id"]

    settings = Settings(data_dir=tmp_path)
    async with running_platform(settings) as (client, _):
        office = await as_role(client, Role.PROVINCE_OFFICE)
        await open_round(client, settings, "AG-2026-DT")
        r = await client.post("/registry/products", headers=office, json={
            "entity_id": entity_id, "name": "Trà sen", "product_set_no": 8})
        assert refusal(r, "entity_id") == "Xã Mỹ Hiệp (30112) thuộc tỉnh Đồng Tháp, không thuộc tỉnh An Giang"
        r = await client.post(f"/registry/products/{product_id}/dossiers", headers=office,
                              json={"case": "first", "round_id": "AG-2026-DT"})
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == "Xã Mỹ Hiệp (30112) thuộc tỉnh Đồng Tháp, không thuộc tỉnh An Giang"
