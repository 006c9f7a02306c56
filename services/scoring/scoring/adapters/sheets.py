"""Where a product set's scoring sheet comes from: the regulation's packaged sheets
(26/2026/QĐ-TTg, 1048/QĐ-TTg) or a province-supplied sheet file stored in the database (148).

Parsing goes through `ocop_shared.regulations.load_sheet_data`, which validates every rule
and names each problem's place. Parsed files are immutable (content-addressed), so they are
cached by id for the life of the process.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ocop_shared.regulations import (
    Issue,
    ProductSet,
    Regulation,
    SheetValidationError,
    get_regulation,
    load_sheet_data,
    sheet,
)

_cache: dict[str, tuple[ProductSet, ...]] = {}
_lock = threading.Lock()


def parse_sheet_file(content: bytes | str, regulation: Regulation, source: str) -> tuple[ProductSet, ...]:
    """The validated product sets of an uploaded file; SheetValidationError names each problem."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
    except UnicodeDecodeError as error:
        raise SheetValidationError([Issue("", f"not UTF-8 text: {error}", "",
                                          f"không phải văn bản UTF-8: {error}")], source) from error
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise SheetValidationError([Issue("", f"not valid JSON: {error}", "",
                                          f"không phải JSON hợp lệ: {error}")], source) from error
    return load_sheet_data(data, regulation, source)


def stored_product_sets(file_id: str, regulation_code: str, content: str,
                        filename: str) -> tuple[ProductSet, ...]:
    """The product sets of a stored (already validated) sheet file, cached by id."""
    with _lock:
        cached = _cache.get(file_id)
    if cached is not None:
        return cached
    parsed = parse_sheet_file(content, get_regulation(regulation_code), f"{filename} ({file_id})")
    with _lock:
        _cache[file_id] = parsed
    return parsed


def packaged_product_set(regulation: Regulation, set_no: int) -> ProductSet:
    """The packaged sheet (UnknownProductSet if the regulation has no such set)."""
    return sheet(regulation.code, set_no)


def pick(product_sets: tuple[ProductSet, ...], set_no: int) -> ProductSet | None:
    return next((ps for ps in product_sets if ps.no == set_no), None)
