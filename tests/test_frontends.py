"""The SPA static files: deep links fall back to index.html; missing files and API paths 404."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from shoplet.frontends import SpaFiles


def _app(tmp_path: Path) -> FastAPI:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html>shop</html>")
    (tmp_path / "assets" / "app.123.js").write_text("console.log(1)")
    app = FastAPI()
    app.mount("/", SpaFiles(directory=tmp_path, html=True))
    return app


async def test_spa_fallback_and_cache_headers(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        index = await client.get("/")
        assert index.status_code == 200
        assert index.headers["cache-control"] == "no-cache"
        deep = await client.get("/pages/product/detail")
        assert deep.status_code == 200
        assert deep.text == "<html>shop</html>"
        asset = await client.get("/assets/app.123.js")
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await client.get("/assets/missing.js")).status_code == 404
        assert (await client.get("/_sim/wechatpay/nope")).status_code == 404
        assert (await client.get("/api/v1/nope")).status_code == 404
