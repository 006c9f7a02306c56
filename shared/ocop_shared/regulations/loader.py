"""Load regulations and product-set sheets from JSON, and validate them.

Everything the scoring rules depend on is data: adding or amending a
regulation means editing `data/regulations.json` (or loading another file
with `load_regulations`), never code. A regulation without packaged sheets
(148/QĐ-TTg, 1048/QĐ-TTg) gets its sheets from a province-supplied file with
`load_sheet_file(path, regulation)`, in the schema of `data/qd-26-2026.json`.

A sheet is refused, with every problem found, by `SheetValidationError`. Each
`Issue` names the exact place and the reason, in English and Vietnamese, e.g.
``set 8, part A, criterion 1.1: leaf maximum 3 but highest option is 2``.
Options are named by their 0-based index in the criterion's option list, the
same index a score sheet uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

from .model import (
    Band,
    Criterion,
    Escalation,
    Level,
    Option,
    Part,
    Procedure,
    ProductSet,
    Regulation,
    ReratingWindow,
)

PACKAGE = "ocop_shared.regulations"
DATA_DIR = "data"
REGULATIONS_FILE = "regulations.json"

# ------------------------------------------------------------------------- errors


class RegulationError(Exception):
    """Base of the errors of this package; carries a Vietnamese and an English message."""

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi


class UnknownRegulation(RegulationError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown regulation {code!r}", f"không có văn bản quy định {code!r}")
        self.code = code


class UnknownProductSet(RegulationError, LookupError):
    def __init__(self, code: str, set_no: int) -> None:
        super().__init__(
            f"regulation {code} has no product set {set_no}",
            f"văn bản {code} không có bộ sản phẩm số {set_no}",
        )
        self.code = code
        self.set_no = set_no


class NoPackagedSheets(RegulationError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"regulation {code} has no packaged sheets: load the province's sheet file "
            "with load_sheet_file(path, regulation)",
            f"văn bản {code} không có sẵn phiếu đánh giá: cần nạp tệp phiếu của tỉnh",
        )
        self.code = code


@dataclass(frozen=True)
class Issue:
    """One problem found in a data file: where it is and why it is wrong."""

    place: str
    reason: str
    place_vi: str
    reason_vi: str

    def __str__(self) -> str:
        return f"{self.place}: {self.reason}" if self.place else self.reason

    @property
    def vi(self) -> str:
        return f"{self.place_vi}: {self.reason_vi}" if self.place_vi else self.reason_vi


class DataValidationError(RegulationError, ValueError):
    """A data file is refused; `issues` lists every problem found."""

    kind_en = "data"
    kind_vi = "dữ liệu"

    def __init__(self, issues: Sequence[Issue], source: str = "") -> None:
        self.issues = tuple(issues)
        self.source = source
        origin = f" ({source})" if source else ""
        en = f"invalid {self.kind_en}{origin}: " + "; ".join(str(i) for i in self.issues)
        vi = f"{self.kind_vi} không hợp lệ{origin}: " + "; ".join(i.vi for i in self.issues)
        super().__init__(en, vi)


class SheetValidationError(DataValidationError):
    kind_en = "sheet"
    kind_vi = "phiếu đánh giá"


class RegulationDataError(DataValidationError):
    kind_en = "regulation data"
    kind_vi = "dữ liệu văn bản quy định"


# ------------------------------------------------------------------ place helpers


@dataclass(frozen=True)
class _Place:
    en: tuple[str, ...] = ()
    vi: tuple[str, ...] = ()

    def at(self, en: str, vi: str) -> _Place:
        return _Place((*self.en, en), (*self.vi, vi))

    def issue(self, reason: str, reason_vi: str) -> Issue:
        return Issue(", ".join(self.en), reason, ", ".join(self.vi), reason_vi)


def _set_place(no: object) -> _Place:
    return _Place().at(f"set {no}", f"bộ {no}")


class _Issues:
    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(self, place: _Place, reason: str, reason_vi: str) -> None:
        self.items.append(place.issue(reason, reason_vi))


def _typename(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


class _Reader:
    """Typed access to a JSON object, recording an issue for each wrong or missing key."""

    def __init__(self, obj: Mapping[str, Any], place: _Place, issues: _Issues, known: Iterable[str]):
        self.obj = obj
        self.place = place
        self.issues = issues
        self.ok = True
        extra = sorted(set(obj) - set(known))
        for key in extra:
            self._bad(f"unknown key {key!r}", f"khóa không xác định {key!r}")

    def _bad(self, en: str, vi: str) -> None:
        self.ok = False
        self.issues.add(self.place, en, vi)

    def _get(self, key: str, required: bool) -> tuple[bool, Any]:
        if key not in self.obj:
            if required:
                self._bad(f"missing {key!r}", f"thiếu {key!r}")
            return False, None
        return True, self.obj[key]

    def integer(self, key: str) -> int:
        present, value = self._get(key, True)
        if present and (isinstance(value, bool) or not isinstance(value, int)):
            self._bad(f"{key!r} must be an integer, not {_typename(value)}",
                      f"{key!r} phải là số nguyên, không phải {_typename(value)}")
            return 0
        return value if present else 0

    def opt_integer(self, key: str) -> int | None:
        present, value = self._get(key, False)
        if not present or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(f"{key!r} must be an integer or null, not {_typename(value)}",
                      f"{key!r} phải là số nguyên hoặc null, không phải {_typename(value)}")
            return None
        return value

    def number(self, key: str, required: bool = True) -> Decimal | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._bad(f"{key!r} must be a number, not {_typename(value)}",
                      f"{key!r} phải là số, không phải {_typename(value)}")
            return None
        return Decimal(str(value))

    def text(self, key: str) -> str:
        present, value = self._get(key, True)
        if present and (not isinstance(value, str) or not value.strip()):
            self._bad(f"{key!r} must be a non-empty string", f"{key!r} phải là chuỗi không rỗng")
            return ""
        return value if present else ""

    def opt_text(self, key: str) -> str | None:
        present, value = self._get(key, False)
        if not present or value is None:
            return None
        if not isinstance(value, str):
            self._bad(f"{key!r} must be a string or null", f"{key!r} phải là chuỗi hoặc null")
            return None
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        present, value = self._get(key, False)
        if not present:
            return default
        if not isinstance(value, bool):
            self._bad(f"{key!r} must be true or false", f"{key!r} phải là true hoặc false")
            return default
        return value

    def array(self, key: str, required: bool = True) -> list[Any]:
        present, value = self._get(key, required)
        if not present:
            return []
        if not isinstance(value, list):
            self._bad(f"{key!r} must be an array", f"{key!r} phải là mảng")
            return []
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.array(key, required=False)
        if not all(isinstance(v, str) for v in values):
            self._bad(f"{key!r} must be an array of strings", f"{key!r} phải là mảng chuỗi")
            return ()
        return tuple(values)

    def mapping(self, key: str, required: bool = True) -> Mapping[str, Any] | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        if not isinstance(value, dict):
            self._bad(f"{key!r} must be an object", f"{key!r} phải là đối tượng")
            return None
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        present, value = self._get(key, required)
        if not present or (value is None and not required):
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self._bad(f"{key!r} must be an ISO date (YYYY-MM-DD)", f"{key!r} phải là ngày dạng YYYY-MM-DD")
            return None


# ------------------------------------------------------------------ sheet parsing

_SET_KEYS = ("no", "slug", "category", "category_vi", "group_vi", "name_vi", "name_en",
             "disqualifiers_vi", "parts")
_PART_KEYS = ("code", "name_vi", "max", "criteria")
_NODE_KEYS = ("code", "name_vi", "max", "note_vi", "knockout", "options", "children", "implicit_options")
_OPTION_KEYS = ("label_vi", "points", "min_star", "case_vi")


def _part_place(set_place: _Place, code: object) -> _Place:
    return set_place.at(f"part {code}", f"phần {code}")


def _node_place(part_place: _Place, code: object) -> _Place:
    return part_place.at(f"criterion {code}", f"tiêu chí {code}")


def _option_place(node_place: _Place, index: int) -> _Place:
    return node_place.at(f"option {index}", f"lựa chọn {index}")


def _parse_option(raw: Any, index: int, place: _Place, issues: _Issues) -> Option | None:
    place = _option_place(place, index)
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = _Reader(raw, place, issues, _OPTION_KEYS)
    option = Option(index=index, label_vi=r.text("label_vi"), points=r.integer("points"),
                    min_star=r.opt_integer("min_star"), case_vi=r.opt_text("case_vi"))
    return option if r.ok else None


def _parse_node(raw: Any, part_place: _Place, issues: _Issues, where: str) -> Criterion | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = _node_place(part_place, code if isinstance(code, str) else where)
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = _Reader(raw, place, issues, _NODE_KEYS)
    code_s, name, maximum = r.text("code"), r.text("name_vi"), r.integer("max")
    note, knockout, implicit = r.opt_text("note_vi"), r.flag("knockout"), r.flag("implicit_options")
    options = [_parse_option(o, i, place, issues) for i, o in enumerate(r.array("options", False))]
    children = [_parse_node(c, part_place, issues, f"{code_s}/{i}")
                for i, c in enumerate(r.array("children", False))]
    if not r.ok or any(o is None for o in options) or any(c is None for c in children):
        return None
    return Criterion(code=code_s, name_vi=name, max=maximum, note_vi=note, knockout=knockout,
                     options=tuple(o for o in options if o is not None),
                     children=tuple(c for c in children if c is not None), implicit_options=implicit)


def _parse_part(raw: Any, set_place: _Place, issues: _Issues, index: int) -> Part | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = _part_place(set_place, code if isinstance(code, str) else f"#{index}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = _Reader(raw, place, issues, _PART_KEYS)
    code_s, name, maximum = r.text("code"), r.text("name_vi"), r.integer("max")
    criteria = [_parse_node(c, place, issues, f"#{i}") for i, c in enumerate(r.array("criteria"))]
    if not r.ok or any(c is None for c in criteria):
        return None
    return Part(code=code_s, name_vi=name, max=maximum,
                criteria=tuple(c for c in criteria if c is not None))


def _parse_set(raw: Any, regulation_code: str, source: str, issues: _Issues, index: int
               ) -> ProductSet | None:
    no = raw.get("no") if isinstance(raw, dict) else None
    place = _set_place(no if isinstance(no, int) and not isinstance(no, bool) else f"#{index}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = _Reader(raw, place, issues, _SET_KEYS)
    no_i, slug, name_vi = r.integer("no"), r.text("slug"), r.text("name_vi")
    fields = dict(name_en=r.opt_text("name_en"), category=r.opt_text("category"),
                  category_vi=r.opt_text("category_vi"), group_vi=r.opt_text("group_vi"))
    disqualifiers = r.texts("disqualifiers_vi")
    parts = [_parse_part(p, place, issues, i) for i, p in enumerate(r.array("parts"))]
    if not r.ok or any(p is None for p in parts):
        return None
    return ProductSet(regulation_code=regulation_code, no=no_i, slug=slug, name_vi=name_vi,
                      parts=tuple(p for p in parts if p is not None), disqualifiers_vi=disqualifiers,
                      source=source, **fields)


# --------------------------------------------------------------- sheet validation


def _validate_leaf(node: Criterion, place: _Place, regulation: Regulation, issues: _Issues) -> None:
    if not node.options:
        issues.add(place, "leaf has no options", "tiêu chí lá không có lựa chọn")
        return
    with_case = [o for o in node.options if o.case_vi is not None]
    if with_case and len(with_case) != len(node.options):
        issues.add(place, "some options have a case (case_vi) and others do not",
                   "một số lựa chọn có trường hợp (case_vi), một số không")
        return
    marked = sorted(regulation.marked_stars)
    for option in node.options:
        oplace = _option_place(place, option.index)
        if option.points < 0:
            issues.add(oplace, f"negative points {option.points}", f"điểm âm {option.points}")
        if option.min_star is not None and option.min_star not in regulation.marked_stars:
            allowed = ", ".join(str(s) for s in marked)
            issues.add(oplace, f"star mark {option.min_star} is not one of {allowed}",
                       f"dấu sao {option.min_star} không thuộc {allowed}")
    groups: list[tuple[str | None, tuple[Option, ...]]] = (
        [(case, node.options_in_case(case)) for case in node.cases] if with_case
        else [(None, node.options)]
    )
    for case, options in groups:
        of_case = f" of case {case!r}" if case else ""
        of_case_vi = f" của trường hợp {case!r}" if case else ""
        highest = max(o.points for o in options)
        if highest != node.max:
            issues.add(place, f"leaf maximum {node.max} but highest option{of_case} is {highest}",
                       f"điểm tối đa {node.max} nhưng lựa chọn cao nhất{of_case_vi} là {highest}")
        for prev, cur in pairwise(options):
            if cur.points < prev.points:
                issues.add(place,
                           f"options not in non-decreasing order of points{of_case}: option {cur.index} "
                           f"({cur.points}) follows option {prev.index} ({prev.points})",
                           f"các lựa chọn{of_case_vi} không theo thứ tự điểm tăng dần: lựa chọn "
                           f"{cur.index} ({cur.points}) đứng sau lựa chọn {prev.index} ({prev.points})")
        marks = [o for o in options if o.min_star is not None]
        for prev, cur in pairwise(marks):
            assert prev.min_star is not None and cur.min_star is not None
            if cur.min_star == prev.min_star:
                issues.add(place, f"two options{of_case} marked {cur.min_star} stars "
                                  f"(options {prev.index} and {cur.index})",
                           f"hai lựa chọn{of_case_vi} cùng dấu {cur.min_star} sao "
                           f"(lựa chọn {prev.index} và {cur.index})")
            elif cur.min_star < prev.min_star:
                issues.add(place, f"star marks out of order{of_case}: option {cur.index} is marked "
                                  f"{cur.min_star} stars after option {prev.index} marked {prev.min_star}",
                           f"dấu sao không theo thứ tự{of_case_vi}: lựa chọn {cur.index} có dấu "
                           f"{cur.min_star} sao sau lựa chọn {prev.index} có dấu {prev.min_star} sao")


def _validate_node(node: Criterion, parent: Criterion | None, part_place: _Place,
                   regulation: Regulation, issues: _Issues, seen: dict[str, str], part_code: str) -> None:
    place = _node_place(part_place, node.code)
    if node.code in seen:
        issues.add(place, f"code {node.code} is used twice (also in part {seen[node.code]})",
                   f"mã {node.code} bị trùng (cũng có ở phần {seen[node.code]})")
    seen.setdefault(node.code, part_code)
    if parent is not None and not node.code.startswith(parent.code + "."):
        issues.add(place, f"code {node.code} does not extend its parent's code {parent.code}",
                   f"mã {node.code} không nằm dưới mã cha {parent.code}")
    if node.max < 0:
        issues.add(place, f"negative maximum {node.max}", f"điểm tối đa âm {node.max}")
    if node.is_leaf:
        _validate_leaf(node, place, regulation, issues)
        return
    if node.options:
        issues.add(place, "inner node has options", "tiêu chí có tiêu chí con nhưng lại có lựa chọn")
    children_sum = sum(c.max for c in node.children)
    if children_sum != node.max:
        issues.add(place, f"inner maximum {node.max} but children add up to {children_sum}",
                   f"điểm tối đa {node.max} nhưng tổng các tiêu chí con là {children_sum}")
    for child in node.children:
        _validate_node(child, node, part_place, regulation, issues, seen, part_code)


def validate_product_set(product_set: ProductSet, regulation: Regulation) -> list[Issue]:
    """Every rule a sheet must satisfy; an empty list means the sheet is valid."""
    issues = _Issues()
    place = _set_place(product_set.no)
    if product_set.no < 1:
        issues.add(place, f"set number {product_set.no} must be at least 1",
                   f"số bộ {product_set.no} phải từ 1 trở lên")
    codes = [p.code for p in product_set.parts]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        issues.add(_part_place(place, code), "part appears twice", "phần bị lặp")
    expected = list(regulation.part_max)
    for code in expected:
        if code not in codes:
            issues.add(_part_place(place, code), f"missing (required by {regulation.code})",
                       f"thiếu (theo {regulation.code})")
    seen: dict[str, str] = {}
    for part in product_set.parts:
        pplace = _part_place(place, part.code)
        if part.code not in regulation.part_max:
            issues.add(pplace, f"not a part of {regulation.code} (parts: {', '.join(expected)})",
                       f"không phải một phần của {regulation.code} (các phần: {', '.join(expected)})")
        elif part.max != regulation.part_max[part.code]:
            issues.add(pplace, f"part maximum {part.max} but {regulation.code} sets "
                               f"{regulation.part_max[part.code]}",
                       f"điểm tối đa của phần là {part.max} nhưng {regulation.code} quy định "
                       f"{regulation.part_max[part.code]}")
        if not part.criteria:
            issues.add(pplace, "part has no criteria", "phần không có tiêu chí")
        leaf_sum = sum(leaf.max for leaf in part.leaves())
        if leaf_sum != part.max:
            issues.add(pplace, f"leaf maxima add up to {leaf_sum} but the part maximum is {part.max}",
                       f"tổng điểm tối đa các tiêu chí lá là {leaf_sum} nhưng điểm tối đa của phần là "
                       f"{part.max}")
        for criterion in part.criteria:
            _validate_node(criterion, None, pplace, regulation, issues, seen, part.code)
    total = sum(p.max for p in product_set.parts)
    if total != regulation.max_total:
        issues.add(place, f"parts add up to {total}, not {regulation.max_total}",
                   f"tổng điểm các phần là {total}, không phải {regulation.max_total}")
    return issues.items


def load_sheet_data(data: Any, regulation: Regulation, source: str = "") -> tuple[ProductSet, ...]:
    """Product sets from parsed JSON: ``{"product_sets": [...]}`` (optionally with a
    ``regulation`` block, which must agree with `regulation`) or a bare list of product sets.
    Raises SheetValidationError listing every problem."""
    issues = _Issues()
    root = _Place()
    raw_sets: Any
    if isinstance(data, dict):
        block = data.get("regulation")
        if block is not None:
            _check_regulation_block(block, regulation, issues)
        extra = sorted(set(data) - {"regulation", "product_sets"})
        for key in extra:
            issues.add(root, f"unknown key {key!r}", f"khóa không xác định {key!r}")
        raw_sets = data.get("product_sets")
    else:
        raw_sets = data
    if not isinstance(raw_sets, list) or not raw_sets:
        issues.add(root, "expected a non-empty array of product sets ('product_sets')",
                   "cần một mảng các bộ sản phẩm ('product_sets') không rỗng")
        raise SheetValidationError(issues.items, source)
    parsed = [_parse_set(raw, regulation.code, source, issues, i) for i, raw in enumerate(raw_sets)]
    sets = [ps for ps in parsed if ps is not None]
    numbers = [ps.no for ps in sets]
    for no in sorted({n for n in numbers if numbers.count(n) > 1}):
        issues.add(_set_place(no), "set number used twice", "số bộ bị trùng")
    for ps in sets:
        issues.items.extend(validate_product_set(ps, regulation))
    if issues.items:
        raise SheetValidationError(issues.items, source)
    return tuple(sorted(sets, key=lambda ps: ps.no))


def _check_regulation_block(block: Any, regulation: Regulation, issues: _Issues) -> None:
    place = _Place().at("regulation", "văn bản")
    if not isinstance(block, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return
    if block.get("code") != regulation.code:
        issues.add(place, f"file is for {block.get('code')!r}, not {regulation.code!r}",
                   f"tệp dành cho {block.get('code')!r}, không phải {regulation.code!r}")
    if "part_max" in block and block["part_max"] != dict(regulation.part_max):
        issues.add(place, f"part_max {block['part_max']} differs from {dict(regulation.part_max)}",
                   f"part_max {block['part_max']} khác {dict(regulation.part_max)}")
    if "star_bands" in block:
        try:
            bands = _parse_bands(block["star_bands"], place, _Issues())
        except (TypeError, AttributeError):
            bands = None
        if bands != regulation.bands:
            issues.add(place, "star_bands differ from the regulation's", "star_bands khác với văn bản")


def load_sheet_file(path: str | Path | Traversable, regulation: Regulation, *, source: str | None = None
                    ) -> tuple[ProductSet, ...]:
    """A province-supplied (or packaged) sheet file, validated against `regulation`.

    `source` (default: the path) is recorded on each product set and in error messages."""
    source = str(path) if source is None else source
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8") if isinstance(path, str | Path)
                          else path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SheetValidationError(
            [Issue("", f"not valid JSON: {exc}", "", f"không phải JSON hợp lệ: {exc}")], source
        ) from exc
    return load_sheet_data(data, regulation, source)


# -------------------------------------------------------------- regulation parsing

_REG_KEYS = ("code", "name_vi", "name_en", "signed_on", "effective_from", "ceases_on", "replaces",
             "part_max", "star_bands", "certifiable_from_stars", "procedures",
             "certificate_validity_months", "rerating_window_days_before_expiry", "rerating_max_days",
             "revocation_deadline_days", "sheets", "notes")
_PROC_KEYS = ("effective_from", "ceases_on", "amended_by", "levels", "escalations", "notes")
_LEVEL_KEYS = ("code", "name_vi", "name_en", "scores", "recognises")
_ESC_KEYS = ("from", "to", "min_score", "fallback_recognition")
_BAND_KEYS = ("stars", "min", "max_exclusive", "max_inclusive")


def _parse_bands(raw: Any, place: _Place, issues: _Issues) -> tuple[Band, ...] | None:
    if not isinstance(raw, list) or not raw:
        issues.add(place, "'star_bands' must be a non-empty array", "'star_bands' phải là mảng không rỗng")
        return None
    bands: list[Band] = []
    for i, item in enumerate(raw):
        bplace = place.at(f"band {i}", f"dải {i}")
        if not isinstance(item, dict):
            issues.add(bplace, "must be an object", "phải là đối tượng")
            return None
        r = _Reader(item, bplace, issues, _BAND_KEYS)
        stars, minimum = r.integer("stars"), r.number("min")
        below, maximum = r.number("max_exclusive", False), r.number("max_inclusive", False)
        if (below is None) == (maximum is None):
            r._bad("needs exactly one of 'max_exclusive' and 'max_inclusive'",
                   "cần đúng một trong 'max_exclusive' và 'max_inclusive'")
        if not r.ok or minimum is None:
            return None
        bands.append(Band(stars=stars, minimum=minimum, below=below, maximum=maximum))
    return tuple(bands)


def _validate_bands(bands: tuple[Band, ...], total: int, place: _Place, issues: _Issues) -> None:
    for i, band in enumerate(bands):
        bplace = place.at(f"band {i}", f"dải {i}")
        if band.stars != i + 1:
            issues.add(bplace, f"stars {band.stars}, expected {i + 1}", f"số sao {band.stars}, cần {i + 1}")
        expected_min = Decimal(0) if i == 0 else bands[i - 1].below
        if band.minimum != expected_min:
            issues.add(bplace,
                       f"starts at {band.minimum}, expected {expected_min} (bands must be contiguous)",
                       f"bắt đầu từ {band.minimum}, cần {expected_min} (các dải phải liền nhau)")
        last = i == len(bands) - 1
        if last and band.maximum != Decimal(total):
            issues.add(bplace, f"the top band must end at {total} inclusive",
                       f"dải cao nhất phải kết thúc ở {total} (bao gồm)")
        if not last and band.below is None:
            issues.add(bplace, "only the top band may be closed", "chỉ dải cao nhất được đóng")
        upper = band.below if band.below is not None else band.maximum
        if upper is not None and upper <= band.minimum:
            issues.add(bplace, "empty band", "dải rỗng")


def _parse_procedure(raw: Any, place: _Place, issues: _Issues, stars: frozenset[int],
                     certifiable_from: int) -> Procedure | None:
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = _Reader(raw, place, issues, _PROC_KEYS)
    start, end = r.day("effective_from"), r.day("ceases_on", required=False)
    amended_by = r.texts("amended_by")
    levels: list[Level] = []
    for i, lv in enumerate(r.array("levels")):
        lplace = place.at(f"level {i}", f"cấp {i}")
        if not isinstance(lv, dict):
            issues.add(lplace, "must be an object", "phải là đối tượng")
            continue
        lr = _Reader(lv, lplace, issues, _LEVEL_KEYS)
        recognises = lr.array("recognises")
        bad = [s for s in recognises
               if isinstance(s, bool) or not isinstance(s, int) or s not in stars or s < certifiable_from]
        if bad:
            lr._bad(f"recognises stars {bad} that are not certifiable",
                    f"công nhận số sao {bad} không hợp lệ")
        level = Level(code=lr.text("code"), name_vi=lr.text("name_vi"), name_en=lr.text("name_en"),
                      scores=lr.flag("scores"), recognises=frozenset(recognises) if not bad else frozenset())
        if lr.ok:
            if not level.scores and level.recognises:
                issues.add(lplace, "a level that does not score cannot recognise stars",
                           "cấp không chấm điểm thì không công nhận được số sao")
            if any(level.code == other.code for other in levels):
                issues.add(lplace, f"level {level.code} appears twice", f"cấp {level.code} bị lặp")
            levels.append(level)
        else:
            r.ok = False
    if not levels:
        r._bad("no levels", "không có cấp đánh giá nào")
    order = [lv.code for lv in levels]
    escalations: list[Escalation] = []
    for i, esc in enumerate(r.array("escalations", False)):
        eplace = place.at(f"escalation {i}", f"chuyển cấp {i}")
        if not isinstance(esc, dict):
            issues.add(eplace, "must be an object", "phải là đối tượng")
            r.ok = False
            continue
        er = _Reader(esc, eplace, issues, _ESC_KEYS)
        e = Escalation(from_level=er.text("from"), to_level=er.text("to"),
                       min_score=er.number("min_score", False),
                       fallback_recognition=er.flag("fallback_recognition"))
        if not er.ok:
            r.ok = False
            continue
        if e.from_level not in order or e.to_level not in order:
            issues.add(eplace, f"unknown level in {e.from_level} -> {e.to_level}",
                       f"cấp không xác định trong {e.from_level} -> {e.to_level}")
        elif order.index(e.to_level) <= order.index(e.from_level):
            issues.add(eplace, f"{e.from_level} -> {e.to_level} does not go up",
                       f"{e.from_level} -> {e.to_level} không lên cấp trên")
        else:
            sender = levels[order.index(e.from_level)]
            if sender.scores and e.min_score is None:
                issues.add(eplace, "a scoring level needs min_score", "cấp có chấm điểm cần min_score")
            if any(x.from_level == e.from_level for x in escalations):
                issues.add(eplace, f"two escalations from {e.from_level}",
                           f"hai lần chuyển từ {e.from_level}")
        escalations.append(e)
    if start is not None and end is not None and end <= start:
        r._bad("ceases_on must be after effective_from", "ceases_on phải sau effective_from")
    if not r.ok or start is None:
        return None
    return Procedure(effective_from=start, ceases_on=end, amended_by=amended_by, levels=tuple(levels),
                     escalations=tuple(escalations))


def _parse_regulation(raw: Any, index: int, issues: _Issues) -> Regulation | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = _Place().at(f"regulation {code if isinstance(code, str) else f'#{index}'}",
                        f"văn bản {code if isinstance(code, str) else f'#{index}'}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    before = len(issues.items)
    r = _Reader(raw, place, issues, _REG_KEYS)
    part_max_raw = r.mapping("part_max")
    part_max: dict[str, int] = {}
    if part_max_raw is not None:
        for key, value in part_max_raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                r._bad(f"part_max[{key!r}] must be a positive integer",
                       f"part_max[{key!r}] phải là số nguyên dương")
            else:
                part_max[key] = value
        if not part_max:
            r._bad("part_max is empty", "part_max rỗng")
    total = sum(part_max.values())
    if part_max and total != 100:
        issues.add(place, f"part maxima add up to {total}, not 100",
                   f"tổng điểm các phần là {total}, không phải 100")
    bands = _parse_bands(raw.get("star_bands"), place, issues)
    if bands is not None:
        _validate_bands(bands, total, place, issues)
    stars = frozenset(b.stars for b in bands or ())
    certifiable_from = r.integer("certifiable_from_stars")
    if bands is not None and certifiable_from not in stars:
        r._bad(f"certifiable_from_stars {certifiable_from} is not a star of the bands",
               f"certifiable_from_stars {certifiable_from} không phải số sao của các dải")
    procedures: list[Procedure] = []
    for i, proc in enumerate(r.array("procedures")):
        parsed = _parse_procedure(proc, place.at(f"procedure {i}", f"quy trình {i}"), issues, stars,
                                  certifiable_from)
        if parsed is not None:
            procedures.append(parsed)
    if not raw.get("procedures"):
        r._bad("no procedures", "không có quy trình")
    for prev, cur in pairwise(procedures):
        if prev.ceases_on != cur.effective_from:
            issues.add(place, f"procedure starting {cur.effective_from} does not follow the previous one",
                       f"quy trình bắt đầu {cur.effective_from} không tiếp nối quy trình trước")
    window_raw = r.mapping("rerating_window_days_before_expiry", required=False)
    window: ReratingWindow | None = None
    if window_raw is not None:
        wr = _Reader(window_raw, place.at("rerating window", "thời hạn nộp hồ sơ đánh giá lại"), issues,
                     ("earliest", "latest"))
        window = ReratingWindow(earliest_days=wr.integer("earliest"), latest_days=wr.integer("latest"))
        if wr.ok and not window.earliest_days > window.latest_days >= 0:
            wr._bad("earliest must be more days before expiry than latest",
                    "earliest phải trước hạn nhiều ngày hơn latest")
    sheets = r.opt_text("sheets")
    effective_from, ceases_on = r.day("effective_from"), r.day("ceases_on", required=False)
    if effective_from and ceases_on and ceases_on <= effective_from:
        r._bad("ceases_on must be after effective_from", "ceases_on phải sau effective_from")
    if procedures and effective_from and procedures[0].effective_from != effective_from:
        r._bad("the first procedure must start when the regulation does",
               "quy trình đầu tiên phải bắt đầu cùng ngày hiệu lực của văn bản")
    regulation = Regulation(
        code=r.text("code"), name_vi=r.text("name_vi"), name_en=r.text("name_en"),
        signed_on=r.day("signed_on") or date.min, effective_from=effective_from or date.min,
        ceases_on=ceases_on, part_max=part_max, bands=bands or (), certifiable_from_stars=certifiable_from,
        procedures=tuple(procedures), certificate_validity_months=r.integer("certificate_validity_months"),
        rerating_window=window, rerating_max_days=r.opt_integer("rerating_max_days"),
        revocation_deadline_days=r.opt_integer("revocation_deadline_days"), sheets_file=sheets,
        replaces=r.texts("replaces"),
    )
    if regulation.certificate_validity_months <= 0:
        r._bad("certificate_validity_months must be positive", "certificate_validity_months phải dương")
    return regulation if len(issues.items) == before else None


def parse_regulations(data: Any, source: str = "") -> tuple[Regulation, ...]:
    """Regulations from parsed JSON ``{"regulations": [...]}``. Raises RegulationDataError."""
    issues = _Issues()
    raw = data.get("regulations") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        issues.add(_Place(), "expected a non-empty 'regulations' array", "cần mảng 'regulations' không rỗng")
        raise RegulationDataError(issues.items, source)
    regs = [_parse_regulation(item, i, issues) for i, item in enumerate(raw)]
    codes = [r.code for r in regs if r is not None]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        issues.add(_Place().at(f"regulation {code}", f"văn bản {code}"), "code used twice", "mã bị trùng")
    if issues.items:
        raise RegulationDataError(issues.items, source)
    return tuple(r for r in regs if r is not None)


def load_regulations(path: str | Path | Traversable | None = None) -> tuple[Regulation, ...]:
    """The regulations of a JSON file; by default the packaged `data/regulations.json`."""
    resource = data_dir() / REGULATIONS_FILE if path is None else path
    text = (Path(resource).read_text(encoding="utf-8") if isinstance(resource, str | Path)
            else resource.read_text(encoding="utf-8"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegulationDataError(
            [Issue("", f"not valid JSON: {exc}", "", f"không phải JSON hợp lệ: {exc}")], str(resource)
        ) from exc
    return parse_regulations(data, str(resource))


def data_dir() -> Traversable:
    """The packaged data directory (works from a wheel, an sdist or an editable install)."""
    return resources.files(PACKAGE).joinpath(DATA_DIR)


def load_packaged_sheets(regulation: Regulation) -> tuple[ProductSet, ...]:
    """The sheets shipped in this package for `regulation` (raises NoPackagedSheets if none)."""
    if regulation.sheets_file is None:
        raise NoPackagedSheets(regulation.code)
    return load_sheet_file(data_dir().joinpath(regulation.sheets_file), regulation,
                           source=regulation.sheets_file)
