"""The SPA static files: deep links fall back to index.html; missing files and API paths 404."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
from fastapi import FastAPI

from shoplet.frontends import SpaFiles, accepted_encodings


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


async def test_precompressed_siblings_are_negotiated(tmp_path: Path) -> None:
    app = _app(tmp_path)
    js = "console.log('Shoplet');\n" * 200
    (tmp_path / "assets" / "big.1.js").write_text(js)
    brotli_stub = b"br-bytes"
    (tmp_path / "assets" / "big.1.js.br").write_bytes(brotli_stub)
    (tmp_path / "assets" / "big.1.js.gz").write_bytes(gzip.compress(js.encode()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        br = await client.get("/assets/big.1.js", headers={"Accept-Encoding": "gzip, br"})
        assert br.headers["content-encoding"] == "br"
        assert br.headers["vary"] == "Accept-Encoding"
        assert br.headers["content-type"].startswith("text/javascript")
        assert br.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert br.content == brotli_stub  # httpx cannot decode br without brotli; bytes as sent
        gz = await client.get("/assets/big.1.js", headers={"Accept-Encoding": "gzip, br;q=0"})
        assert gz.headers["content-encoding"] == "gzip"
        assert gz.text == js
        plain = await client.get("/assets/big.1.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.text == js
        small = await client.get("/assets/app.123.js", headers={"Accept-Encoding": "br, gzip"})
        assert "content-encoding" not in small.headers
        index = await client.get("/", headers={"Accept-Encoding": "br, gzip"})
        assert index.headers["cache-control"] == "no-cache"


def test_accepted_encodings() -> None:
    assert accepted_encodings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("") == frozenset()
    assert accepted_encodings("GZIP;q=bad") == {"gzip"}
