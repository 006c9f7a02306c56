"""Where a sheet built from several transcriptions came from (1048's sheets): parsing and checking
a set's `sources` and `short_parts` and a criterion's `sources_differ`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Criterion, Part, ProductSet, SheetSources, SourceDifference
from .reading import Issues, Place, Reader

SOURCE_NAMES = ("a", "b")
_SOURCES_KEYS = ("a", "b", "base", "why")
_DIFFERENCE_KEYS = ("a", "b", "chosen", "why")


def _which(r: Reader, key: str) -> str:
    value = r.text(key)
    if value and value not in SOURCE_NAMES:
        r._bad(f"{key!r} must be one of {', '.join(SOURCE_NAMES)}",
               f"{key!r} phải là một trong {', '.join(SOURCE_NAMES)}")
    return value


def parse_sources(raw: Mapping[str, Any], place: Place, issues: Issues) -> SheetSources | None:
    r = Reader(raw, place.at("sources", "nguồn"), issues, _SOURCES_KEYS)
    sources = SheetSources(a=r.opt_text("a"), b=r.opt_text("b"), base=_which(r, "base"), why=r.text("why"))
    if r.ok and getattr(sources, sources.base) is None:
        r._bad(f"the base source {sources.base!r} has no file", f"nguồn gốc {sources.base!r} không có tệp")
    return sources if r.ok else None


def _points(r: Reader, key: str) -> tuple[int, ...] | None:
    present, value = r._get(key, True)
    if not present or value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        r._bad(f"{key!r} must be an array of integers or null", f"{key!r} phải là mảng số nguyên hoặc null")
        return None
    return tuple(value)


def parse_difference(raw: Mapping[str, Any], place: Place, issues: Issues) -> SourceDifference | None:
    r = Reader(raw, place.at("sources_differ", "nguồn khác nhau"), issues, _DIFFERENCE_KEYS)
    difference = SourceDifference(a=_points(r, "a"), b=_points(r, "b"), chosen=_which(r, "chosen"),
                                  why=r.text("why"))
    if r.ok and getattr(difference, difference.chosen) is None:
        r._bad(f"the chosen source {difference.chosen!r} has no points",
               f"nguồn được chọn {difference.chosen!r} không có điểm")
    return difference if r.ok else None


def parse_short_parts(r: Reader) -> dict[str, int]:
    raw = r.mapping("short_parts", required=False) or {}
    parts: dict[str, int] = {}
    for code, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            r._bad(f"short_parts[{code!r}] must be a non-negative integer",
                   f"short_parts[{code!r}] phải là số nguyên không âm")
        else:
            parts[code] = value
    return parts


def check_difference(node: Criterion, place: Place, issues: Issues) -> None:
    """A flagged leaf's options are those of the source it says was chosen."""
    difference = node.sources_differ
    if difference is None or not node.is_leaf:
        return
    chosen = getattr(difference, difference.chosen)
    points = tuple(o.points for o in node.options)
    if chosen != points:
        issues.add(place, f"options {list(points)} are not those of source {difference.chosen} "
                          f"{list(chosen)}",
                   f"các lựa chọn {list(points)} không phải của nguồn {difference.chosen} {list(chosen)}")


def leaf_sum_accepted(product_set: ProductSet, part: Part, leaf_sum: int) -> bool:
    """A part may fall short of its maximum only by what the set records in `short_parts`."""
    return leaf_sum == part.max or (leaf_sum < part.max and product_set.short_parts.get(part.code) == leaf_sum)


def check_short_parts(product_set: ProductSet, place: Place, issues: Issues) -> None:
    for code, recorded in product_set.short_parts.items():
        part = product_set.part(code)
        leaf_sum = sum(leaf.max for leaf in part.leaves()) if part is not None else None
        where = place.at(f"part {code}", f"phần {code}")
        if part is None or leaf_sum != recorded:
            issues.add(where, f"short_parts records {recorded} but the leaf maxima add up to {leaf_sum}",
                       f"short_parts ghi {recorded} nhưng tổng điểm tối đa các tiêu chí lá là {leaf_sum}")
        elif recorded >= part.max:
            issues.add(where, f"short_parts records {recorded}, not short of the part maximum {part.max}",
                       f"short_parts ghi {recorded}, không thiếu so với điểm tối đa của phần {part.max}")
