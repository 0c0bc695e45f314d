from __future__ import annotations

import httpx


async def test_last_code_shows_the_code_the_shop_sent(client: httpx.AsyncClient) -> None:
    sent = await client.post("/api/v1/auth/sms-code", json={"phone": "13800000123"})
    assert sent.status_code == 202
    assert "code" not in sent.json()
    response = await client.get("/_sim/sms/last-code", params={"phone": "13800000123"})
    assert response.status_code == 200
    code = response.json()["code"]
    assert len(code) == 6
    login = await client.post("/api/v1/auth/sms-login", json={"phone": "13800000123", "code": code})
    assert login.status_code == 200


async def test_last_code_for_a_phone_that_got_none_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/_sim/sms/last-code", params={"phone": "13800000999"})
    assert response.status_code == 404
