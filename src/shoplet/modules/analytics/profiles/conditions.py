"""The condition language of rule tags and segments (pure: no database, no I/O).

A condition is JSON, one of:

- ``{"field": "spend_90d", "op": "gte", "value": 100000}``: a profile field compared to a
  value (money in fen, shares in permille, ages in days);
- ``{"tag": "vip"}``: the member holds the tag (segments only; a rule tag cannot depend on tags,
  so recomputing one never needs another first);
- ``{"all": [...]}`` / ``{"any": [...]}``: AND / OR of 1 to 20 conditions, nested at most
  ``MAX_DEPTH`` deep, ``MAX_NODES`` in all.

:func:`parse` checks a definition (known field, an operator the field's kind allows, a value of
the right type) and raises :class:`ConditionError` with the JSON path of the first problem;
:func:`evaluate` decides it for one member's facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any, Literal

MAX_DEPTH = 5
MAX_NODES = 50
MAX_CHILDREN = 20
MAX_LIST = 50

Kind = Literal["number", "text", "list"]

FIELDS: dict[str, Kind] = {
    "order_count": "number",
    "orders_90d": "number",
    "spend": "number",
    "spend_90d": "number",
    "aov": "number",
    "days_since_last_purchase": "number",
    "days_since_first_purchase": "number",
    "price_sensitivity": "number",
    "coupon_count": "number",
    "days_since_active": "number",
    "region": "text",
    "platform": "text",
    "channel": "text",
    "rfm_class": "text",
    "social_role": "text",
    "categories": "list",
}

OPERATORS: dict[Kind, tuple[str, ...]] = {
    "number": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "text": ("eq", "ne", "in", "not_in", "prefix"),
    "list": ("contains", "not_contains"),
}

Value = int | str | list[str]
Facts = Mapping[str, int | str | tuple[str, ...] | None]


class ConditionError(ValueError):
    """A definition that cannot be used: where (``path``, e.g. ``all[1].value``) and why."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or 'condition'}: {message}")
        self.path = path or "condition"
        self.message = message


@dataclass(frozen=True, slots=True)
class Leaf:
    field: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class TagRef:
    code: str


@dataclass(frozen=True, slots=True)
class Group:
    kind: Literal["all", "any"]
    children: tuple[Node, ...]


Node = Leaf | TagRef | Group


def parse(raw: Any, *, allow_tags: bool = True) -> Node:
    """The checked tree of a JSON definition, or :class:`ConditionError`."""
    counter = [0]
    return _parse(raw, "", 1, counter, allow_tags)


def _parse(raw: Any, path: str, depth: int, counter: list[int], allow_tags: bool) -> Node:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ConditionError(path, f"at most {MAX_NODES} conditions in all")
    if depth > MAX_DEPTH:
        raise ConditionError(path, f"nested at most {MAX_DEPTH} deep")
    if not isinstance(raw, dict):
        raise ConditionError(path, "a condition is an object")
    keys = set(raw)
    for kind in ("all", "any"):
        if keys == {kind}:
            children = raw[kind]
            if not isinstance(children, list) or not 1 <= len(children) <= MAX_CHILDREN:
                raise ConditionError(_join(path, kind), f"a list of 1 to {MAX_CHILDREN} conditions")
            return Group(
                kind,
                tuple(
                    _parse(c, f"{_join(path, kind)}[{i}]", depth + 1, counter, allow_tags)
                    for i, c in enumerate(children)
                ),
            )
    if keys == {"tag"}:
        if not allow_tags:
            raise ConditionError(_join(path, "tag"), "a rule tag cannot depend on tags")
        code = raw["tag"]
        if not isinstance(code, str) or not code:
            raise ConditionError(_join(path, "tag"), "a tag code")
        return TagRef(code)
    if keys != {"field", "op", "value"}:
        raise ConditionError(
            path, "expected {field, op, value}, {tag}, {all: [...]} or {any: [...]}"
        )
    return _leaf(raw["field"], raw["op"], raw["value"], path)


def _leaf(field: Any, op: Any, value: Any, path: str) -> Leaf:
    kind = FIELDS.get(field) if isinstance(field, str) else None
    if kind is None:
        raise ConditionError(_join(path, "field"), f"unknown field {field!r}")
    if op not in OPERATORS[kind]:
        allowed = ", ".join(OPERATORS[kind])
        raise ConditionError(_join(path, "op"), f"{field} takes the operators {allowed}")
    where = _join(path, "value")
    if kind == "number":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConditionError(where, f"{field} compares to a whole number")
        if abs(value) > 10**15:
            raise ConditionError(where, "out of range")
        return Leaf(field, op, value)
    if op in ("in", "not_in"):
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= MAX_LIST
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise ConditionError(where, f"a list of 1 to {MAX_LIST} texts")
        return Leaf(field, op, list(value))
    if not isinstance(value, str) or not value:
        raise ConditionError(where, f"{field} compares to a text")
    return Leaf(field, op, value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def evaluate(node: Node, facts: Facts, tags: Set[str]) -> bool:
    """Whether a member with these profile ``facts`` and ``tags`` meets ``node``. A missing
    fact (a member who never bought has no ``days_since_last_purchase``) meets no comparison
    but ``ne`` / ``not_in`` / ``not_contains``."""
    if isinstance(node, Group):
        if node.kind == "all":
            return all(evaluate(c, facts, tags) for c in node.children)
        return any(evaluate(c, facts, tags) for c in node.children)
    if isinstance(node, TagRef):
        return node.code in tags
    return _compare(node, facts.get(node.field))


def _compare(leaf: Leaf, fact: int | str | tuple[str, ...] | None) -> bool:
    op, value = leaf.op, leaf.value
    if op == "not_contains":
        return not (isinstance(fact, tuple) and value in fact)
    if op == "contains":
        return isinstance(fact, tuple) and value in fact
    if op == "not_in":
        return not (isinstance(fact, str) and isinstance(value, list) and fact in value)
    if op == "ne":
        return fact != value
    if fact is None or isinstance(fact, tuple):
        return False
    if op == "eq":
        return fact == value
    if op == "in":
        return isinstance(value, list) and fact in value
    if op == "prefix":
        return isinstance(fact, str) and isinstance(value, str) and fact.startswith(value)
    if not isinstance(fact, int) or not isinstance(value, int):
        return False
    if op == "gt":
        return fact > value
    if op == "gte":
        return fact >= value
    if op == "lt":
        return fact < value
    return fact <= value  # lte


def tag_codes(node: Node) -> set[str]:
    """The tags a definition refers to (a segment checks they exist)."""
    if isinstance(node, TagRef):
        return {node.code}
    if isinstance(node, Group):
        return set().union(*(tag_codes(c) for c in node.children))
    return set()


def to_json(node: Node) -> dict[str, Any]:
    if isinstance(node, Group):
        return {node.kind: [to_json(c) for c in node.children]}
    if isinstance(node, TagRef):
        return {"tag": node.code}
    return {"field": node.field, "op": node.op, "value": node.value}


def matching(node: Node, members: Mapping[int, Facts], tags: Mapping[int, Set[str]]) -> list[int]:
    """The ids of ``members`` meeting ``node``, ascending."""
    empty: frozenset[str] = frozenset()
    return sorted(m for m, f in members.items() if evaluate(node, f, tags.get(m, empty)))
