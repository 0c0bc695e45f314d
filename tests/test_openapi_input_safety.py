"""Every operation of the OpenAPI, fed hostile input: a NUL in each string query or path
parameter and in each string field of its JSON body, 2**70 in each integer. Each answer is a 4xx
problem+json with a stable code, never a 500, and no row changes.

The cases are generated from ``create_app().openapi()``, so a new route is covered the day it is
added. Requests are authenticated (a shopper for the storefront, an owner with MFA for the
console) so that they reach validation rather than stop at authentication.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.input_safety import MAX_ID
from tests.conftest import snapshot
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

NUL = "a\x00b"
HUGE = 2**70
PROBLEM_JSON = "application/problem+json"
CHARACTERS = "request.invalid_characters"
INVALID = "request.invalid"
METHODS = ("get", "post", "put", "patch", "delete")

Schema = dict[str, Any]
Path = tuple[str | int, ...]


@dataclass
class Case:
    method: str
    path: str
    what: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    expected_code: str = "request.invalid"

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} [{self.what}]"


def _resolve(spec: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _variant(spec: Schema, schema: Schema) -> Schema:
    """The first non-null branch of ``anyOf``/``oneOf`` (``X | None``), resolved."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()):
            resolved = _resolve(spec, branch)
            if resolved.get("type") != "null":
                return _variant(spec, resolved)
    return schema


MAP_KEY = "key"


def _map_values(schema: Schema) -> Schema | None:
    """The value schema of a map (``additionalProperties`` or the first ``patternProperties``)."""
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        return values
    patterns = schema.get("patternProperties") or {}
    return next(iter(patterns.values()), None)


