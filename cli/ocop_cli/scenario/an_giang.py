"""An Giang's OCOP story as data: producers, products and what their councils concluded.

2020 (1048, district councils then the province): the results the province's 2021 plan
(152/KH-UBND) reports — 49 products evaluated, 42 at 3★+ (26 three-star, 11 four-star and 5
proposed for five stars) from 28 entities (12 households, 13 enterprises, 3 cooperatives); the
42 by group: food 33, beverages 7, herbs 1, souvenirs 1. 2021 (1048): two new entities in each
of the 11 districts, six upgrades, two products to the national evaluation. 2023 (148, district
councils): re-ratings of four 2020 products before their certificates end; the rest expire.
2026 (26/2026, after the 2025 merger, commune codes of the new province 91): a round judged
by the province council, one product on to the central council.

Names are invented but typical of the province (mắm, khô cá, đường thốt nốt, gạo, trà, thổ
cẩm...); places are real communes in force on the day of registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.domain.validation import with_check_digit

# outcome: "3" / "4" stars, "5" proposed for five stars (>= 90 at the province),
# "2d" stopped below 50 at the district council, "2p" below 50 at the province council


@dataclass(frozen=True)
class Producer:
    key: str
    name: str
    legal_form: str
    commune: str
    female_representative: bool = False

    @property
    def registration_no(self) -> str:
        number = int("".join(c for c in self.key if c.isdigit()))
        if self.legal_form == "household":
            prefix = "91" if self.key.startswith("N") else "89"
            return f"{prefix}A8{number * 7919 % 1_000_000:06d}"
        start = number * 97 + 30_000 * "ECN".index(self.key[0])
        for seed in range(start, start + 50):
            code = with_check_digit(f"160{seed:06d}")
            if code:
                return code
        raise ValueError(self.key)


@dataclass(frozen=True)
class Entry:
    producer: str
    product: str
    set_no: int
    outcome: str
    round_id: str


R2020_1, R2020_2, R2021, R2023, R2026 = "AG-2020-R1", "AG-2020-R2", "AG-2021-R1", "AG-2023-R1", "AG-2026-R1"

PRODUCERS_2020 = (
    Producer("E01", "Công ty TNHH Mắm Bảy Hồng", "enterprise_llc", "30316", True),
    Producer("E02", "Công ty TNHH Thốt Nốt Sáu Hưng", "enterprise_llc", "30544"),
    Producer("E03", "Công ty CP Rượu Phú Tân", "enterprise_jsc", "30406"),
    Producer("E04", "Công ty TNHH Gạo Châu Phú", "enterprise_llc", "30463"),
    Producer("E05", "DNTN Lạp xưởng Kim Hoa", "enterprise_private", "30376", True),
    Producer("E06", "Công ty TNHH Trà Núi Cấm", "enterprise_llc", "30523"),
    Producer("E07", "Công ty TNHH Khô cá Thoại Sơn", "enterprise_llc", "30682"),
    Producer("E08", "Công ty CP Nông sản An Giang Xanh", "enterprise_jsc", "30280"),
    Producer("E09", "DNTN Nước mắm Mỹ Luông", "enterprise_private", "30631"),
    Producer("E10", "Công ty TNHH Mật ong Bảy Núi", "enterprise_llc", "30547"),
    Producer("E11", "Công ty TNHH Dược liệu Thất Sơn", "enterprise_llc", "30526", True),
    Producer("E12", "Công ty TNHH Đồ uống Long Xuyên", "enterprise_llc", "30283"),
    Producer("E13", "Công ty CP Thực phẩm Châu Thành", "enterprise_jsc", "30589"),
    Producer("C01", "HTX Nông nghiệp Vĩnh Mỹ", "cooperative", "30322"),
    Producer("C02", "HTX Dệt thổ cẩm Văn Giáo", "cooperative", "30523", True),
    Producer("C03", "HTX Đường thốt nốt Tri Tôn", "cooperative", "30550"),
    Producer("H01", "Cơ sở Khô cá lóc Sáu Tâm", "household", "30325", True),
    Producer("H02", "Cơ sở Bánh bò Cô Út", "household", "30377", True),
    Producer("H03", "Cơ sở Tung lò mò Ba Tư", "household", "30337"),
    Producer("H04", "Cơ sở Cốm dẹp Mỹ Hội Đông", "household", "30637", True),
    Producer("H05", "Cơ sở Rượu Cô Hai", "household", "30409", True),
    Producer("H06", "Cơ sở Mắm Bà Tám", "household", "30340", True),
    Producer("H07", "Cơ sở Bánh phồng Phú Mỹ", "household", "30415"),
    Producer("H08", "Cơ sở Chả cá thác lác Châu Phú", "household", "30466"),
    Producer("H09", "Cơ sở Nem chua Long Bình", "household", "30341", True),
    Producer("H10", "Cơ sở Khô trâu Tri Tôn", "household", "30553"),
    Producer("H11", "Cơ sở Bánh tét lá cẩm Châu Thành", "household", "30592", True),
    Producer("H12", "Cơ sở Bò một nắng Bảy Núi", "household", "30529"),
)

_R1_PRODUCERS = {"E01", "E02", "E03", "E04", "E05", "E06", "E07", "C01",
                 "H01", "H02", "H03", "H04", "H05", "H06"}


def _in_2020(producer: str, product: str, set_no: int, outcome: str) -> Entry:
    return Entry(producer, product, set_no, outcome, R2020_1 if producer in _R1_PRODUCERS else R2020_2)


ENTRIES_2020 = (
    _in_2020("E01", "Mắm thái Bảy Hồng", 8, "4"),
    _in_2020("E01", "Mắm cá linh Bảy Hồng", 8, "4"),
    _in_2020("E01", "Mắm cá sặc Bảy Hồng", 8, "3"),
    _in_2020("E02", "Đường thốt nốt Sáu Hưng", 4, "5"),
    _in_2020("E02", "Nước thốt nốt đóng chai Sáu Hưng", 17, "4"),
    _in_2020("E02", "Rượu vang thốt nốt Sáu Hưng", 15, "3"),
    _in_2020("E03", "Rượu nếp Phú Tân", 14, "4"),
    _in_2020("E03", "Rượu nếp than Phú Tân", 14, "3"),
    _in_2020("E03", "Rượu đế Chợ Vàm", 14, "2d"),
    _in_2020("E04", "Gạo thơm Jasmine Châu Phú", 3, "3"),
    _in_2020("E04", "Gạo nếp cái hoa vàng Châu Phú", 3, "3"),
    _in_2020("E04", "Gạo huyết rồng Châu Phú", 3, "5"),
    _in_2020("E05", "Lạp xưởng tươi Tân Châu", 8, "3"),
    _in_2020("E05", "Lạp xưởng tôm Tân Châu", 8, "3"),
    _in_2020("E05", "Khô bò Kim Hoa", 8, "2p"),
    _in_2020("E06", "Trà khổ qua rừng Núi Cấm", 12, "4"),
    _in_2020("E06", "Trà atiso đỏ Núi Cấm", 12, "3"),
    _in_2020("E06", "Trà thảo mộc Thất Sơn", 12, "3"),
    _in_2020("E07", "Khô cá lóc Thoại Sơn", 8, "3"),
    _in_2020("E07", "Khô cá tra phồng Thoại Sơn", 8, "5"),
    _in_2020("E08", "Xoài sấy dẻo An Giang Xanh", 7, "4"),
    _in_2020("E08", "Chuối sấy giòn An Giang Xanh", 7, "3"),
    _in_2020("E08", "Mít sấy An Giang Xanh", 7, "2d"),
    _in_2020("E09", "Nước mắm cá linh Mỹ Luông", 9, "3"),
    _in_2020("E09", "Tương ớt Mỹ Luông", 9, "2p"),
    _in_2020("E10", "Mật ong rừng tràm Bảy Núi", 4, "5"),
    _in_2020("E10", "Mật ong hoa xoài Bảy Núi", 4, "3"),
    _in_2020("E11", "Tinh dầu tràm Trà Sư", 20, "3"),
    _in_2020("E12", "Nước ép thốt nốt Long Xuyên", 17, "3"),
    _in_2020("E12", "Sữa bắp Long Xuyên", 17, "2d"),
    _in_2020("E12", "Rượu chuối hột Long Xuyên", 15, "4"),
    _in_2020("E13", "Bánh phồng tôm Châu Thành", 8, "4"),
    _in_2020("C01", "Gạo sạch Vĩnh Mỹ", 3, "3"),
    _in_2020("C01", "Nấm rơm sấy Vĩnh Mỹ", 7, "2p"),
    _in_2020("C02", "Khăn choàng thổ cẩm Văn Giáo", 22, "3"),
    _in_2020("C03", "Đường thốt nốt hữu cơ Tri Tôn", 4, "4"),
    _in_2020("C03", "Kẹo thốt nốt Tri Tôn", 6, "3"),
    _in_2020("H01", "Khô cá lóc Sáu Tâm", 8, "3"),
    _in_2020("H02", "Bánh bò thốt nốt Cô Út", 6, "3"),
    _in_2020("H03", "Tung lò mò Chăm An Phú", 8, "4"),
    _in_2020("H04", "Cốm dẹp Mỹ Hội Đông", 6, "3"),
    _in_2020("H05", "Rượu nếp Chợ Vàm Cô Hai", 14, "3"),
    _in_2020("H06", "Mắm cá chốt Bà Tám", 8, "2d"),
    _in_2020("H07", "Bánh phồng nếp Phú Mỹ", 6, "3"),
    _in_2020("H08", "Chả cá thác lác Châu Phú", 8, "4"),
    _in_2020("H09", "Nem chua Long Bình", 8, "3"),
    _in_2020("H10", "Khô trâu Tri Tôn", 8, "3"),
    _in_2020("H11", "Bánh tét lá cẩm Châu Thành", 6, "5"),
    _in_2020("H12", "Bò một nắng Bảy Núi", 8, "3"),
)

PRODUCERS_2021 = (
    Producer("E21", "Công ty TNHH Cá tra Bình Đức", "enterprise_llc", "30289"),
    Producer("H21", "Cơ sở Bánh pía Bình Khánh", "household", "30292", True),
    Producer("H22", "Cơ sở Mắm Út Ba", "household", "30319", True),
    Producer("H23", "Cơ sở Trà sâm dứa Núi Sam", "household", "30325"),
    Producer("H24", "Cơ sở Bánh bò Chăm Khánh Bình", "household", "30343", True),
    Producer("E22", "Công ty TNHH Thổ cẩm Chăm An Phú", "enterprise_llc", "30337", True),
    Producer("H25", "Cơ sở Lụa Tân Châu", "household", "30378", True),
    Producer("C21", "HTX Nông nghiệp Phú Lộc", "cooperative", "30379"),
    Producer("H26", "Cơ sở Bánh tráng Phú Long", "household", "30418", True),
    Producer("E23", "Công ty TNHH Nếp Phú Tân", "enterprise_llc", "30406"),
    Producer("H27", "Cơ sở Khô cá sặc Mỹ Đức", "household", "30469"),
    Producer("C22", "HTX Rau màu Mỹ Phú", "cooperative", "30472"),
    Producer("H28", "Cơ sở Bánh canh Vĩnh Trung", "household", "30532", True),
    Producer("E24", "Công ty TNHH Dược liệu An Cư", "enterprise_llc", "30526"),
    Producer("H29", "Cơ sở Đường thốt nốt Ba Chúc", "household", "30547"),
    Producer("C23", "HTX Thốt nốt Lê Trì", "cooperative", "30553"),
    Producer("H30", "Cơ sở Lạp xưởng Cần Đăng", "household", "30595", True),
    Producer("E25", "Công ty CP Nông sản Vĩnh Hanh", "enterprise_jsc", "30598"),
    Producer("H31", "Cơ sở Bánh phồng Chợ Mới", "household", "30628", True),
    Producer("E26", "Công ty TNHH Xoài Kiến An", "enterprise_llc", "30634"),
    Producer("H32", "Cơ sở Mắm Phú Hòa", "household", "30685", True),
    Producer("C24", "HTX Nông nghiệp Tây Phú", "cooperative", "30691"),
)

ENTRIES_2021 = tuple(Entry(p, name, set_no, outcome, R2021) for p, name, set_no, outcome in (
    ("E21", "Chả cá tra Bình Đức", 8, "4"),
    ("H21", "Bánh pía sầu riêng Bình Khánh", 6, "3"),
    ("H22", "Mắm cá lóc Út Ba", 8, "3"),
    ("H23", "Trà sâm dứa Núi Sam", 12, "3"),
    ("H24", "Bánh bò Chăm Khánh Bình", 6, "3"),
    ("E22", "Xà rông thổ cẩm Chăm An Phú", 22, "3"),
    ("H25", "Khăn lụa Tân Châu", 22, "4"),
    ("C21", "Dưa lưới Phú Lộc", 1, "3"),
    ("H26", "Bánh tráng Phú Long", 6, "2d"),
    ("E23", "Nếp cái Phú Tân", 3, "4"),
    ("H27", "Khô cá sặc Mỹ Đức", 8, "2p"),
    ("C22", "Hành lá sấy Mỹ Phú", 7, "2p"),
    ("H28", "Bánh canh Vĩnh Trung", 6, "2d"),
    ("E24", "Cao nghệ An Cư", 18, "3"),
    ("H29", "Đường thốt nốt Ba Chúc", 4, "3"),
    ("C23", "Rượu thốt nốt Lê Trì", 15, "4"),
    ("H30", "Lạp xưởng Cần Đăng", 8, "3"),
    ("E25", "Gạo ST25 Vĩnh Hanh", 3, "5"),
    ("H31", "Bánh phồng Chợ Mới", 6, "3"),
    ("E26", "Xoài cát Hòa Lộc Kiến An", 1, "5"),
    ("H32", "Mắm cá linh Phú Hòa", 8, "3"),
    ("C24", "Gạo hữu cơ Tây Phú", 3, "3"),
))

# 2020 three-star products upgraded to four stars in 2021 (upgrade dossiers, 1048)
UPGRADES_2021 = ("Mắm cá sặc Bảy Hồng", "Gạo thơm Jasmine Châu Phú", "Trà atiso đỏ Núi Cấm",
                 "Kẹo thốt nốt Tri Tôn", "Khô cá lóc Sáu Tâm", "Nem chua Long Bình")

# 2020 (second round) products re-rated in 2023 (148) before their certificates end, with the
# stars the re-rating gave; every other 2020 certificate expires
RERATINGS_2023 = (("Chả cá thác lác Châu Phú", "4"), ("Bò một nắng Bảy Núi", "3"),
                  ("Nước mắm cá linh Mỹ Luông", "3"), ("Mật ong hoa xoài Bảy Núi", "3"))

PRODUCERS_2026 = (
    Producer("N01", "HTX Nông nghiệp Mắm Châu Đốc", "cooperative", "30316"),
    Producer("N02", "Cơ sở Khô cá lóc Út Hạnh", "household", "30316", True),
    Producer("N03", "DNTN Đường thốt nốt Bảy Núi", "enterprise_private", "30544"),
    Producer("N04", "HTX Gạo sạch Tịnh Biên", "cooperative", "30520"),
    Producer("N05", "Cơ sở Lạp xưởng Tân Châu", "household", "30376", True),
    Producer("N06", "HTX Trà thảo mộc Núi Cấm", "cooperative", "30538"),
    Producer("N07", "Công ty TNHH Bánh pía Long Xuyên", "enterprise_llc", "30307", True),
)

ENTRIES_2026 = tuple(Entry(p, name, set_no, outcome, R2026) for p, name, set_no, outcome in (
    ("N01", "Mắm cá linh Châu Đốc", 9, "4"),
    ("N02", "Khô cá lóc Út Hạnh", 8, "3"),
    ("N03", "Đường thốt nốt Tri Tôn", 4, "5"),
    ("N04", "Gạo Nàng Nhen Tịnh Biên", 3, "3"),
    ("N05", "Lạp xưởng tươi Tân Châu", 8, "2p"),
    ("N06", "Trà khổ qua rừng Núi Cấm", 12, "3"),
    ("N07", "Bánh pía sầu riêng Long Xuyên", 6, "4"),
))
REVOKED_2026 = "Khô cá lóc Út Hạnh"
# the office assorts the first; the second carries every certified product and has the till
SHOWROOMS: tuple[dict[str, Any], ...] = (
    {"id": "diem-ban-long-xuyen", "name": "Điểm giới thiệu và bán sản phẩm OCOP Long Xuyên",
     "location_type": "trade_centre", "address": "Số 12 Nguyễn Huệ, Phường Long Xuyên",
     "commune_code": "30307", "operator": "Trung tâm Xúc tiến Thương mại An Giang", "carries_all": False},
    {"id": "diem-ban-nui-sam", "name": "Điểm bán sản phẩm OCOP Núi Sam",
     "location_type": "tourist_site", "address": "Khu du lịch Núi Sam, Phường Châu Đốc",
     "commune_code": "30316", "operator": "Ban quản lý Khu du lịch Núi Sam", "carries_all": True},
)
FAIR_PLACE_2026 = "Quảng trường Phường Long Xuyên"
# The producer who signs in to the demo's console: HTX Nông nghiệp Mắm Châu Đốc's own account.
DEMO_PRODUCER, DEMO_PRODUCER_LOGIN, DEMO_PRODUCER_NAME = "N01", "chu-the@htx-mam-chau-doc.vn", "Nguyễn Văn An"

ROUNDS = {
    R2020_1: ("Đợt 1 năm 2020", "1048/QĐ-TTg", "2020-03-01", "2020-04-30"),
    R2020_2: ("Đợt 2 năm 2020", "1048/QĐ-TTg", "2020-07-01", "2020-08-31"),
    R2021: ("Năm 2021", "1048/QĐ-TTg", "2021-04-01", "2021-06-30"),
    R2023: ("Đánh giá lại năm 2023", "148/QĐ-TTg", "2023-06-15", "2023-09-30"),
    R2026: ("Đợt 2 năm 2026 (hồ sơ trước 30/10)", "26/2026/QĐ-TTg", "2026-06-01", "2026-10-30"),
}


def mean_for(outcome: str, level: str, index: int) -> str:
    """A council's mean for an outcome at a level, varied by `index` (quarter points)."""
    spread = (index * 37) % 40 / 4  # 0 .. 9.75
    base = {
        ("3", "district"): 58, ("3", "province"): 55, ("3", "central"): 55,
        ("4", "district"): 72, ("4", "province"): 71, ("4", "central"): 71,
        ("5", "district"): 90, ("5", "province"): 90, ("5", "central"): 90,
        ("2d", "district"): 38, ("2p", "district"): 51, ("2p", "province"): 39,
    }[(outcome, level)]
    value = base + (spread if outcome != "5" else index % 8 / 4)
    return f"{value:.2f}"
