"""Who issues and who revokes a certificate, by star rank (26/2026 Articles 4 and 8(2))."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from ocop_shared.i18n import said
from ocop_shared.regulations import get_regulation, regulations
from ocop_shared.regulations.authorities import Authorities, load_authorities

from .errors import InvalidCertificate

DEFAULT_PROVINCE = "An Giang"
# Every certificate names the bodies of the regulation in force as they are today; issue 22
# passes each certificate's own regulation and decision date instead.
IN_FORCE = "26/2026/QĐ-TTg"


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


@cache
def _authorities() -> Authorities:
    return load_authorities(regulations())


_LEVELS = {"province": AuthorityLevel.PROVINCE, "central": AuthorityLevel.MINISTRY}


def authority_for(stars: int, province: str = DEFAULT_PROVINCE) -> Authority:
    """The competent authority (regulations/data/authorities.json): under 26/2026 the province
    for 3★/4★, the ministry for 5★."""
    check_stars(stars)
    regulation = get_regulation(IN_FORCE)
    body = _authorities().recognising(regulation, stars, regulation.effective_from,
                                      province=province)
    return Authority(level=_LEVELS[body.level], name_vi=body.name_vi, name_en=body.name_en,
                     header_vi=body.header_vi, decider_vi=body.decider_vi,
                     decider_en=body.decider_en, signature_vi=body.signature_vi, place=body.place)
