"""The storefront's API client cannot drift from the backend.

``frontends/storefront/src/api/operations.json`` lists every call the storefront makes (method,
path, query and body fields). These tests check each one against the live schema from
``create_app().openapi()``. The storefront's vitest suite runs the same checks against the
shared snapshot ``frontends/shared/src/openapi.json``, whose freshness
``tests/e2e/test_console_openapi.py`` checks (``make storefront-openapi`` refreshes it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shoplet.app import create_app
from shoplet.core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
STOREFRONT = REPO / "frontends" / "storefront"
OPERATIONS_FILE = STOREFRONT / "src" / "api" / "operations.json"


def _operations() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(OPERATIONS_FILE.read_text(encoding="utf-8"))
    return {name: op for name, op in data.items() if not name.startswith("_")}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    app = create_app(Settings(env="test", log_level="WARNING"))
    openapi: dict[str, Any] = app.openapi()
    return openapi


def _find(schema: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    wanted = _normalise(path)
    for candidate, operations in schema["paths"].items():
        if _normalise(candidate) == wanted and method.lower() in operations:
            found: dict[str, Any] = operations[method.lower()]
            return found
    return None


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _body_properties(schema: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if body is None:
        return set()
    names: set[str] = set()
    stack = [body]
    while stack:
        node = _resolve(schema, stack.pop())
        names.update(node.get("properties", {}))
        for key in ("anyOf", "oneOf", "allOf"):
            stack.extend(node.get(key, []))
    return names


@pytest.mark.parametrize("name", sorted(_operations()))
def test_storefront_operation_matches_schema(schema: dict[str, Any], name: str) -> None:
    op = _operations()[name]
    if op.get("simulator"):
        assert op["path"].startswith("/_sim/"), "only the embedded simulators live outside the API"
        return
    found = _find(schema, op["method"], op["path"])
    if found is None:
        if op.get("planned"):
            pytest.skip(f"needs {op['method']} {op['path']} (planned in the API contract)")
        pytest.fail(f"{name}: {op['method']} {op['path']} is not in the backend's OpenAPI schema")
    query = {p["name"] for p in found.get("parameters", []) if p.get("in") == "query"}
    missing_query = sorted(set(op.get("query", [])) - query)
    assert missing_query == [], f"{name}: query parameters unknown to the backend: {missing_query}"
    body = _body_properties(schema, found)
    missing_body = sorted(set(op.get("body", [])) - body)
    assert missing_body == [], f"{name}: body fields unknown to the backend: {missing_body}"
    if op.get("body") and "requestBody" not in found:
        pytest.fail(f"{name}: the client sends a body the backend does not accept")


def test_every_storefront_path_template_is_well_formed() -> None:
    for name, op in _operations().items():
        assert op["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE"}, name
        assert op["path"].startswith(("/api/v1/", "/_sim/")), name
