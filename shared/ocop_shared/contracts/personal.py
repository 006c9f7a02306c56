"""Personal data in the event contracts.

A payload field that holds or reveals something about a natural person carries the JSON
Schema extension `x-personal-data` with its kind under Decree 13/2023/NĐ-CP (Article 2) and
the Personal Data Protection Law 2025:

- `"basic"`: a person's name, phone, e-mail, address, login, account id, gender, IP address;
- `"sensitive"`: ethnic origin, health and disability, and facts derived from them (the OCOP
  criterion 3.2 answer, "the representative is a woman, an ethnic-minority person or a person
  with disability", reveals one of them).

Mark a field with `Field(json_schema_extra={"x-personal-data": "basic"})`. The AsyncAPI
export lists, per message, the kinds its payload carries; `shared/tests/test_personal_data.py`
fails on a field whose name looks personal and has no mark. The mark is documentation for
whoever subscribes: adding or changing it does not break a contract (`compat.DOC_KEYS`).
"""

from __future__ import annotations

from typing import Any

MARK = "x-personal-data"
KINDS = ("basic", "sensitive")


def kinds_in(schema: Any) -> list[str]:
    """The kinds of personal data marked anywhere in a JSON schema (its `$defs` included)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get(MARK), str):
                found.add(node[MARK])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return sorted(found)
