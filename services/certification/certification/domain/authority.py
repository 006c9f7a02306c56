"""Who issues and who revokes a certificate (`ocop_shared/regulations/data/authorities.json`).

The body that recognises a result is the one of the level that recognises it under the result's
regulation on the decision day: a 148 district's 3★ in 2023 is the district People's Committee's,
a 5★ of 2024 the Ministry of Agriculture and Rural Development's. A certificate keeps its
issuer (`Issuer`); its revocation goes to that issuer, or to the issuer's legal successor once
the issuer has ceased (a district's certificate after 1 July 2025 goes to the province).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from ocop_shared.i18n import said
from ocop_shared.provinces import named
from ocop_shared.regulations import get_regulation, regulations
from ocop_shared.regulations.authorities import Authorities, load_authorities
from ocop_shared.regulations.authorities import Authority as Body

from .errors import InvalidCertificate


class AuthorityLevel(StrEnum):
    DISTRICT = "district"  # UBND cấp huyện: 3★ under 148 (until 1 July 2025)
    PROVINCE = "province"  # UBND cấp tỉnh: 3★ and 4★ (also 3★ under 1048 and since 1489)
    MINISTRY = "ministry"  # the ministry in charge of agriculture: 5★


_LEVELS = {"district": AuthorityLevel.DISTRICT, "province": AuthorityLevel.PROVINCE,
           "central": AuthorityLevel.MINISTRY}
# Certificates recorded before issuers were kept (26/2026's split, as they were printed).
LEGACY_ISSUERS = {3: "province-committee", 4: "province-committee", 5: "mae"}


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
    body_id: str  # the body in the authorities data, e.g. "district-committee"


@dataclass(frozen=True)
class Issuer:
    """The body that recognised a certificate, and the place it is named after."""

    body_id: str
    province: str  # "An Giang": the province of the platform
    district: str | None = None  # "Huyện Chợ Mới": for a district People's Committee

    def authority(self) -> Authority:
        return _authority(_authorities().issued_by(
            self.body_id, province=self.province, district=self.district, city=self._city))

    def revoking_authority(self, on: date) -> Authority:
        """Who decides a revocation on `on`: the issuer, or its successor once it has ceased."""
        return _authority(_authorities().revoking(
            self.body_id, on, province=self.province, district=self.district, city=self._city))

    @property
    def _city(self) -> bool:
        return named(self.province).city


def check_stars(stars: int) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or not 3 <= stars <= 5:
        raise InvalidCertificate(
            *said("certification.only_3_5_star_products_get", stars=repr(stars)),
        )
    return stars


def recognising_issuer(*, regulation: str, stars: int, decided_on: date, province: str,
                       district: str | None = None, level: str | None = None) -> Issuer:
    """The issuer of a result of `stars` under `regulation` decided on `decided_on`; `level` is
    the level the council's result says recognises it (otherwise found from the regulation)."""
    check_stars(stars)
    body = _authorities().recognising(get_regulation(regulation), stars, decided_on,
                                      province=province, district=district,
                                      city=named(province).city, level=level)
    return Issuer(body.body_id, province, district if body.level == "district" else None)


def legacy_issuer(stars: int, province: str) -> Issuer:
    return Issuer(LEGACY_ISSUERS[check_stars(stars)], province)


@cache
def _authorities() -> Authorities:
    return load_authorities(regulations())


def _authority(body: Body) -> Authority:
    return Authority(level=_LEVELS[body.level], name_vi=body.name_vi, name_en=body.name_en,
                     header_vi=body.header_vi, decider_vi=body.decider_vi,
                     decider_en=body.decider_en, signature_vi=body.signature_vi, place=body.place,
                     body_id=body.body_id)
