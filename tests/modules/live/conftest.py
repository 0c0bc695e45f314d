from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def operator(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "zhibo-op", role="operator"))
