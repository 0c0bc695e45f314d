from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def agent(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "kefu-a", role="support"))


@pytest.fixture
async def other_agent(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "kefu-b", role="support"))
