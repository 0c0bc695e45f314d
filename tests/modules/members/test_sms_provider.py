"""SMS login codes sent through Tencent Cloud SMS (the in-repo simulator verifies every request):
the provider's answers become clear problems, and a code that was not sent is not stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.sms import LogSmsSender
from shoplet.integrations.tencent_sms import TencentSmsSender
from shoplet.integrations.tencent_sms_simulator import TencentSmsSimulator
from tests.conftest import snapshot
from tests.modules.members.conftest import SMS_CODE, SMS_LOGIN, login_codes, members


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"sms_provider": "tencent", "sms_tencent_login_template_id": "2001"}


def simulator(app: FastAPI) -> TencentSmsSimulator:
    sim = app.state.integrations.sms_simulator
    assert isinstance(sim, TencentSmsSimulator)
    return sim


async def test_code_is_texted_through_the_provider_and_logs_in(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    assert isinstance(app.state.integrations.sms, TencentSmsSender)
    assert not isinstance(app.state.integrations.sms, LogSmsSender)

    response = await client.post(SMS_CODE, json={"phone": "13812345678"})

    assert response.status_code == 202
    [sent] = simulator(app).sent
    assert sent.phone == "+8613812345678"
    assert sent.template_id == "2001"
    code, minutes = sent.params
    assert minutes == "5"
    assert code not in response.text
    # The embedded "phone" used by demos and browser tests reads the provider's simulator.
    shown = await client.get("/_sim/sms/last-code", params={"phone": "13812345678"})
    assert shown.json() == {"phone": "13812345678", "code": code}
    login = await client.post(SMS_LOGIN, json={"phone": "13812345678", "code": code})
    assert login.status_code == 200
    assert len(await members(ctx)) == 1


@pytest.mark.parametrize(
    "refusal",
    [
        ("13812340400", 400, "auth.sms_phone_rejected"),
        ("13812340429", 429, "auth.sms_rate_limited"),
        ("13812340502", 502, "auth.sms_unavailable"),
        ("13812340503", 502, "auth.sms_unavailable"),
    ],
)
async def test_provider_refusals_are_problems_and_store_no_code(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext, refusal: tuple[str, int, str]
) -> None:
    phone, status, code = refusal
    before = await snapshot(ctx)

    response = await client.post(SMS_CODE, json={"phone": phone})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before
    assert await login_codes(ctx) == []
    assert list(simulator(app).sent) == []
    if status == 429:
        assert int(response.headers["Retry-After"]) > 0


async def test_refused_credentials_are_503_and_store_no_code(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    # The provider knows another key than the shop signs with.
    simulator(app).secret_key = "rotated-at-the-provider"
    before = await snapshot(ctx)

    response = await client.post(SMS_CODE, json={"phone": "13812345678"})

    assert response.status_code == 503
    assert response.json()["code"] == "auth.sms_not_configured"
    assert await snapshot(ctx) == before
