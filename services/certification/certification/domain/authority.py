"""Who issues and who revokes a certificate, by star rank (26/2026 Articles 4 and 8(2))."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ocop_shared.i18n import said

from .errors import InvalidCertificate

DEFAULT_PROVINCE = "An Giang"
MINISTRY_VI = "Bộ Nông nghiệp và Môi trường"
MINISTRY_EN = "Ministry of Agriculture and Environment"


class AuthorityLevel(StrEnum):
    PROVINCE = "province"  # UBND cấp tỉnh: 3★ and 4★
    MINISTRY = "ministry"  # Bộ Nông nghiệp và Môi trường: 5★


@dataclass(frozen=True)
class Authority:
    level: AuthorityLevel
    name_vi: str  # as stored on the certificate, e.g. "UBND tỉnh An Giang"
    name_en: str
    header_vi: tuple[str, ...]  # the agency header of a document, upper case
    decider_vi: str  # who signs recognition and revocation decisions
    decider_en: str
    signature_vi: tuple[str, ...]  # the signature block on the certificate
    place: str  # the place written before the date ("An Giang, ngày ...")


def check_stars(stars: int) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or not 3 <= stars <= 5:
        raise InvalidCertificate(
            *said("certification.only_3_5_star_products_get", stars=repr(stars)),
        )
    return stars


def authority_for(stars: int, province: str = DEFAULT_PROVINCE) -> Authority:
    """The competent authority: the province for 3★/4★, the ministry for 5★."""
    check_stars(stars)
    if stars == 5:
        return Authority(
            level=AuthorityLevel.MINISTRY,
            name_vi=MINISTRY_VI,
            name_en=MINISTRY_EN,
            header_vi=("BỘ NÔNG NGHIỆP", "VÀ MÔI TRƯỜNG"),
            decider_vi=f"Bộ trưởng {MINISTRY_VI}",
            decider_en="Minister of Agriculture and Environment",
            signature_vi=("BỘ TRƯỞNG",),
            place="Hà Nội",
        )
    return Authority(
        level=AuthorityLevel.PROVINCE,
        name_vi=f"UBND tỉnh {province}",
        name_en=f"People's Committee of {province} province",
        header_vi=("ỦY BAN NHÂN DÂN", f"TỈNH {province.upper()}"),
        decider_vi=f"Chủ tịch UBND tỉnh {province}",
        decider_en=f"Chairman of the People's Committee of {province} province",
        signature_vi=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        place=province,
    )
