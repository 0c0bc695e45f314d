"""Schemathesis over the whole OpenAPI document, in process: every operation gets generated
requests (valid and invalid), as a shopper or, under /api/v1/console, as an owner; none may
answer 5xx or break its own response schema.

Part of `make security` (SHOPLET_SCHEMATHESIS=1, docs/security.md), not of the plain test run:
it takes a few minutes. SHOPLET_SCHEMATHESIS_EXAMPLES sets the examples per operation.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

pytestmark = pytest.mark.skipif(
    os.environ.get("SHOPLET_SCHEMATHESIS") != "1",
    reason="schemathesis runs in `make security` (SHOPLET_SCHEMATHESIS=1)",
)

EXAMPLES = int(os.environ.get("SHOPLET_SCHEMATHESIS_EXAMPLES", "3"))
BASE = "http://shoplet.test"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The live boards' event streams end after half a second (the in-process transport hands an
    # answer over only once it is complete).
    return {"insights_live_max_seconds": 0.5}


def _generate(operation: Any, count: int) -> list[Any]:
    from hypothesis import HealthCheck, Phase, given, settings

    found: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def collect(case: Any) -> None:
        found.append(case)

    collect()
    return found


async def test_no_operation_answers_5xx_or_breaks_its_schema(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("one backend is enough for the fuzzer (the input-safety test covers both)")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    member = (await shopper(client)).headers
    owner = staff_bearer(await token_for(client, ctx, "olivia", role="owner"))
    schema = schemathesis.openapi.from_dict(app.openapi())
    failures: list[str] = []
    operations = calls = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        console = operation.path.startswith("/api/v1/console/")
        for case in _generate(operation, EXAMPLES):
            kwargs = case.as_transport_kwargs(base_url=BASE)
            headers = {**(kwargs.get("headers") or {}), **(owner if console else member)}
            response = await client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=headers,
                json=kwargs.get("json"),
                content=kwargs.get("data"),
                cookies=kwargs.get("cookies"),
            )
            calls += 1
            try:
                case.validate_response(
                    response,
                    checks=[
                        not_a_server_error,
                        response_schema_conformance,
                    ],
                )
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                failures.append(f"{operation.method.upper()} {operation.path}: {first[:300]}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {calls} calls, {elapsed:.0f} s")
    if report := os.environ.get("SHOPLET_SCHEMATHESIS_REPORT"):
        with open(report, "w", encoding="utf-8") as handle:  # noqa: ASYNC230
            handle.write("\n".join(sorted(set(failures))) + "\n")
    assert operations > 300
    assert failures == []
