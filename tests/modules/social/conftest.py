from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    # step_up: approving a withdrawal (a payout) needs a fresh step-up grant.
    return bearer(await token_for(client, ctx, "group-operator", step_up=True))
