"""The one OpenAPI snapshot of both front ends (frontends/shared/src/openapi.json) is current.

The console's API client is type-checked against the types generated from that snapshot, and
both apps' vitest suites check their operation lists against it, so a backend change to any route
must refresh it: ``make console-openapi`` (alias ``make storefront-openapi``) rewrites it and
regenerates the TypeScript types, and this test fails until then.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "frontends" / "shared" / "scripts" / "openapi_snapshot.py"


def _snapshot_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shared_openapi_snapshot", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_openapi_snapshot_is_fresh() -> None:
    module = _snapshot_module()
    committed = module.SNAPSHOT.read_text(encoding="utf-8")
    fresh = module.render()
    if committed != fresh:
        old = {(m, p) for p, ops in json.loads(committed)["paths"].items() for m in ops}
        new = {(m, p) for p, ops in json.loads(fresh)["paths"].items() for m in ops}
        added = sorted(f"{m.upper()} {p}" for m, p in new - old)
        removed = sorted(f"{m.upper()} {p}" for m, p in old - new)
        raise AssertionError(
            "frontends/shared/src/openapi.json is stale: run `make console-openapi` "
            f"(operations added: {added or 'none'}; removed: {removed or 'none'}; "
            "otherwise schemas changed)"
        )


def test_console_operations_exist_in_the_snapshot() -> None:
    """Every console route in the backend is in the snapshot the client is checked against."""
    spec = json.loads(_snapshot_module().SNAPSHOT.read_text(encoding="utf-8"))
    console_ops = {
        (method, path)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/v1/console/")
        for method in ops
    }
    assert ("post", "/api/v1/console/auth/login") in console_ops
    assert ("get", "/api/v1/console/auth/me") in console_ops
