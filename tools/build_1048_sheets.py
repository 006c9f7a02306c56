"""Build `qd-1048-2019.json`, the sheets of 1048/QĐ-TTg, from two transcriptions of them.

    .venv/bin/python tools/build_1048_sheets.py [SOURCES] [--check]

SOURCES (default: tools/data/qd-1048-2019, a copy of the reference material's two
transcriptions, without their raw SQL rows, so the check runs on any checkout) holds
`source-a-congnn1107/` and `source-b-ommani/`, one text file per product set; its README says
where they come from. The file is written to shared/ocop_shared/regulations/data/ (--check only
compares). Every choice below is recorded in the data it makes.

Choosing (the sources' README: where they differ, flag the criterion, do not guess, prefer the
source whose totals reach the part maxima A 35 / B 25 / C 40):
  R1 A set's base source (structure, criterion names, option labels) is the one whose part sums
     reach the maxima; when both do, or neither, A (it has all 26 sets and was dumped in January
     2021, while 1048 was in force).
  R2 A criterion whose option points differ is flagged `sources_differ` (both sources' points,
     the one used, why). The base's version is used; when both sources reach the maxima, the
     version whose points rise strictly (two options on one value is taken for a slip), else A's.
  R3 A part that falls short in every source (set 18: C 38 of 40 in both) is recorded in
     `short_parts`; no points are invented.
  R4 A set only one source has comes from it (Gạo, ngũ cốc: A).
  R5 Tourism: A holds "Dịch vụ du lịch - truyền thống - lễ hội" (1048's set as issued), whose
     part C options are ticked and added up (one option per criterion cannot hold it; A is 34);
     B holds "Dịch vụ du lịch cộng đồng và điểm du lịch", one option per criterion, A 35 / B 25
     / C 40 (likely the sheet 781/QĐ-TTg of 2020 put in its place; 781's text was not found). B, by R1.
Reading:
  - B lists every criterion of three sets twice: the second copy is dropped.
  - B's criterion notes become `note_vi` (on the aligned leaf when A is the base); a heading
    without options hands its notes to the next leaf; a note on "các chỉ tiêu trên" goes to the
    group. A note that excludes the product or stops the evaluation makes its node `knockout`.
    A carries no notes. Neither source marks star minimums: `min_star` is null everywhere.
  - Points that drop inside a criterion start its second case (`case_vi`): 3.2 (companies,
    cooperatives / one-member companies, households: the second case tops out at 1 of 2,
    `unequal_cases`) and tourism 9, 10, 16 (a community / a single site). The case labels are
    ours (3.2's from A's option texts).
  - Codes: the printed ones where well formed and unique, else the position (group.n). Names
    lose their printed codes; whitespace is normalised; no other text is changed.
Numbering: `no` is the platform's product-set number (26/2026's classification, which products
carry), by MAPPING. Two pairs of 1048 sets share a platform number (8: meat / fish and seafood
processing; 21: decorative / household handicraft): the first of each pair takes it. Those two
and 1048's medical equipment set, which 26/2026 dropped, are kept as 100 + their 1048 number.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "shared" / "ocop_shared" / "regulations" / "data" / "qd-1048-2019.json"
SOURCES = ROOT / "tools" / "data" / "qd-1048-2019"
FOLDERS = {"a": "source-a-congnn1107", "b": "source-b-ommani"}
CODE_1048 = "1048/QĐ-TTg"
PART_MAX = {"A": 35, "B": 25, "C": 40}
PART_NAMES = {"A": "SẢN PHẨM VÀ SỨC MẠNH CỦA CỘNG ĐỒNG", "B": "KHẢ NĂNG TIẾP THỊ", "C": "CHẤT LƯỢNG SẢN PHẨM"}
BANDS = [{"stars": 1, "min": 0, "max_exclusive": 30}, {"stars": 2, "min": 30, "max_exclusive": 50},
         {"stars": 3, "min": 50, "max_exclusive": 70}, {"stars": 4, "min": 70, "max_exclusive": 90},
         {"stars": 5, "min": 90, "max_inclusive": 100}]
FOOD, DRINKS, HERBS = "Thực phẩm", "Đồ uống", "Thảo dược"
CRAFTS, TEXTILES = "Lưu niệm - nội thất - trang trí", "Vải và may mặc"
TOURISM = "Dịch vụ du lịch nông thôn, bán hàng"

# (file number in A, in B or None, platform no, platform category, 1048 sector, 1048 group, English name)
MAPPING: list[tuple[int, int | None, int, str, str, str | None, str]] = [
    (1, 15, 1, "I", FOOD, "Thực phẩm tươi sống", "Fresh vegetables, tubers, fruits and nuts"),
    (2, 18, 2, "I", FOOD, "Thực phẩm tươi sống", "Fresh meat, eggs and milk"),
    (3, None, 3, "I", FOOD, "Thực phẩm thô, sơ chế", "Rice and cereals"),
    (4, 11, 4, "I", FOOD, "Thực phẩm thô, sơ chế", "Honey, honey products and other syrups"),
    (5, 26, 5, "I", FOOD, "Thực phẩm chế biến", "Fast food"),
    (6, 2, 6, "I", FOOD, "Thực phẩm chế biến", "Processed from rice and cereals"),
    (7, 3, 7, "I", FOOD, "Thực phẩm chế biến", "Processed from vegetables, tubers, fruits and nuts"),
    (8, 4, 8, "I", FOOD, "Thực phẩm chế biến", "Processed from meat, eggs and milk"),
    (9, 5, 109, "I", FOOD, "Thực phẩm chế biến", "Processed from fish and seafood"),
    (10, 23, 9, "I", FOOD, "Gia vị", "Soy and fish sauces, other liquid condiments"),
    (11, 9, 10, "I", FOOD, "Gia vị", "Other condiments"),
    (12, 1, 11, "I", FOOD, "Chè", "Fresh and processed tea"),
    (13, 7, 12, "I", FOOD, "Chè", "Other tea products"),
    (14, 6, 13, "I", FOOD, "Cà phê, ca cao", "Coffee and cocoa"),
    (15, 16, 14, "II", DRINKS, "Đồ uống có cồn", "White spirits"),
    (16, 24, 15, "II", DRINKS, "Đồ uống có cồn", "Other alcoholic drinks"),
    (17, 14, 16, "II", DRINKS, "Đồ uống không cồn", "Natural mineral water, purified drinking water"),
    (18, 25, 17, "II", DRINKS, "Đồ uống không cồn", "Non-alcoholic drinks"),
    (19, 21, 18, "III", HERBS, None, "Functional foods, herbal and traditional medicines"),
    (20, 12, 19, "III", HERBS, None, "Cosmetics"),
    (21, 22, 121, "III", HERBS, None, "Medical equipment and supplies"),
    (22, 17, 20, "III", HERBS, None, "Other herbal products"),
    (23, 20, 21, "IV", CRAFTS, None, "Decorative handicrafts"),
    (24, 19, 124, "IV", CRAFTS, None, "Household handicrafts"),
    (25, 13, 22, "IV", TEXTILES, None, "Fabrics and garments"),
    (26, 8, 26, "VI", TOURISM, None, "Community tourism services and tourist sites"),
]
TOURISM_A = 26
CASES_3_2 = ("a. Đối với Công ty TNHH 2 thành viên trở lên, công ty cổ phần, HTX, Tổ hợp tác",
             "b. Đối với Công ty TNHH 1 thành viên, doanh nghiệp tư nhân, hộ gia đình")
CASES_SITE = ("a. Cộng đồng du lịch (nhiều cơ sở dịch vụ)", "b. Điểm du lịch (một cơ sở dịch vụ)")
KNOCKOUT = re.compile(r"bị loại|không đánh giá các bước tiếp theo|không xem xét các chỉ tiêu khác", re.I)
EMPTY = "(questions.question is empty in the source row)"
CODE = re.compile(r"^\s*(\d+(?:\s*\.\s*\d+)*)\s*\.?\s*")

# ------------------------------------------------------------------------------ reading


@dataclass
class Leaf:
    printed: str | None
    name: str
    notes: list[str] = field(default_factory=list)
    options: list[tuple[int, str]] = field(default_factory=list)
    group_notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(p for p, _ in self.options)


@dataclass
class Group:
    printed: int | None
    name: str
    leaves: list[Leaf] = field(default_factory=list)


@dataclass
class Source:
    key: str  # "a" | "b"
    file: str
    name: str
    parts: dict[str, list[Group]]

    def sums(self) -> dict[str, int]:
        return {p: sum(max(leaf.points) for g in groups for leaf in g.leaves) for p, groups in self.parts.items()}

    def reaches(self) -> bool:
        return self.sums() == PART_MAX


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def split_code(title: str) -> tuple[str | None, str]:
    found = CODE.match(title)
    if not found:
        return None, clean(title)
    return re.sub(r"\s+", "", found[1]), clean(title[found.end():])


def read(path: Path, key: str) -> Source:
    name, parts = "", dict[str, list[Group]]()
    groups: list[Group] | None = None
    pending: list[str] = []  # the notes of a heading without options, for the next leaf
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("PRODUCT SET"):
            name = clean(line.split(":", 1)[1])
        elif line.startswith("========"):  # parts come in order; not every header names its part
            groups = parts.setdefault("ABC"[len(parts)], [])
        elif groups is None or not line.strip() or line.startswith("CHECK"):
            continue
        elif found := re.match(r"^ {8}\[(\d+) điểm\] ?(.*)$", line):
            groups[-1].leaves[-1].options.append((int(found[1]), clean(found[2])))
        elif line.startswith("        note:"):
            note = clean(line.split(":", 1)[1])
            leaf = groups[-1].leaves[-1]
            (leaf.group_notes if "các chỉ tiêu trên" in note else leaf.notes).append(note)
        elif line.startswith("    "):
            leaves = groups[-1].leaves
            if leaves and not leaves[-1].options:
                pending += leaves.pop().notes
            printed, title = (None, groups[-1].name) if line.strip() == EMPTY else split_code(line)
            leaves.append(Leaf(printed, title or groups[-1].name, notes=pending))
            pending = []
        else:
            printed, title = split_code(line)
            groups.append(Group(int(printed) if printed and printed.isdigit() else None, title))
    for part_groups in parts.values():
        for group in part_groups:
            half = len(group.leaves) // 2
            if half and group.leaves[:half] == group.leaves[half:]:
                group.leaves = group.leaves[:half]
    return Source(key, f"{FOLDERS[key]}/{path.name}", name, parts)


def load(folder: Path, key: str, number: int | None) -> Source | None:
    if number is None:
        return None
    (path,) = [p for p in (folder / FOLDERS[key]).glob(f"{number:02d}_*.txt") if "RAW" not in p.name]
    return read(path, key)


# ----------------------------------------------------------------------------- choosing


def rises(points: tuple[int, ...]) -> bool:
    return all(y > x for x, y in pairwise(points))


def shown(sums: dict[str, int]) -> str:
    return " / ".join(f"{part} {sums.get(part, 0)}" for part in PART_MAX)


def choose(a: Source | None, b: Source | None, tourism: bool) -> tuple[Source, Source | None, str]:
    """(base, the other source to align with or None, why): R1, R4, R5."""
    if a is None or b is None:
        only = a or b
        assert only is not None
        return only, None, f"only source {only.key.upper()} has this set"
    if tourism:
        return b, None, (f"the sources hold different sheets: A has '{a.name}' (1048's set as issued), whose part C "
                         "options are ticked and added up, which one option per criterion cannot hold "
                         f"(by highest option {shown(a.sums())}); B has '{b.name}' ({shown(b.sums())}), "
                         "likely the sheet 781/QĐ-TTg (2020) put in its place")
    sums = f"A adds up to {shown(a.sums())}, B to {shown(b.sums())}"
    if b.reaches() and not a.reaches():
        return b, a, f"{sums}: B reaches the part maxima"
    if a.reaches() and not b.reaches():
        return a, b, f"{sums}: A reaches the part maxima"
    return a, b, f"{sums}: " + ("both reach the part maxima; A" if a.reaches() else "neither reaches them; A")


def version(base: Source, other: Source, mine: Leaf, theirs: Leaf | None) -> str:
    """Which source's version of a differing criterion is used (R2)."""
    if theirs is None or not (base.reaches() and other.reaches()):
        return base.key
    if rises(mine.points) != rises(theirs.points):
        return base.key if rises(mine.points) else other.key
    return "a"


