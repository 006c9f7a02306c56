"""The report's JSON and the audit trail's: response models made from the domain's own rows, so
each column is declared once (a new column in `domain/rows.py` is in the API at once)."""

from __future__ import annotations

import types
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from ocop_shared.http.dates import IsoDate, IsoDateTime

from ..domain.audit import AuditRecord
from ..domain.rows import Report


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_MADE: dict[type, type[BaseModel]] = {}


def response_model(row: type, *, name: str | None = None, doc: str | None = None,
                   described: dict[str, Any] | None = None) -> type[BaseModel]:
    """A pydantic model of the dataclass `row` (nested rows too), every field required: a
    response always carries all of them. Dates are ISO dates; `described` adds a field's Field()."""
    if row in _MADE:
        return _MADE[row]
    hints = get_type_hints(row)
    made: dict[str, Any] = {
        f.name: (_on_the_wire(hints[f.name]), (described or {}).get(f.name, ...)) for f in fields(row)}
    model = create_model(name or f"{row.__name__}Out", __base__=_Out, __doc__=doc, **made)
    _MADE[row] = model
    return model


def _on_the_wire(hint: Any) -> Any:
    if hint is datetime:
        return IsoDateTime
    if hint is date:
        return IsoDate
    if is_dataclass(hint) and isinstance(hint, type):
        return response_model(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin is list:
        return list[_on_the_wire(args[0])]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        return Union[tuple(_on_the_wire(arg) for arg in args)]  # noqa: UP007  (built from a tuple)
    return hint


ReportOut = response_model(
    Report, doc="A report of the provincial OCOP coordination office, computed from the events "
                "received.",
    described={"province": Field(description="The province reporting (OCOP_PROVINCE_NAME)",
                                 max_length=100)})
AuditRecordOut = response_model(AuditRecord, name="AuditRecordOut", doc=None)
