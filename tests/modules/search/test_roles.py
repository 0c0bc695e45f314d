"""The search role: an ``api`` process holds no search index (the gateway sends search to the
``search`` role, docs/deploy.md), so it stays small; its product list still matches ``q`` in
SQL, and it has no search routes (nor search's event handlers: numpy stays out of it)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.modules.search.public import runtime_of
from tests.modules.catalog.factories import make_category, simple_product


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"role": "api"}


def test_which_roles_hold_the_index() -> None:
    held = {
        role: Settings(role=role).holds_search_index for role in ("all", "api", "edge", "search")
    }
    assert held == {"all": True, "api": False, "edge": False, "search": True}


async def test_an_api_process_builds_no_index_and_lists_by_sql(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    category = await make_category(ctx, "家居")
    kettle = await simple_product(ctx, category, "小米电热水壶 1.5L", 9900)
    await simple_product(ctx, category, "美的电饭煲 家用4L", 29900)

    assert not runtime_of(ctx).ready.is_set()
    listed = await client.get("/api/v1/products", params={"q": "热水壶"})
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [kettle]

    searched = await client.get("/api/v1/search", params={"q": "热水壶"})
    assert searched.status_code == 404
    assert searched.json()["code"] == "http.not_found"
    assert (await client.get("/api/v1/console/search/index")).status_code == 404
