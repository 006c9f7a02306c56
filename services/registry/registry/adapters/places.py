"""Addresses resolved against the registry's administrative units (valid at a given date): codes,
the province a commune lies in, and address lines typed by people."""

from __future__ import annotations

from datetime import date

from ocop_shared.i18n import said

from ..domain import territory
from ..domain.admin_units import AdminUnits, Level
from ..domain.errors import DomainError
from ..service_layer.ports import Place, PlacedAddress
from .addresses import FIELD as ADDRESS
from .addresses import place_line
from .admin_units_loader import packaged_admin_units


class PackagedPlaces:
    def __init__(self, units: AdminUnits | None = None) -> None:
        self._given = units

    @property
    def units(self) -> AdminUnits:
        """The given units, else the packaged geography, loaded on first use (not at start)."""
        return self._given if self._given is not None else packaged_admin_units()

    def communes(self, on: date, name: str | None = None, *, within: str | None = None) -> list[Place]:
        units = self.units
        if name:
            found = units.search(name, on=on, level=Level.COMMUNE, limit=None)
        else:
            found = sorted((u for u in units if u.level is Level.COMMUNE and u.valid_on(on)),
                           key=lambda u: u.code)
        if within is not None:
            provinces = territory.territory_on(units, within, on)
            found = [u for u in found if units.province_of(u.code, on).code in provinces]
        return [self.resolve(unit.code, on) for unit in found]

    def resolve(self, commune_code: str, on: date) -> Place:
        units = self.units
        unit = units.resolve(commune_code, on, field="commune_code")
        if unit.level is not Level.COMMUNE:
            raise DomainError(*said("registry.code_not_commune_level_unit", commune_code=commune_code,
                                    unit_name=unit.name),
                              field="commune_code")
        district = units.district_of(commune_code, on)
        return Place(commune_code=unit.code,
                     province_code=units.province_of(commune_code, on).code,
                     path=units.path(commune_code, on), commune_name=unit.name,
                     district_code=district.code if district else None,
                     district_name=district.name if district else None)

    def check_in_province(self, commune_code: str, on: date, province_code: str) -> None:
        territory.check_in_province(self.units, commune_code, on, province_code)

    def place_address(self, line: str, on: date) -> PlacedAddress:
        placed = place_line(self.units, line, on)
        try:
            place = self.resolve(placed.code, on)
        except DomainError as error:
            error.field = ADDRESS
            raise
        return PlacedAddress(place=place, street=placed.street, named_commune=placed.named_commune)
