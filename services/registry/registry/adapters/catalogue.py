"""Product sets and scoring-sheet criteria, from the regulations packaged in ocop_shared."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..service_layer.ports import LeafCriterion, OptionInfo, ProductSetInfo

SETS_OF = "26/2026/QĐ-TTg"  # products are classified under the regulation in force


@cache
def _data(name: str) -> Any:
    text = resources.files("ocop_shared.regulations").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


def _leaves(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in nodes:
        found += _leaves(node["children"]) if node["children"] else [node]
    return found


class PackagedCatalogue:
    """Reads the regulations as data; a new regulation needs a data file, not code."""

    def __init__(self) -> None:
        self._regulations = {r["code"]: r for r in _data("regulations.json")["regulations"]}
        sets = _data("qd-26-2026.json")["product_sets"]
        self._sets = {s["no"]: s for s in sets}

    def product_set(self, regulation: str, set_no: int) -> ProductSetInfo | None:
        if regulation not in self._regulations or set_no not in self._sets:
            return None
        found = self._sets[set_no]
        return ProductSetInfo(no=set_no, name_vi=found["name_vi"], name_en=found["name_en"],
                              category=found["category"])

    def product_sets(self, regulation: str) -> list[ProductSetInfo]:
        return [info for no in sorted(self._sets)
                if (info := self.product_set(regulation, no)) is not None]

    def _sheet(self, regulation: str, set_no: int) -> dict[str, Any] | None:
        entry = self._regulations.get(regulation)
        if entry is None or not entry.get("sheets"):
            return None  # a province supplies this regulation's sheets to scoring
        sheets = _data(entry["sheets"])
        found: dict[str, Any] | None = next(
            (s for s in sheets["product_sets"] if s["no"] == set_no), None)
        return found

    def leaf_criteria(self, regulation: str, set_no: int) -> list[LeafCriterion] | None:
        sheet = self._sheet(regulation, set_no)
        if sheet is None:
            return None
        return [
            LeafCriterion(
                part=part["code"], code=leaf["code"], name_vi=leaf["name_vi"],
                max_points=leaf["max"], knockout=leaf["knockout"], note_vi=leaf["note_vi"],
                options=tuple(OptionInfo(label_vi=o["label_vi"], points=o["points"],
                                         min_star=o["min_star"]) for o in leaf["options"]))
            for part in sheet["parts"] for leaf in _leaves(part["criteria"])
        ]

    def criteria(self, regulation: str, set_no: int) -> list[str] | None:
        leaves = self.leaf_criteria(regulation, set_no)
        return None if leaves is None else [leaf.code for leaf in leaves]
