from __future__ import annotations

from pathlib import Path

import httpx

from shoplet.app import create_app
from shoplet.core.settings import Settings


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


def test_production_mounts_no_simulator(tmp_path: Path) -> None:
    def mounted(env: str) -> set[str]:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            env=env,  # type: ignore[arg-type]
            data_dir=tmp_path,
            serve_frontends=False,
            log_json=False,
        )
        app = create_app(settings)
        assert "/api/v1/auth/sms-code" in app.openapi()["paths"]
        return {getattr(route, "path", "") for route in app.routes}

    assert {"/_sim/sms", "/_sim/wechat", "/_sim/wechatpay"} <= mounted("embedded")
    assert not any(path.startswith("/_sim") for path in mounted("production"))
