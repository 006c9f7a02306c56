"""Schema compatibility: what a change to a committed contract breaks.

Events: the only compatible change to an existing event version is adding an
optional field (plus new event types and topics, wording, and personal-data marks).
Anything else must become a new `version` of the event (and, if breaking, a new
topic).

APIs: removing a path or operation, adding a required request field, or
removing a response field breaks callers.
"""

from __future__ import annotations

from typing import Any

from .personal import MARK

# Annotations, not constraints: wording, and the personal-data marks (`personal.MARK`), which
# tell subscribers what a field holds without changing what validates.
DOC_KEYS = frozenset({"description", "title", "examples", "$comment", MARK})


def _resolve(node: Any, root: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                return {"$ref": ref}
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _resolve(merged, root, seen | {ref})
        return {k: _resolve(v, root, seen) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_resolve(v, root, seen) for v in node]
    return node


def schema_changes(old: Any, new: Any, where: str = "") -> list[str]:
    """Breaking differences between two resolved schemas (event direction)."""
    if isinstance(old, dict) and isinstance(new, dict):
        problems: list[str] = []
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        for name in old_props:
            if name not in new_props:
                problems.append(f"{where}.{name}: field removed")
            else:
                problems += schema_changes(old_props[name], new_props[name], f"{where}.{name}")
        for name in new_props:
            if name not in old_props and name in new_required:
                problems.append(f"{where}.{name}: new required field")
        for name in old_required - new_required:
            if name in new_props:
                problems.append(f"{where}.{name}: field became optional")
        for name in (new_required - old_required) & set(old_props):
            problems.append(f"{where}.{name}: field became required")
        skip = DOC_KEYS | {"properties", "required"}
        for key in sorted((set(old) | set(new)) - skip):
            if key not in new:
                problems.append(f"{where}: constraint '{key}' removed")
            elif key not in old:
                problems.append(f"{where}: constraint '{key}' added")
            else:
                problems += schema_changes(old[key], new[key], f"{where}/{key}")
        return problems
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} alternatives became {len(new)}"]
        problems = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            problems += schema_changes(a, b, f"{where}[{index}]")
        return problems
    return [] if old == new else [f"{where}: {old!r} became {new!r}"]


def event_changes(old_doc: dict[str, Any], new_doc: dict[str, Any]) -> list[str]:
    """Compare two exported event catalogues ({"topics": {topic: {"Type.vN": schema}}})."""
    problems: list[str] = []
    old_topics: dict[str, Any] = old_doc.get("topics", {})
    new_topics: dict[str, Any] = new_doc.get("topics", {})
    for topic, old_events in old_topics.items():
        if topic not in new_topics:
            problems.append(f"{topic}: topic removed")
            continue
        for key, old_schema in old_events.items():
            new_schema = new_topics[topic].get(key)
            if new_schema is None:
                problems.append(f"{topic} {key}: event removed")
                continue
            problems += schema_changes(
                _resolve(old_schema, old_schema), _resolve(new_schema, new_schema),
                f"{topic} {key}",
            )
    return problems


def _request_changes(old: Any, new: Any, where: str) -> list[str]:
    problems = []
    old_props = old.get("properties", {}) if isinstance(old, dict) else {}
    new_props = new.get("properties", {}) if isinstance(new, dict) else {}
    old_required = set(old.get("required", [])) if isinstance(old, dict) else set()
    for name in set(new.get("required", []) if isinstance(new, dict) else []) - old_required:
        problems.append(f"{where}.{name}: request field became required")
    for name in set(old_props) & set(new_props):
        problems += _request_changes(old_props[name], new_props[name], f"{where}.{name}")
    return problems


def _response_changes(old: Any, new: Any, where: str) -> list[str]:
    problems = []
    old_props = old.get("properties", {}) if isinstance(old, dict) else {}
    new_props = new.get("properties", {}) if isinstance(new, dict) else {}
    for name in old_props:
        if name not in new_props:
            problems.append(f"{where}.{name}: response field removed")
        else:
            problems += _response_changes(old_props[name], new_props[name], f"{where}.{name}")
    if isinstance(old, dict) and isinstance(old.get("items"), dict):
        problems += _response_changes(old["items"], (new or {}).get("items", {}), f"{where}[]")
    return problems


def _is_error(status: str) -> bool:
    return status.isdigit() and int(status) >= 400


def openapi_changes(old_doc: dict[str, Any], new_doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_doc, new_doc = _resolve(old_doc, old_doc), _resolve(new_doc, new_doc)
    for path, old_ops in old_doc.get("paths", {}).items():
        new_ops = new_doc.get("paths", {}).get(path)
        if new_ops is None:
            problems.append(f"{path}: path removed")
            continue
        for method, old_op in old_ops.items():
            new_op = new_ops.get(method)
            if new_op is None:
                problems.append(f"{method.upper()} {path}: operation removed")
                continue
            where = f"{method.upper()} {path}"
            old_body = old_op.get("requestBody", {}).get("content", {})
            new_body = new_op.get("requestBody", {}).get("content", {})
            for media, content in new_body.items():
                if media in old_body:
                    problems += _request_changes(old_body[media].get("schema", {}),
                                                 content.get("schema", {}), f"{where} body")
            if new_op.get("requestBody", {}).get("required") and not old_op.get("requestBody"):
                problems.append(f"{where}: request body became required")
            old_params = {(p["in"], p["name"]) for p in old_op.get("parameters", [])}
            for param in new_op.get("parameters", []):
                if param.get("required") and (param["in"], param["name"]) not in old_params:
                    problems.append(f"{where}: new required parameter {param['name']}")
            for status, response in old_op.get("responses", {}).items():
                new_response = new_op.get("responses", {}).get(status)
                if new_response is None or _is_error(status):
                    continue  # errors are one problem+json shape (RFC 9457), whatever was declared
                for media, content in response.get("content", {}).items():
                    new_content = new_response.get("content", {}).get(media)
                    if new_content is None:
                        problems.append(f"{where} {status}: {media} response removed")
                        continue
                    problems += _response_changes(content.get("schema", {}),
                                                  new_content.get("schema", {}),
                                                  f"{where} {status}")
    return problems
