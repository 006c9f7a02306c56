"""The one catalogue: both languages say every message, with the same placeholders."""

from __future__ import annotations

import re

from ocop_shared.i18n import LANGUAGES, messages, read_catalog, translate

KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
PLACEHOLDER = re.compile(r"{(\w+)(?::[^}]*)?}")


def test_every_message_is_in_both_languages_with_the_same_placeholders() -> None:
    vi, en = messages("vi"), messages("en")
    assert set(vi) == set(en), sorted(set(vi) ^ set(en))
    assert all(vi[key].strip() and en[key].strip() for key in vi)
    differing = [key for key in vi
                 if set(PLACEHOLDER.findall(vi[key])) != set(PLACEHOLDER.findall(en[key]))]
    assert not differing, differing


def test_the_catalogues_pass_babels_checks_and_the_vietnamese_one_shows_the_english() -> None:
    for language in LANGUAGES:
        catalog = read_catalog(language)
        problems = [(message.id, errors) for message, errors in catalog.check() if errors]  # Babel's checkers
        assert not problems, problems
        assert not any(message.fuzzy for message in catalog if message.id)
    en = messages("en")
    for message in read_catalog("vi"):
        if message.id:
            assert " ".join(message.auto_comments) == f"en: {en[str(message.id)]}", message.id


def test_a_message_is_read_in_the_asked_language_with_vietnamese_first() -> None:
    assert translate("vi", "stars.n", n=4) == messages("vi")["stars.n"].format(n=4)
    assert translate("en", "stars.n", n=4) == "4 stars"
    assert translate("fr", "stars.n", n=4) == translate("vi", "stars.n", n=4)
    assert translate("en", "no.such.key") == "no.such.key"


def test_every_message_the_code_says_is_in_the_catalogue_with_the_values_it_needs() -> None:
    """Each `message("key", **values)` (and a report's `t("key")`) in the services and the shared
    library names a catalogue entry, and passes exactly the placeholders that entry has."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    vi = messages("vi")
    calls = 0
    wrong: list[str] = []
    for path in [*root.glob("services/*/*/**/*.py"), *root.glob("shared/ocop_shared/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("message", "said", "t") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and KEY.match(str(node.args[0].value))):
                continue
            calls += 1
            key = str(node.args[0].value)
            given = {k.arg for k in node.keywords}
            if key not in vi:
                wrong.append(f"{path.name}:{node.lineno} {key} is not in the catalogue")
            elif given != set(PLACEHOLDER.findall(vi[key])):
                wrong.append(f"{path.name}:{node.lineno} {key} needs {PLACEHOLDER.findall(vi[key])}, "
                             f"given {sorted(given)}")
    assert calls > 300 and not wrong, wrong


def test_no_message_is_written_inline_in_the_code_any_more() -> None:
    """A `Text("…", "…")` with its words in the code would be outside the catalogue: only
    names passed as values (`Text(label_vi, label_en)`) may still be built in code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = []
    for path in [*root.glob("services/*/*/**/*.py"), *root.glob("shared/ocop_shared/**/*.py"),
                 *root.glob("cli/ocop_cli/**/*.py"), *root.glob("console/ocop_console/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Text"
                    and any(isinstance(arg, ast.Constant | ast.JoinedStr) for arg in node.args)):
                inline.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not inline, inline


def test_a_name_given_in_both_languages_is_filled_in_the_language_asked() -> None:
    from ocop_shared.errors import Text
    from ocop_shared.i18n import message

    said = message("common.no_such_record", what=Text("hồ sơ", "dossier"), key="D-7")
    assert (said.vi, said.en) == ("Không tìm thấy hồ sơ D-7", "No dossier D-7")
