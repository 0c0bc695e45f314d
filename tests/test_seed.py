from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.demo import PRODUCTS, ean13, run_seed, seed_catalog
from shoplet.demo.models3d import DEMO_MODELS, demo_glb
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from tests.conftest import BackendDb, make_settings


async def all_admin_products(session: AsyncSession) -> list[catalog.ProductAdmin]:
    out: list[catalog.ProductAdmin] = []
    cursor = None
    while True:
        page, cursor = await catalog.list_products_admin(
            session, q=None, status=None, category_id=None, cursor=cursor, limit=100
        )
        out += page
        if cursor is None:
            return out


async def test_seed_builds_a_browsable_shop(client: httpx.AsyncClient, ctx: AppContext) -> None:
    media_dir = ctx.settings.media_dir
    async with ctx.sessionmaker() as s:
        summary = await seed_catalog(s, media_dir)
        await s.commit()
    assert summary.products == len(PRODUCTS) >= 60

    tree = (await client.get("/api/v1/categories")).json()
    assert len(tree) >= 8
    assert all(2 <= len(top["children"]) <= 4 for top in tree)
    assert {"手机", "服饰", "美妆", "食品", "家居", "母婴", "图书", "数码配件"} <= {
        top["name"] for top in tree
    }

    async with ctx.sessionmaker() as s:
        products = await all_admin_products(s)
    assert len(products) == summary.products
    assert all(p.status == "on_sale" for p in products)
    child_ids = {child["id"] for top in tree for child in top["children"]}
    assert {p.category_id for p in products} <= child_ids
    assert len({p.category_id for p in products}) >= 20
    skus = [s for p in products for s in p.skus]
    assert len(skus) == summary.skus
    assert all(1 <= len(p.skus) <= 6 for p in products)
    barcodes = [s.barcode for s in skus]
    assert len(set(barcodes)) == len(barcodes)
    assert all(b is not None and len(b) == 13 and ean13(b[:12]) == b for b in barcodes)
    assert all(s.original_price >= s.price > 0 for s in skus)
    assert any(s.on_hand == 0 for s in skus)
    assert sum(s.on_hand for s in skus) > 10_000
    spins = [p for p in products if p.turntable_images]
    assert len(spins) >= 3
    assert all(24 <= len(p.turntable_images) <= 36 for p in spins)
    assert all(3 <= len(set(p.images)) == len(p.images) <= 5 for p in products)
    assert len({p.images[0] for p in products}) == len(products)
    assert len({p.created_at for p in products}) == len(products)
    # Sales come from orders only: a catalog without an order history has sold nothing yet.
    assert all(p.sales_count == 0 for p in products)
    assert len(summary.detail_images) == len(products)
    assert all(1 <= len(urls) <= 2 for urls in summary.detail_images.values())

    # Every image the catalog references exists on disk and is served with a long cache.
    urls = {u for p in products for u in [*p.images, *p.turntable_images]}
    urls |= {u for details in summary.detail_images.values() for u in details}
    urls |= {s.image for s in skus if s.image}
    urls |= {c["icon"] for c in tree if c["icon"]}
    for url in urls:
        assert url.startswith("/media/")
        assert (media_dir / url.removeprefix("/media/")).is_file(), url
    response = await client.get(sorted(urls)[0])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] in {"image/jpeg", "image/png"}
    missing = await client.get("/media/products/nope.jpg")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"

    # The storefront lists every seeded product, page by page.
    seen: list[int] = []
    cursor = None
    while True:
        query = "?limit=50" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/api/v1/products{query}")).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(p.id for p in products)

    detail = (await client.get(f"/api/v1/products/{spins[0].id}")).json()
    assert detail["turntable_images"] == spins[0].turntable_images
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, [sku["id"] for sku in detail["skus"]])
    assert [sku["available"] for sku in detail["skus"]] == [
        levels[sku["id"]].available for sku in detail["skus"]
    ]

    first_page = (await client.get("/api/v1/products?limit=50")).json()
    # A few demo products have a 3D model, its sprite drawn by the seed: 3D 看看 works at once.
    assert summary.models == len(DEMO_MODELS) == 3
    with_models = [i for i in seen if (await client.get(f"/api/v1/products/{i}")).json()["model3d"]]
    assert len(with_models) == 3
    for product_id in with_models:
        model = (await client.get(f"/api/v1/products/{product_id}")).json()["model3d"]
        assert model["url"].endswith(".glb")
        assert model["alt"].endswith("的 3D 模型")
        assert model["poster"].endswith(".webp")
        assert model["sprite"]["frames"] == 24
        glb = await client.get(model["url"])
        assert glb.status_code == 200
        assert glb.headers["content-type"] == "model/gltf-binary"
        assert glb.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert glb.content[:4] == b"glTF"
        sprite = await client.get(model["sprite"]["url"])
        assert sprite.headers["content-type"] == "image/webp"
    cards: list[dict[str, Any]] = []
    for query in ("?limit=50", f"?limit=50&cursor={first_page['next_cursor']}"):
        cards += (await client.get(f"/api/v1/products{query}")).json()["items"]
    assert {c["id"] for c in cards if c["has_model"]} == set(with_models)
    # Deterministic: the same parts give the same bytes.
    assert all(demo_glb(short) == demo_glb(short) for short in DEMO_MODELS)


async def test_run_seed_only_if_empty_is_safe_twice(
    ctx: AppContext, backend_db: BackendDb, tmp_path: Path
) -> None:
    settings = make_settings(backend_db, tmp_path / "data")
    first = await run_seed(settings, only_if_empty=True)
    assert first.startswith(f"seeded 9 categories (28 sub-categories), {len(PRODUCTS)} products")
    second = await run_seed(settings, only_if_empty=True)
    assert second == "the shop already has products: demo seed skipped"
    async with ctx.sessionmaker() as s:
        assert len(await all_admin_products(s)) == len(PRODUCTS)
    assert len(list((settings.media_dir / "products").iterdir())) > len(PRODUCTS) * 2


def test_seed_refuses_production_and_writes_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shoplet.cli import app

    db = tmp_path / "prod.db"
    result = CliRunner().invoke(
        app,
        ["seed"],
        env={
            "SHOPLET_ENV": "production",
            "SHOPLET_DATA_DIR": str(tmp_path / "data"),
            "SHOPLET_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        },
    )
    assert result.exit_code == 2
    assert "never runs in production" in result.output
    assert not db.exists()
    assert not (tmp_path / "data").exists()


def test_no_public_api_carries_a_demo_helper() -> None:
    import importlib

    from shoplet.modules import MODULES

    for name in MODULES:
        try:
            public = importlib.import_module(f"shoplet.modules.{name}.public")
        except ModuleNotFoundError:
            continue
        exported = [n for n in getattr(public, "__all__", dir(public)) if "demo" in n.lower()]
        assert exported == [], f"{name}.public exports {exported}"
