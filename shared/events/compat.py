"""Is a new JSON Schema of a released event compatible with its snapshot? Pure functions.

The only change a released event may take is a new optional field, at any depth. Everything
else a consumer could notice is breaking: a removed field, a changed type, format, bound or
default, a field becoming required (or no longer required), an enum gaining or losing a
value. Titles, descriptions and examples are documentation and may change freely.
"""

from __future__ import annotations

from typing import Any

_DOCUMENTATION = frozenset({"title", "description", "examples"})


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every breaking difference from ``old`` to ``new``, each naming its field path."""
    problems: list[str] = []
    _compare(old, new, old, new, "", problems, frozenset())
    return problems


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    """Follow local ``$ref``s (``#/$defs/Lead``) so nested models compare by content."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **rest} if rest else target
        seen += 1
    return node


def _compare(
    old: Any,
    new: Any,
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
    visiting: frozenset[tuple[str, str]],
) -> None:
    where = path or "(root)"
    refs = (_ref_of(old), _ref_of(new))
    if refs[0] and refs[1]:
        if refs in visiting:
            return
        visiting = visiting | {refs}
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            problems.append(f"{where}: changed from {old!r} to {new!r}")
        return
    if "properties" in old or "properties" in new:
        _compare_object(old, new, old_root, new_root, path, problems, visiting)
    for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if keyword in old or keyword in new:
            _compare_lists(keyword, old, new, old_root, new_root, path, problems, visiting)
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(old.get(keyword), dict) and isinstance(new.get(keyword), dict):
            _compare(old[keyword], new[keyword], old_root, new_root, path, problems, visiting)
        elif old.get(keyword) != new.get(keyword):
            problems.append(f"{where}: {keyword} changed")
    handled = {"properties", "required", "anyOf", "oneOf", "allOf", "prefixItems", "items"}
    handled |= {"additionalProperties", "not", "$defs", "$ref"} | _DOCUMENTATION
    for keyword in sorted((set(old) | set(new)) - handled):
        if old.get(keyword) != new.get(keyword):
            problems.append(_describe(where, keyword, old.get(keyword), new.get(keyword)))


def _ref_of(node: Any) -> str:
    return node.get("$ref", "") if isinstance(node, dict) else ""


def _describe(where: str, keyword: str, before: Any, after: Any) -> str:
    if keyword == "enum" and isinstance(before, list) and isinstance(after, list):
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        parts = [f"removed {removed}" if removed else "", f"added {added}" if added else ""]
        return f"{where}: enum changed ({', '.join(p for p in parts if p)})"
    if before is None:
        return f"{where}: {keyword} {after!r} added"
    if after is None:
        return f"{where}: {keyword} {before!r} removed"
    return f"{where}: {keyword} changed from {before!r} to {after!r}"


def _compare_object(
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
    visiting: frozenset[tuple[str, str]],
) -> None:
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    prefix = f"{path}." if path else ""
    for name in old_props:
        if name not in new_props:
            problems.append(f"{prefix}{name}: field removed")
            continue
        if (name in old_required) != (name in new_required):
            now = "required" if name in new_required else "optional"
            problems.append(f"{prefix}{name}: became {now}")
        _compare(
            old_props[name], new_props[name], old_root, new_root, prefix + name, problems, visiting
        )
    for name in new_props:
        if name not in old_props and name in new_required:
            problems.append(
                f"{prefix}{name}: new field is required (only optional ones may be added)"
            )


def _compare_lists(
    keyword: str,
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
    visiting: frozenset[tuple[str, str]],
) -> None:
    before: list[Any] = old.get(keyword, [])
    after: list[Any] = new.get(keyword, [])
    if len(before) != len(after):
        problems.append(
            f"{path or '(root)'}: {keyword} changed ({len(before)} → {len(after)} options)"
        )
        return
    for a, b in zip(before, after, strict=True):
        _compare(a, b, old_root, new_root, path, problems, visiting)
