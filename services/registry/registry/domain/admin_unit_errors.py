"""What goes wrong with administrative units, in words a person can act on: a record that cannot
be a unit, records that contradict each other, a code nobody has, a unit not in force that day
(with its successors)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .errors import DomainError

if TYPE_CHECKING:
    from .admin_units import AdminUnit

# by level ("province", "district", "commune"): how a message names a unit's level
_LEVEL_VI = {"province": "Đơn vị cấp tỉnh", "district": "Đơn vị cấp huyện", "commune": "Đơn vị cấp xã"}


def vi_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class InvalidAdminUnit(DomainError):
    """One record cannot be a unit (bad code, kind/level mismatch, reversed dates, ...)."""

    def __init__(self, code: str, reason_vi: str, reason_en: str) -> None:
        super().__init__(f"Đơn vị {code or '?'}: {reason_vi}", f"Unit {code or '?'}: {reason_en}")
        self.reason_vi = reason_vi
        self.reason_en = reason_en


class InconsistentAdminUnits(DomainError):
    """The records contradict each other; ``problems`` lists each one as (vi, en)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(
            "Dữ liệu đơn vị hành chính không nhất quán: " + "; ".join(vi for vi, _ in problems),
            "Inconsistent administrative-unit data: " + "; ".join(en for _, en in problems),
        )
        self.problems = problems


class UnknownAdminUnit(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"Không có đơn vị hành chính mã {code}",
            f"No administrative unit has code {code}",
            field="code",
        )
        self.code = code


class AdminUnitNotInForce(DomainError):
    """The code exists but no version of it is in force on ``on``.

    ``nearest`` is the version that ended last before ``on`` (or the first one, if ``on`` is
    before any version); ``successors`` are the units in force on ``on`` that took over its
    territory, following the succession chain.
    """

    def __init__(self, code: str, on: date, nearest: AdminUnit,
                 successors: tuple[tuple[AdminUnit, bool], ...]) -> None:
        self.code = code
        self.on = on
        self.nearest = nearest
        self.successors = tuple(unit for unit, _ in successors)
        what_vi = f"{_LEVEL_VI[nearest.level]} {code} ({nearest.name})"
        what_en = f"{nearest.level.value} {code} ({nearest.name})"
        if nearest.valid_from is not None and on < nearest.valid_from:
            vi = (f"{what_vi} chỉ có hiệu lực từ ngày {vi_date(nearest.valid_from)}, "
                  f"chưa có vào ngày {vi_date(on)}")
            en = f"{what_en} is only valid from {nearest.valid_from.isoformat()}, not on {on.isoformat()}"
        else:
            assert nearest.valid_to is not None
            vi = f"{what_vi} đã chấm dứt ngày {vi_date(nearest.valid_to)}"
            en = f"{what_en} ceased on {nearest.valid_to.isoformat()}"
            if successors:
                vi += "; đơn vị kế thừa: " + ", ".join(
                    f"{u.code} {u.name}" + (" (một phần)" if part else "") for u, part in successors)
                en += "; it was succeeded by " + ", ".join(
                    f"{u.code} {u.name}" + (" (in part)" if part else "") for u, part in successors)
            else:
                vi += " và không có đơn vị kế thừa cùng cấp"
                en += " and has no successor at its level"
        super().__init__(vi, en, field="code")