def _example(spec: Schema, schema: Schema, depth: int = 0) -> Any:
    """A plausible value of ``schema``: required fields only, the first enum or const."""
    schema = _variant(spec, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        if depth > 6:
            return {}
        required = schema.get("required", ())
        props = schema.get("properties", {})
        return {name: _example(spec, props[name], depth + 1) for name in required if name in props}
    if kind == "array":
        return [_example(spec, schema.get("items", {}), depth + 1)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return "x"


def _leaves(
    spec: Schema, schema: Schema, path: Path = (), depth: int = 0
) -> Iterator[tuple[Path, str]]:
    """Every string and integer field of a body schema, at any depth (lists: their first item)."""
    schema = _variant(spec, schema)
    kind = schema.get("type")
    if kind == "object" and depth <= 6:
        for name, prop in schema.get("properties", {}).items():
            yield from _leaves(spec, prop, (*path, name), depth + 1)
        values = _map_values(schema)
        if not schema.get("properties") and values is not None:
            # A map (``dict[str, X]``): one entry under a sample key.
            yield from _leaves(spec, values, (*path, MAP_KEY), depth + 1)
    elif kind == "array" and depth <= 6:
        yield from _leaves(spec, schema.get("items", {}), (*path, 0), depth + 1)
    elif kind == "string" and schema.get("format") != "binary":
        yield path, "string"
    elif kind == "integer":
        yield path, "integer"


def _with(spec: Schema, schema: Schema, body: Any, path: Path, value: Any) -> Any:
    """``body`` with ``value`` at ``path``, creating the containers on the way."""
    if not path:
        return value
    schema = _variant(spec, schema)
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        item_schema = schema.get("items", {})
        current = items[0] if items else _example(spec, item_schema)
        return [_with(spec, item_schema, current, rest, value), *items[1:]]
    obj = dict(body) if isinstance(body, dict) else {}
    prop = schema.get("properties", {}).get(head)
    if prop is None:
        values = _map_values(schema)
        prop = values if head == MAP_KEY and values is not None else {}
    current = obj.get(head, _example(spec, prop))
    obj[head] = _with(spec, prop, current, rest, value)
    return obj


def _param_kind(spec: Schema, param: Schema) -> str | None:
    schema = _variant(spec, param.get("schema", {}))
    kind = schema.get("type")
    return kind if kind in ("string", "integer") else None


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path_values: dict[str, Any]
    body_schema: Schema | None
    base_body: Any

    def case(
        self,
        what: str,
        code: str,
        *,
        path: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Case:
        values = {**self.path_values, **(path or {})}
        return Case(
            self.method,
            self.template.format(**{k: _quote(v) for k, v in values.items()}),
            what,
            params=params or {},
            body=self.base_body if body is None else body,
            has_body=self.body_schema is not None,
            expected_code=code,
        )


def _operation(spec: Schema, template: str, method: str, op: Schema) -> Operation:
    body_schema = (
        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    return Operation(
        method=method,
        template=template,
        path_values={
            p["name"]: 1 if _param_kind(spec, p) == "integer" else "X1"
            for p in op.get("parameters", ())
            if p["in"] == "path"
        },
        body_schema=body_schema,
        base_body=_example(spec, body_schema) if body_schema else None,
    )


def _parameter_cases(spec: Schema, op: Operation, param: Schema) -> Iterator[Case]:
    kind, name = _param_kind(spec, param), param["name"]
    if param["in"] == "path":
        if kind == "string":
            yield op.case(f"path {name}=NUL", CHARACTERS, path={name: NUL})
        elif kind == "integer":
            yield op.case(f"path {name}=2**70", INVALID, path={name: HUGE})
        return
    # Every query parameter, whatever its type (int, enum, date, bool), carries a NUL.
    yield op.case(f"query {name}=NUL", CHARACTERS, params={name: NUL})
    if kind == "integer":
        yield op.case(f"query {name}=2**70", INVALID, params={name: HUGE})


def _body_cases(spec: Schema, op: Operation) -> Iterator[Case]:
    if op.body_schema is None:
        return
    for leaf, kind in _leaves(spec, op.body_schema):
        where = ".".join(str(x) for x in leaf) or "body"
        if kind == "string":
            body = _with(spec, op.body_schema, op.base_body, leaf, NUL)
            yield op.case(f"body {where}=NUL", CHARACTERS, body=body)
        else:
            body = _with(spec, op.body_schema, op.base_body, leaf, HUGE)
            yield op.case(f"body {where}=2**70", INVALID, body=body)


def cases(spec: Schema) -> Iterator[Case]:
    for template, operations in spec["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            op = _operation(spec, template, method, operations[method])
            for param in operations[method].get("parameters", ()):
                if param["in"] in ("path", "query"):
                    yield from _parameter_cases(spec, op, param)
            yield from _body_cases(spec, op)


def _quote(value: Any) -> str:
    return quote(str(value), safe="")


def test_the_generator_covers_every_operation(app: FastAPI) -> None:
    spec = app.openapi()
    generated = list(cases(spec))
    operations = {
        (method, path)
        for path, ops in spec["paths"].items()
        for method in METHODS
        if method in ops
        and (
            any(p["in"] in ("path", "query") for p in ops[method].get("parameters", ()))
            or "application/json" in ops[method].get("requestBody", {}).get("content", {})
        )
    }
    # Every operation with parameters or a JSON body yields at least one case.
    covered = {(c.method, _template_of(spec, c.path)) for c in generated}
    assert operations - covered == set()
    assert len(generated) > 200


def _template_of(spec: Schema, path: str) -> str:
    """The most specific template of ``path``: ``/products/bulk-jobs`` over ``/products/{id}``."""
    return min(
        (p for p in spec["paths"] if re.fullmatch(_pattern(p), path)), key=lambda p: p.count("{")
    )


def _pattern(template: str) -> str:
    return re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))


def test_every_integer_parameter_is_bounded_to_64_bits(app: FastAPI) -> None:
    """The OpenAPI promises what validation enforces: no integer path or query parameter
    accepts more than a signed 64-bit column holds."""
    spec = app.openapi()
    unbounded = [
        f"{method.upper()} {path} {p['name']}"
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        for p in op.get("parameters", ())
        if _param_kind(spec, p) == "integer"
        and _variant(spec, p["schema"]).get("maximum", HUGE) > MAX_ID
    ]
    assert unbounded == []


async def test_hostile_input_on_every_route_is_a_4xx_problem_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    spec = app.openapi()
    member = (await shopper(client)).headers
    # With a step-up grant: sensitive routes then validate input like every other route.
    owner = staff_bearer(await token_for(client, ctx, "olivia", role="owner", step_up=True))
    before = await snapshot(ctx)
    failures: list[str] = []
    count = 0
    for case in cases(spec):
        count += 1
        headers = owner if case.path.startswith("/api/v1/console/") else member
        kwargs: dict[str, Any] = {"params": case.params, "headers": headers}
        if case.has_body:
            kwargs["json"] = case.body
        response = await client.request(case.method.upper(), case.path, **kwargs)
        content_type = response.headers.get("content-type", "")
        if not (400 <= response.status_code < 500) or not content_type.startswith(PROBLEM_JSON):
            failures.append(f"{case}: {response.status_code} {response.text[:200]}")
            continue
        if response.json()["code"] != case.expected_code:
            failures.append(f"{case}: {response.json()['code']} != {case.expected_code}")
    assert failures == []
    assert count > 200
    assert await snapshot(ctx) == before
