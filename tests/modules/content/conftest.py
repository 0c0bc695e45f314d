from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "content-operator"))
