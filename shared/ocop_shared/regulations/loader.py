"""Load regulations and product-set sheets from JSON, and validate them.

Everything the scoring rules depend on is data: adding or amending a
regulation means editing `data/regulations.json` (or loading another file
with `load_regulations`), never code. A regulation without packaged sheets
(148/QĐ-TTg) gets its sheets from a province-supplied file with
`load_sheet_file(path, regulation)`, in the schema of `data/qd-26-2026.json`.

A sheet is refused, with every problem found, by `SheetValidationError`. Each
`Issue` names the exact place and the reason, in English and Vietnamese, e.g.
``set 8, part A, criterion 1.1: leaf maximum 3 but highest option is 2``.
Options are named by their 0-based index in the criterion's option list, the
same index a score sheet uses.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

from .errors import (
    DataValidationError,
    Issue,
    NoPackagedSheets,
    RegulationDataError,
    RegulationError,
    SheetValidationError,
    UnknownProductSet,
    UnknownRegulation,
)
from .model import (
    Criterion,
    Option,
    Part,
    ProductSet,
    Regulation,
)
from .provenance import (
    check_difference,
    check_short_parts,
    leaf_sum_accepted,
    parse_difference,
    parse_short_parts,
    parse_sources,
)
from .reading import Issues, Place, Reader, set_place
from .regulation_data import parse_bands, parse_regulations

PACKAGE = "ocop_shared.regulations"
DATA_DIR = "data"
REGULATIONS_FILE = "regulations.json"

__all__ = ["DataValidationError", "Issue", "NoPackagedSheets", "RegulationDataError",
           "RegulationError", "SheetValidationError", "UnknownProductSet", "UnknownRegulation",
           "load_packaged_sheets", "load_regulations", "load_sheet_data", "load_sheet_file",
           "parse_regulations", "validate_product_set"]


# ------------------------------------------------------------------ sheet parsing

_SET_KEYS = ("no", "slug", "category", "category_vi", "group_vi", "name_vi", "name_en",
             "disqualifiers_vi", "parts", "sources", "short_parts")
_PART_KEYS = ("code", "name_vi", "max", "criteria")
_NODE_KEYS = ("code", "name_vi", "max", "note_vi", "knockout", "options", "children", "implicit_options",
              "unequal_cases", "sources_differ")
_OPTION_KEYS = ("label_vi", "points", "min_star", "case_vi")


def _part_place(set_place: Place, code: object) -> Place:
    return set_place.at(f"part {code}", f"phần {code}")


def _node_place(part_place: Place, code: object) -> Place:
    return part_place.at(f"criterion {code}", f"tiêu chí {code}")


def _option_place(node_place: Place, index: int) -> Place:
    return node_place.at(f"option {index}", f"lựa chọn {index}")


def _parse_option(raw: Any, index: int, place: Place, issues: Issues) -> Option | None:
    place = _option_place(place, index)
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = Reader(raw, place, issues, _OPTION_KEYS)
    option = Option(index=index, label_vi=r.text("label_vi"), points=r.integer("points"),
                    min_star=r.opt_integer("min_star"), case_vi=r.opt_text("case_vi"))
    return option if r.ok else None


def _parse_node(raw: Any, part_place: Place, issues: Issues, where: str) -> Criterion | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = _node_place(part_place, code if isinstance(code, str) else where)
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = Reader(raw, place, issues, _NODE_KEYS)
    code_s, name, maximum = r.text("code"), r.text("name_vi"), r.integer("max")
    note, knockout, implicit = r.opt_text("note_vi"), r.flag("knockout"), r.flag("implicit_options")
    unequal = r.flag("unequal_cases")
    raw_difference = r.mapping("sources_differ", required=False)
    difference = parse_difference(raw_difference, place, issues) if raw_difference is not None else None
    options = [_parse_option(o, i, place, issues) for i, o in enumerate(r.array("options", False))]
    children = [_parse_node(c, part_place, issues, f"{code_s}/{i}")
                for i, c in enumerate(r.array("children", False))]
    if (not r.ok or (raw_difference is not None and difference is None) or any(o is None for o in options)
            or any(c is None for c in children)):
        return None
    return Criterion(code=code_s, name_vi=name, max=maximum, note_vi=note, knockout=knockout,
                     options=tuple(o for o in options if o is not None),
                     children=tuple(c for c in children if c is not None), implicit_options=implicit,
                     unequal_cases=unequal, sources_differ=difference)


def _parse_part(raw: Any, set_place: Place, issues: Issues, index: int) -> Part | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = _part_place(set_place, code if isinstance(code, str) else f"#{index}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = Reader(raw, place, issues, _PART_KEYS)
    code_s, name, maximum = r.text("code"), r.text("name_vi"), r.integer("max")
    criteria = [_parse_node(c, place, issues, f"#{i}") for i, c in enumerate(r.array("criteria"))]
    if not r.ok or any(c is None for c in criteria):
        return None
    return Part(code=code_s, name_vi=name, max=maximum,
                criteria=tuple(c for c in criteria if c is not None))


def _parse_set(raw: Any, regulation_code: str, source: str, issues: Issues, index: int
               ) -> ProductSet | None:
    no = raw.get("no") if isinstance(raw, dict) else None
    place = set_place(no if isinstance(no, int) and not isinstance(no, bool) else f"#{index}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = Reader(raw, place, issues, _SET_KEYS)
    no_i, slug, name_vi = r.integer("no"), r.text("slug"), r.text("name_vi")
    fields = dict(name_en=r.opt_text("name_en"), category=r.opt_text("category"),
                  category_vi=r.opt_text("category_vi"), group_vi=r.opt_text("group_vi"))
    disqualifiers = r.texts("disqualifiers_vi")
    raw_sources = r.mapping("sources", required=False)
    sources = parse_sources(raw_sources, place, issues) if raw_sources is not None else None
    short_parts = parse_short_parts(r)
    parts = [_parse_part(p, place, issues, i) for i, p in enumerate(r.array("parts"))]
    if not r.ok or (raw_sources is not None and sources is None) or any(p is None for p in parts):
        return None
    return ProductSet(regulation_code=regulation_code, no=no_i, slug=slug, name_vi=name_vi,
                      parts=tuple(p for p in parts if p is not None), disqualifiers_vi=disqualifiers,
                      source=source, sources=sources, short_parts=short_parts, **fields)


# --------------------------------------------------------------- sheet validation


def _validate_leaf(node: Criterion, place: Place, regulation: Regulation, issues: Issues) -> None:
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
    if node.unequal_cases:
        highest = max(o.points for o in node.options)
        if highest != node.max:
            issues.add(place, f"leaf maximum {node.max} but highest option is {highest}",
                       f"điểm tối đa {node.max} nhưng lựa chọn cao nhất là {highest}")
    for case, options in groups:
        of_case = f" of case {case!r}" if case else ""
        of_case_vi = f" của trường hợp {case!r}" if case else ""
        highest = max(o.points for o in options)
        if highest != node.max and not node.unequal_cases:
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


def _validate_node(node: Criterion, parent: Criterion | None, part_place: Place,
                   regulation: Regulation, issues: Issues, seen: dict[str, str], part_code: str) -> None:
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
        check_difference(node, place, issues)
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
    issues = Issues()
    place = set_place(product_set.no)
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
        if not leaf_sum_accepted(product_set, part, leaf_sum):
            issues.add(pplace, f"leaf maxima add up to {leaf_sum} but the part maximum is {part.max}",
                       f"tổng điểm tối đa các tiêu chí lá là {leaf_sum} nhưng điểm tối đa của phần là "
                       f"{part.max}")
        for criterion in part.criteria:
            _validate_node(criterion, None, pplace, regulation, issues, seen, part.code)
    check_short_parts(product_set, place, issues)
    total = sum(p.max for p in product_set.parts)
    if total != regulation.max_total:
        issues.add(place, f"parts add up to {total}, not {regulation.max_total}",
                   f"tổng điểm các phần là {total}, không phải {regulation.max_total}")
    return issues.items


def load_sheet_data(data: Any, regulation: Regulation, source: str = "") -> tuple[ProductSet, ...]:
    """Product sets from parsed JSON: ``{"product_sets": [...]}`` (optionally with a
    ``regulation`` block, which must agree with `regulation`) or a bare list of product sets.
    Raises SheetValidationError listing every problem."""
    issues = Issues()
    root = Place()
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
        issues.add(set_place(no), "set number used twice", "số bộ bị trùng")
    for ps in sets:
        issues.items.extend(validate_product_set(ps, regulation))
    if issues.items:
        raise SheetValidationError(issues.items, source)
    return tuple(sorted(sets, key=lambda ps: ps.no))


def _check_regulation_block(block: Any, regulation: Regulation, issues: Issues) -> None:
    place = Place().at("regulation", "văn bản")
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
            bands = parse_bands(block["star_bands"], place, Issues())
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
