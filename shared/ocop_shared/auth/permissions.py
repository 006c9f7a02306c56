"""The permission matrix: every route of every service × every role → allow, deny or own.

It is data (`permissions.csv`, one row a route) and it is what the services enforce: the
guard in front of every route lets a caller through when one of their roles is `allow` or
`own` on the route's row; `own` means the use case then checks the records (the caller's
entity, commune, showroom, council seat, department). A route without a row refuses to start.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .roles import Role

MATRIX_FILE = Path(__file__).with_name("permissions.csv")


class Permission(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    OWN = "own"  # allowed on the caller's own records only


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    cells: dict[Role, Permission]
    note: str = ""

    @property
    def admitted(self) -> frozenset[Role]:
        return frozenset(r for r, p in self.cells.items() if p is not Permission.DENY)

    @property
    def public(self) -> bool:
        return self.cells[Role.PUBLIC] is Permission.ALLOW


class MatrixError(ValueError):
    pass


class PermissionMatrix:
    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows: dict[tuple[str, str], Row] = {}
        for row in rows:
            key = (row.method, row.path)
            if key in self.rows:
                raise MatrixError(f"permission matrix: {row.method} {row.path} listed twice")
            self.rows[key] = row

    @classmethod
    def load(cls, file: Path = MATRIX_FILE) -> PermissionMatrix:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(line for line in handle if not line.startswith("#"))
            roles = [r for r in Role]
            missing = [r.value for r in roles if r.value not in (reader.fieldnames or [])]
            if missing:
                raise MatrixError(f"{file.name}: no column for {', '.join(missing)}")
            rows = []
            for number, record in enumerate(reader, start=2):
                try:
                    cells = {r: Permission(record[r.value].strip()) for r in roles}
                except ValueError as error:
                    raise MatrixError(f"{file.name}:{number}: {error}") from error
                rows.append(Row(record["method"].strip().upper(), record["path"].strip(), cells,
                                (record.get("note") or "").strip()))
        return cls(rows)

    def row(self, method: str, path: str) -> Row | None:
        return self.rows.get((method.upper(), path))

    def missing(self, routes: Iterable[tuple[str, str]]) -> list[str]:
        """Routes (method, path template) that have no row."""
        return sorted(f"{m} {p}" for m, p in routes if (m.upper(), p) not in self.rows)


_loaded: PermissionMatrix | None = None


def matrix() -> PermissionMatrix:
    global _loaded
    if _loaded is None:
        _loaded = PermissionMatrix.load()
    return _loaded
