"""Addresses resolved against the packaged administrative units (valid at a given date)."""

from __future__ import annotations

from datetime import date

from ocop_shared.i18n import said

from ..domain.admin_units import AdminUnits, Level
from ..domain.errors import DomainError
from ..service_layer.ports import Place
from .admin_units_loader import packaged_admin_units


class PackagedPlaces:
    def __init__(self, units: AdminUnits | None = None) -> None:
        self._units = units or packaged_admin_units()

    def communes(self, on: date, name: str | None = None) -> list[Place]:
        if name:
            found = self._units.search(name, on=on, level=Level.COMMUNE, limit=None)
        else:
            found = sorted((u for u in self._units if u.level is Level.COMMUNE and u.valid_on(on)),
                           key=lambda u: u.code)
        return [self.resolve(unit.code, on) for unit in found]

    def resolve(self, commune_code: str, on: date) -> Place:
        unit = self._units.resolve(commune_code, on, field="commune_code")
        if unit.level is not Level.COMMUNE:
            raise DomainError(*said("registry.code_not_commune_level_unit", commune_code=commune_code,
                                    unit_name=unit.name),
                              field="commune_code")
        district = self._units.district_of(commune_code, on)
        return Place(commune_code=unit.code,
                     province_code=self._units.province_of(commune_code, on).code,
                     path=self._units.path(commune_code, on), commune_name=unit.name,
                     district_code=district.code if district else None,
                     district_name=district.name if district else None)