def why_version(base: Source, other: Source, chosen: str) -> str:
    name = chosen.upper()
    if base.reaches() and other.reaches():
        return (f"both sources reach A 35 / B 25 / C 40; {name}'s points rise strictly, the other's give "
                "two options the same points")
    unused = other if chosen == base.key else base
    return f"{name}'s parts reach A 35 / B 25 / C 40, {unused.key.upper()}'s add up to {shown(unused.sums())}"


def align(base: Source, other: Source | None, part: str) -> dict[int, dict[str, Any]]:
    """Bring B's notes onto A's leaves (when A is the base) and flag the criteria whose points
    differ: their `sources_differ`, by id of the base's leaf."""
    flags: dict[int, dict[str, Any]] = {}
    if other is None:
        return flags
    mine = [leaf for g in base.parts[part] for leaf in g.leaves]
    theirs = [leaf for g in other.parts.get(part, []) for leaf in g.leaves]
    matcher = difflib.SequenceMatcher(a=[x.points for x in mine], b=[x.points for x in theirs], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = i2 - i1 == j2 - j1
        for k, leaf in enumerate(mine[i1:i2]):
            match = theirs[j1 + k] if paired else (theirs[j1] if j2 - j1 == 1 else None)
            if match is not None and paired and base.key == "a":
                leaf.notes += match.notes
                leaf.group_notes += match.group_notes
            if op == "equal":
                continue
            base_points, other_points = leaf.points, match.points if match is not None else None
            chosen = version(base, other, leaf, match)
            if chosen != base.key and match is not None:
                leaf.options = list(match.options)
            points = {base.key: base_points, other.key: other_points}
            flags[id(leaf)] = {"a": points["a"], "b": points["b"], "chosen": chosen,
                               "why": why_version(base, other, chosen)}
    return flags


# ------------------------------------------------------------------------------ writing


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def options_json(leaf: Leaf) -> tuple[list[dict[str, Any]], bool]:
    """The options, in two cases when the points drop; and whether the cases top out differently."""
    drops = [i for i in range(1, len(leaf.options)) if leaf.options[i][0] < leaf.options[i - 1][0]]
    options: list[dict[str, Any]] = [{"label_vi": label, "points": points, "min_star": None}
                                     for points, label in leaf.options]
    if not drops:
        return options, False
    (cut,) = drops
    labels = CASES_3_2 if "tham gia của cộng đồng" in leaf.name.lower() else CASES_SITE
    for i, option in enumerate(options):
        option["case_vi"] = labels[0 if i < cut else 1]
    return options, max(leaf.points[:cut]) != max(leaf.points[cut:])


def node_json(code: str, name: str, notes: list[str], maximum: int, *, options: list[dict[str, Any]] | None = None,
              children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"code": code, "name_vi": name, "max": maximum, "note_vi": "\n".join(notes) or None,
            "knockout": any(KNOCKOUT.search(note) for note in notes), "options": options or [],
            "children": children or []}


def leaf_code(printed: str | None, group: str, position: int, used: set[str]) -> str:
    if printed and re.fullmatch(rf"{group}(\.\d+)+", printed) and printed not in used:
        return printed
    while f"{group}.{position}" in used:
        position += 1
    return f"{group}.{position}"


def parts_json(base: Source, other: Source | None) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    used: set[str] = set()
    for part, groups in base.parts.items():
        flags = align(base, other, part)
        criteria: list[dict[str, Any]] = []
        for group in groups:
            code = str(group.printed) if group.printed and str(group.printed) not in used else str(
                max((int(c) for c in used if c.isdigit()), default=0) + 1)
            used.add(code)
            children: list[dict[str, Any]] = []
            for position, leaf in enumerate(group.leaves, start=1):
                child_code = leaf_code(leaf.printed, code, position, used)
                used.add(child_code)
                options, unequal = options_json(leaf)
                child = node_json(child_code, leaf.name, leaf.notes, max(leaf.points), options=options)
                if unequal:
                    child["unequal_cases"] = True
                if id(leaf) in flags:
                    child["sources_differ"] = flags[id(leaf)]
                children.append(child)
            notes = [n for leaf in group.leaves for n in leaf.group_notes]
            criteria.append(node_json(code, group.name, notes, sum(c["max"] for c in children),
                                      children=children))
        parts.append({"code": part, "name_vi": PART_NAMES[part], "max": PART_MAX[part], "criteria": criteria})
    return parts


def build_set(folder: Path, row: tuple[int, int | None, int, str, str, str | None, str]) -> dict[str, Any]:
    a_no, b_no, no, category, sector, group, name_en = row
    a, b = load(folder, "a", a_no), load(folder, "b", b_no)
    base, other, why = choose(a, b, a_no == TOURISM_A)
    parts = parts_json(base, other)
    sums = base.sums()
    short = {p: s for p, s in sums.items() if s < PART_MAX[p]}
    if short:  # R3: only when no source reaches the maxima
        assert not any(s is not None and s.reaches() for s in (a, b)), base.file
        why += f"; {', '.join(f'part {p} adds up to {s} of {PART_MAX[p]}' for p, s in short.items())} in every source"
    data: dict[str, Any] = {
        "no": no, "slug": slug(base.name), "category": category, "category_vi": sector, "group_vi": group,
        "name_vi": base.name, "name_en": name_en, "disqualifiers_vi": [],
        "sources": {"a": a.file if a else None, "b": b.file if b else None, "base": base.key, "why": why}}
    if short:
        data["short_parts"] = short
    data["parts"] = parts
    return data


def build(folder: Path) -> dict[str, Any]:
    sets = [build_set(folder, row) for row in MAPPING]
    return {
        "regulation": {
            "code": CODE_1048, "date": "2019-08-21",
            "title_vi": "Quyết định ban hành Bộ Tiêu chí đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm",
            "part_max": PART_MAX, "star_bands": BANDS,
            "note": "Built by tools/build_1048_sheets.py from two unofficial transcriptions of the sheets; "
                    "see data/README.md.",
        },
        "product_sets": sorted(sets, key=lambda s: s["no"]),
    }


def render(folder: Path) -> str:
    """The file's text, as committed."""
    return json.dumps(build(folder), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    folder = Path(next((a for a in argv if not a.startswith("--")), SOURCES))
    text = render(folder)
    from ocop_shared.regulations import get_regulation, load_sheet_data

    sets = load_sheet_data(json.loads(text), get_regulation(CODE_1048), OUT.name)  # as the loader reads it
    for s in sets:
        flagged = sum(1 for n in s.walk() if n.sources_differ)
        print(f"{s.no:>4} {s.name_vi[:48]:<48} base {s.sources.base if s.sources else '?'}"
              f"{f'  {flagged} flagged' if flagged else ''}{f'  short {dict(s.short_parts)}' if s.short_parts else ''}")
    if check:
        same = OUT.exists() and OUT.read_text("utf-8") == text
        print("up to date" if same else f"{OUT} differs from its sources")
        return 0 if same else 1
    partial = OUT.with_suffix(".json.partial")
    partial.write_text(text, "utf-8")
    partial.replace(OUT)  # at once: a running platform never reads half a file
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
