"""The province is configuration (OCOP_PROVINCE_CODE), never code: no province's name is written
in a string of the packages, an unknown code refuses to start, and names come from the code."""

from __future__ import annotations

import ast
import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ocop_shared.provinces import UnknownProvince, all_provinces, province
from ocop_shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [ROOT / "shared" / "ocop_shared", ROOT / "cli" / "ocop_cli", ROOT / "console" / "ocop_console",
            *(p for p in (ROOT / "services").glob("*/*") if (p / "__init__.py").exists())]
# The An Giang story the demo tells (producers and products named after their places) is the
# demo's data, and migrations are history (a column's former default).
NOT_CODE = {ROOT / "cli" / "ocop_cli" / "scenario" / "an_giang.py"}
# Every province's name today, and the provinces merged in 2025 (their names live on in history).
MERGED = ("Kiên Giang", "Bạc Liêu", "Sóc Trăng", "Hậu Giang", "Bến Tre", "Trà Vinh", "Long An",
          "Tiền Giang", "Bình Dương", "Bà Rịa", "Bình Phước", "Kon Tum", "Đắk Nông", "Bình Thuận",
          "Ninh Thuận", "Phú Yên", "Bình Định", "Quảng Nam", "Quảng Bình", "Hà Nam", "Nam Định",
          "Thái Bình", "Hải Dương", "Vĩnh Phúc", "Bắc Giang", "Bắc Kạn", "Yên Bái", "Hòa Bình",
          "Hà Giang")
NAMES = re.compile("|".join(re.escape(n) for n in sorted(
    {p.name for p in all_provinces()} | set(MERGED), key=len, reverse=True)))


def strings_outside_docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_province_name_is_written_in_the_code() -> None:
    found = []
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            if path in NOT_CODE or "migrations" in path.parts or "tests" in path.parts:
                continue
            found += [f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}"
                      for line, text in strings_outside_docstrings(path) if NAMES.search(text)]
    assert len(PACKAGES) >= 8
    assert found == []


def test_the_checker_sees_a_name_in_a_string_but_not_in_a_docstring(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""An Giang\'s module."""\nTITLE = "OCOP Đồng Tháp"\n', encoding="utf-8")
    assert [text for _, text in strings_outside_docstrings(sample) if NAMES.search(text)] == ["OCOP Đồng Tháp"]


def test_names_come_from_the_code() -> None:
    assert Settings(province_code="82").province_name == "Đồng Tháp"
    hcm = province("79")
    assert (hcm.name, hcm.in_text_vi, hcm.in_text_en) == ("Hồ Chí Minh", "thành phố Hồ Chí Minh",
                                                          "Hồ Chí Minh City")
    assert len(all_provinces()) == 34
    with pytest.raises(UnknownProvince, match="'89'"):  # An Giang's code before the 2025 merger
        province("89")


def test_the_provinces_are_the_statistics_offices_list_the_registry_loads() -> None:
    registry_list = ROOT / "services" / "registry" / "registry" / "data" / "admin_units" / "gso_2025-07-01.csv"
    with registry_list.open(encoding="utf-8") as rows:
        listed = {(row["Mã TP"], row["Tỉnh / Thành Phố"]) for row in csv.DictReader(rows)}
    assert listed == {(p.code, p.full_name) for p in all_provinces()}


def test_an_unknown_province_code_refuses_to_start_with_a_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "OCOP_PROVINCE_CODE": "89", "OCOP_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "ocop_cli.main", "run", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "OCOP_PROVINCE_CODE" in done.stderr and "'89'" in done.stderr
    assert "82 Đồng Tháp" in done.stderr  # the codes there are
    assert "Traceback" not in done.stderr
