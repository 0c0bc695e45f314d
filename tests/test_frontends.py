"""The SPA static files: deep links fall back to index.html; missing files and API paths 404."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
from fastapi import FastAPI

from shoplet.frontends import SpaFiles, accepted_encodings
from tests.e2e.conftest import STOREFRONT_PAGES, old_page_url

PAGES_JSON = Path(__file__).parents[1] / "frontends" / "storefront" / "src" / "pages.json"


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
        # Subpackage pages, and the addresses they had before (the app redirects those).
        for path in ("/pkg-trade/orders/index", "/pages/orders/index", "/pkg-user/legal/index"):
            moved = await client.get(path, params={"status": "paid"})
            assert (moved.status_code, moved.text) == (200, "<html>shop</html>"), path
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


def test_browser_tests_name_the_pages_of_pages_json() -> None:
    pages = json.loads(PAGES_JSON.read_text())
    declared = [f"/{p['path']}" for p in pages["pages"]] + [
        f"/{sub['root']}/{p['path']}" for sub in pages["subPackages"] for p in sub["pages"]
    ]
    assert sorted(STOREFRONT_PAGES.values()) == sorted(declared)
    # The addresses from before the subpackages, which the e2e tests open as old bookmarks.
    assert old_page_url("orders", status="paid") == "/pages/orders/index?status=paid"
    assert old_page_url("product", id=3) == STOREFRONT_PAGES["product"] + "?id=3"


def test_mini_program_packages_are_measured_against_wechat_limits(tmp_path: Path) -> None:
    from bench.frontend import mp_over_budget, mp_packages

    (tmp_path / "app.json").write_text(
        json.dumps({"pages": ["pages/index/index"], "subPackages": [{"root": "pkg-trade/"}]})
    )
    (tmp_path / "pages" / "index").mkdir(parents=True)
    (tmp_path / "pages" / "index" / "index.js").write_bytes(b"x" * 2048)
    (tmp_path / "pkg-trade" / "checkout").mkdir(parents=True)
    (tmp_path / "pkg-trade" / "checkout" / "index.js").write_bytes(b"x" * 3072)
    app_json = len((tmp_path / "app.json").read_bytes())
    main, subpackages, total = mp_packages(tmp_path)
    assert main == round((2048 + app_json) / 1024, 1)
    assert subpackages == {"pkg-trade": 3.0}
    assert total == round((2048 + 3072 + app_json) / 1024, 1)
    assert mp_over_budget(main, subpackages, total) == []
    assert mp_over_budget(2049.0, {"pkg-trade": 2048.5}, 20481.0) == [
        "main package 2049.0 KB > 2 MB",
        "subpackage pkg-trade 2048.5 KB > 2 MB",
        "all packages 20481.0 KB > 20 MB",
    ]
