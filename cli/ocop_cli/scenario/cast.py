"""Who takes part in the 2026 story, for the configured province: An Giang's real places and
invented producers (`an_giang.py`), or, for any other province, a cast made from its communes.

The other provinces' cast keeps the 2026 plot (seven products, one forwarded to the central
council, one stopped at the province, one revoked) and names producers and products after the
province's own communes, so what a council, a certificate or a report shows is that province's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ocop_shared.provinces import Province
from ocop_shared.settings import default_province

from ..api_client import OcopClient
from . import an_giang as ag


@dataclass(frozen=True)
class Cast2026:
    round_id: str
    producers: tuple[ag.Producer, ...]
    entries: tuple[ag.Entry, ...]
    revoked: str  # the product whose certificate the province revokes in November
    showrooms: tuple[dict[str, Any], ...]  # the first is assorted by the office, the second has the till
    fair_place: str
    demo_producer: str  # the producer who signs in to the console (its key)
    demo_login: str
    demo_name: str

    @property
    def assorted_showroom(self) -> str:
        return str(self.showrooms[0]["id"])

    @property
    def till_showroom(self) -> str:
        return str(self.showrooms[1]["id"])


AN_GIANG = Cast2026(
    round_id=ag.R2026, producers=ag.PRODUCERS_2026, entries=ag.ENTRIES_2026, revoked=ag.REVOKED_2026,
    showrooms=ag.SHOWROOMS, fair_place=ag.FAIR_PLACE_2026, demo_producer=ag.DEMO_PRODUCER,
    demo_login=ag.DEMO_PRODUCER_LOGIN, demo_name=ag.DEMO_PRODUCER_NAME)

# (producer kind, legal form, woman representative, product kind, product set, outcome):
# An Giang's 2026 plot with products any province makes
PLOT = (
    ("HTX Nông nghiệp", "cooperative", False, "Mắm cá", 9, "4"),
    ("Cơ sở", "household", True, "Khô cá", 8, "3"),
    ("DNTN", "enterprise_private", False, "Mật ong", 4, "5"),
    ("HTX Gạo sạch", "cooperative", False, "Gạo thơm", 3, "3"),
    ("Cơ sở", "household", True, "Lạp xưởng", 8, "2p"),
    ("HTX Trà thảo mộc", "cooperative", False, "Trà thảo mộc", 12, "3"),
    ("Công ty TNHH", "enterprise_llc", True, "Bánh pía", 6, "4"),
)


def cast_for(province: Province, communes: Sequence[tuple[str, str]]) -> Cast2026:
    """The 2026 cast of `province`, placed in its first communes (code, name) as given."""
    if province == default_province():  # the story's own province: its real places
        return AN_GIANG
    if len(communes) < 2:
        raise ValueError(f"{province.full_name}: the story needs two communes, found {len(communes)}")
    round_id = f"{province.code}-2026-R1"
    producers, entries = [], []
    for index, (kind, form, woman, product, set_no, outcome) in enumerate(PLOT, start=1):
        code, name = communes[(index - 1) % len(communes)]
        place = _place_name(name)
        producers.append(ag.Producer(f"N{index:02d}", f"{kind} {product} {place}", form, code, woman))
        entries.append(ag.Entry(f"N{index:02d}", f"{product} {place}", set_no, outcome, round_id))
    (first_code, first_name), (second_code, second_name) = communes[0], communes[1]
    showrooms = (
        {"id": "diem-ban-trung-tam", "name": f"Điểm giới thiệu và bán sản phẩm OCOP {province.name}",
         "location_type": "trade_centre", "address": f"Số 1, {first_name}", "commune_code": first_code,
         "operator": f"Trung tâm Xúc tiến Thương mại {province.in_text_vi}", "carries_all": False},
        {"id": "diem-ban-du-lich", "name": f"Điểm bán sản phẩm OCOP {_place_name(second_name)}",
         "location_type": "tourist_site", "address": f"Khu du lịch, {second_name}",
         "commune_code": second_code, "operator": f"Ban quản lý du lịch {second_name}",
         "carries_all": True},
    )
    return Cast2026(round_id=round_id, producers=tuple(producers), entries=tuple(entries),
                    revoked=entries[1].product, showrooms=showrooms,
                    fair_place=f"Quảng trường {first_name}", demo_producer="N01",
                    demo_login=f"chu-the@ocop-{province.code}.example.vn", demo_name="Nguyễn Văn An")


async def cast_of(ocop: OcopClient, province: Province) -> Cast2026:
    """The cast of the configured province; another province's from its communes of 2026."""
    if province == default_province():  # the story's own province: its real places
        return AN_GIANG
    communes = await ocop.communes(on=date(2026, 6, 1))
    return cast_for(province, [(c["code"], c["name"]) for c in communes
                               if c["province_code"] == province.code])


def _place_name(commune_name: str) -> str:
    """"Xã Mỹ Hòa Hưng" -> "Mỹ Hòa Hưng"."""
    for kind in ("Phường ", "Xã ", "Đặc khu "):
        if commune_name.startswith(kind):
            return commune_name.removeprefix(kind)
    return commune_name
