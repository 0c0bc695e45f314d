from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shoplet.core.context import AppContext
from shoplet.core.errors import ShopletError
from shoplet.core.pagination import InvalidCursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from tests.conftest import snapshot
from tests.modules.catalog.factories import (
    IMAGE,
    make_category,
    make_product,
    product_payload,
    simple_product,
    sku,
)

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
T1 = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


def specs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in pairs]


async def update(ctx: AppContext, product_id: int, **changes: Any) -> catalog.ProductAdmin:
    async with ctx.sessionmaker() as s:
        result = await catalog.update_product(
            s, product_id, catalog.ProductUpdate.model_validate(changes), actor="t", now=T1
        )
        await s.commit()
    return result


async def assert_rejected(ctx: AppContext, call: Any, error: type[ShopletError], code: str) -> None:
    """The call raises ``error`` and, even if the caller commits afterwards, stores nothing."""
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(error) as err:
            await call(s)
        assert err.value.code == code
        await s.commit()
    assert await snapshot(ctx) == before


# --- create ------------------------------------------------------------------------------------


async def test_create_product_with_skus_and_stock(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, now=T0)
    assert product.model_dump(exclude={"id", "skus"}) == {
        "category_id": category,
        "title": "华为 Mate 60 Pro 智能手机",
        "subtitle": "卫星通话 昆仑玻璃",
        "brand": "",
        "tags": [],
        "description": "<p>超可靠玄武架构</p>",
        "images": [IMAGE, "/media/products/fedcba9876543210fedc.jpg"],
        "turntable_images": [],
        "detail_images": [],
        "video_url": None,
        "video_poster": None,
        "image_sets": {},
        "status": "on_sale",
        "sales_count": 0,
        "min_price": 699900,
        "max_price": 799900,
        "original_price": 699900,
        "created_at": T0,
        "updated_at": T0,
        "published_at": T0,
    }
    assert [
        (s.specs[0].value, s.specs[1].value, s.price, s.original_price, s.barcode, s.on_hand)
        for s in product.skus
    ] == [
        ("黑", "512GB", 699900, 699900, "6901234567892", 10),
        ("黑", "1TB", 799900, 829900, None, 10),
        ("白", "512GB", 699900, 699900, None, 0),
    ]
    assert all(s.is_active and s.reserved == 0 for s in product.skus)
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, [x.id for x in product.skus])
        assert await catalog.get_product_admin(s, product.id) == product
    assert [levels[x.id].on_hand for x in product.skus] == [10, 10, 0]


async def test_draft_has_no_published_at(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, status="draft", images=[])
    assert (product.status, product.published_at) == ("draft", None)


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"category_id": 999}, catalog.CategoryNotFound, "catalog.category_not_found"),
        (
            {"skus": [sku(100, ("颜色", "黑")), sku(100, ("尺码", "M"))]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [sku(100, ("颜色", "黑")), sku(100, ("颜色", "黑"), ("尺码", "M"))]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [sku(100, ("颜色", "黑"), ("尺码", "M")),
                      sku(200, ("颜色", "黑"), ("尺码", "M"))]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [sku(100, ("颜色", "黑"), ("颜色", "白"))]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [sku(100, ("尺码", "M"), ("颜色", "黑")),
                      sku(100, ("颜色", "黑"), ("尺码", "L"))]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        ({"skus": [sku(100), sku(200)]}, catalog.InvalidSkuMatrix, "catalog.invalid_sku_matrix"),
        (
            {"skus": [sku(100, original_price=99)]},
            catalog.InvalidOriginalPrice,
            "catalog.invalid_original_price",
        ),
        (
            {"skus": [sku(1, ("颜色", "黑"), barcode="6901234567892"),
                      sku(1, ("颜色", "白"), barcode="6901234567892")]},
            catalog.BarcodeTaken,
            "catalog.barcode_taken",
        ),
        ({"images": []}, catalog.NotPublishable, "catalog.not_publishable"),
    ],
)  # fmt: skip
async def test_create_rejections_store_nothing(
    ctx: AppContext, overrides: dict[str, Any], error: type[ShopletError], code: str
) -> None:
    category = await make_category(ctx)
    data = catalog.ProductCreate.model_validate({**product_payload(category), **overrides})
    await assert_rejected(ctx, lambda s: catalog.create_product(s, data, actor="t"), error, code)


async def test_barcode_taken_by_another_product(ctx: AppContext) -> None:
    category = await make_category(ctx)
    await make_product(ctx, category)
    data = catalog.ProductCreate.model_validate(
        product_payload(category, skus=[sku(100, barcode="6901234567892")])
    )
    await assert_rejected(
        ctx, lambda s: catalog.create_product(s, data, actor="t"), catalog.BarcodeTaken,
        "catalog.barcode_taken",
    )  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        {"status": "published"},
        {"title": ""},
        {"title": "x" * 101},
        {"category_id": "1"},
        {"images": ["ftp://example.com/a.jpg"]},
        {"images": ["/media/a b.jpg"]},
        {"skus": []},
        {"skus": [sku(100)] * 201},
        {"skus": [{**sku(100), "price": "100"}]},
        {"skus": [{**sku(100), "price": -1}]},
        {"skus": [{**sku(100), "price": True}]},
        {"skus": [{**sku(100), "barcode": "69012345"[:7]}]},
        {"skus": [{**sku(100), "stock": -1}]},
        {"skus": [{**sku(100), "colour": "黑"}]},
        {"skus": [sku(100, ("颜色", ""))]},
        {"unknown": 1},
    ],
)
def test_request_models_reject_malformed_payloads(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        catalog.ProductCreate.model_validate({**product_payload(1), **change})


# --- update ------------------------------------------------------------------------------------


async def test_update_fields_and_prices(ctx: AppContext) -> None:
    category = await make_category(ctx)
    other = await make_category(ctx, "数码")
    product = await make_product(ctx, category, now=T0)
    black_512, black_1tb, white_512 = (s.id for s in product.skus)
    result = await update(
        ctx,
        product.id,
        category_id=other,
        title="华为 Mate 60 Pro+",
        images=[IMAGE],
        turntable_images=[IMAGE, IMAGE],
        skus=[
            {"id": black_512, "specs": specs(("颜色", "黑"), ("存储", "512GB")), "price": 650000,
             "original_price": 699900, "barcode": "6901234567892"},
            {"id": black_1tb, "specs": specs(("颜色", "黑"), ("存储", "1TB")), "price": 750000},
            {"id": white_512, "specs": specs(("颜色", "白"), ("存储", "512GB")), "price": 640000,
             "original_price": 640000, "weight_grams": 225},
        ],
    )  # fmt: skip
    assert (result.category_id, result.title, result.images) == (
        other,
        "华为 Mate 60 Pro+",
        [IMAGE],
    )
    assert result.turntable_images == [IMAGE, IMAGE]
    assert (result.min_price, result.max_price, result.original_price) == (640000, 750000, 640000)
    assert (result.created_at, result.updated_at, result.published_at) == (T0, T1, T0)
    assert [(s.id, s.price, s.weight_grams) for s in result.skus] == [
        (black_512, 650000, 0),
        (black_1tb, 750000, 0),
        (white_512, 640000, 225),
    ]
    # Stock is untouched by a product edit.
    assert [s.on_hand for s in result.skus] == [10, 10, 0]


async def test_update_adds_deactivates_and_matches_skus(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    black_512, black_1tb, white_512 = (s.id for s in product.skus)
    # No ids: black/512 is matched by barcode (and renamed), white/512 by its specs; black/1TB
    # is left out (deactivated) and a new gold SKU is created with its initial stock.
    result = await update(
        ctx,
        product.id,
        skus=[
            {"specs": specs(("颜色", "曜石黑"), ("存储", "512GB")), "price": 699900,
             "barcode": "6901234567892"},
            {"specs": specs(("颜色", "白"), ("存储", "512GB")), "price": 699900},
            {"specs": specs(("颜色", "金"), ("存储", "512GB")), "price": 719900, "stock": 7,
             "barcode": "6901234567809"},
        ],
    )  # fmt: skip
    by_id = {s.id: s for s in result.skus}
    assert len(by_id) == 4
    assert by_id[black_512].specs[0].value == "曜石黑"
    assert by_id[black_512].is_active
    assert not by_id[black_1tb].is_active
    assert by_id[white_512].is_active
    (gold,) = (s for s in result.skus if s.id not in {black_512, black_1tb, white_512})
    assert (gold.price, gold.on_hand, gold.barcode, gold.is_active) == (
        719900,
        7,
        "6901234567809",
        True,
    )
    assert (result.min_price, result.max_price) == (699900, 719900)
    # Re-listing the removed SKU by its specs brings it back instead of duplicating it.
    again = await update(
        ctx,
        product.id,
        skus=[
            {"id": black_512, "specs": specs(("颜色", "曜石黑"), ("存储", "512GB")),
             "price": 699900, "barcode": "6901234567892"},
            {"specs": specs(("颜色", "黑"), ("存储", "1TB")), "price": 799900},
        ],
    )  # fmt: skip
    assert len(again.skus) == 4
    assert [s.id for s in again.skus if s.is_active] == [black_512, black_1tb]


async def test_update_swaps_barcodes_between_skus(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(
        ctx,
        category,
        skus=[
            sku(100, ("颜色", "黑"), barcode="6901234567892"),
            sku(100, ("颜色", "白"), barcode="6901234567809"),
        ],
    )
    black, white = (s.id for s in product.skus)
    result = await update(
        ctx,
        product.id,
        skus=[
            {"id": black, "specs": specs(("颜色", "黑")), "price": 100, "barcode": "6901234567809"},
            {"id": white, "specs": specs(("颜色", "白")), "price": 100, "barcode": "6901234567892"},
        ],
    )
    assert [(s.id, s.barcode) for s in result.skus] == [
        (black, "6901234567809"),
        (white, "6901234567892"),
    ]


async def test_partial_update_keeps_other_fields(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, now=T0)
    result = await update(ctx, product.id, subtitle="")
    assert result.model_dump(exclude={"subtitle", "updated_at"}) == product.model_dump(
        exclude={"subtitle", "updated_at"}
    )
    assert (result.subtitle, result.updated_at) == ("", T1)


async def test_update_rejections_store_nothing(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    other = await make_product(
        ctx, category, skus=[sku(100, ("颜色", "红"), barcode="6901234567809")]
    )
    black_512, black_1tb, white_512 = (s.id for s in product.skus)
    keep = [
        {"id": black_512, "specs": specs(("颜色", "黑"), ("存储", "512GB")), "price": 1},
        {"id": black_1tb, "specs": specs(("颜色", "黑"), ("存储", "1TB")), "price": 1},
    ]
    cases: list[tuple[dict[str, Any], type[ShopletError], str]] = [
        ({"category_id": 999}, catalog.CategoryNotFound, "catalog.category_not_found"),
        ({"images": []}, catalog.NotPublishable, "catalog.not_publishable"),
        (
            {"skus": [*keep, {"id": other.skus[0].id,
                              "specs": specs(("颜色", "红"), ("存储", "1TB")), "price": 1}]},
            catalog.SkuNotFound,
            "catalog.sku_not_found",
        ),
        ({"skus": [*keep, keep[0]]}, catalog.InvalidSkuMatrix, "catalog.invalid_sku_matrix"),
        (
            {"skus": [*keep, {"specs": specs(("颜色", "黑"), ("存储", "1TB")), "price": 1}]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [{**keep[0], "is_active": False}]},
            catalog.InvalidSkuMatrix,
            "catalog.invalid_sku_matrix",
        ),
        (
            {"skus": [{**keep[0], "stock": 50}]},
            catalog.StockNotEditable,
            "catalog.stock_not_editable",
        ),
        (
            {"skus": [{**keep[0], "barcode": "6901234567809"}]},
            catalog.BarcodeTaken,
            "catalog.barcode_taken",
        ),
        (
            {"skus": [{**keep[0], "original_price": 0}]},
            catalog.InvalidOriginalPrice,
            "catalog.invalid_original_price",
        ),
    ]  # fmt: skip
    assert white_512
    for changes, error, code in cases:
        data = catalog.ProductUpdate.model_validate({"title": "改了", **changes})
        await assert_rejected(
            ctx,
            lambda s, data=data: catalog.update_product(s, product.id, data, actor="t"),
            error,
            code,
        )
    data = catalog.ProductUpdate.model_validate({"title": "改了"})
    await assert_rejected(
        ctx,
        lambda s: catalog.update_product(s, 424242, data, actor="t"),
        catalog.ProductNotFound,
        "catalog.product_not_found",
    )


# --- status ------------------------------------------------------------------------------------


async def test_status_transitions(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, now=T0)
    async with ctx.sessionmaker() as s:
        off = await catalog.set_product_status(s, product.id, "off_sale", actor="t", now=T1)
        assert (off.status, off.published_at, off.updated_at) == ("off_sale", T0, T1)
        later = datetime(2024, 7, 1, tzinfo=UTC)
        on = await catalog.set_product_status(s, product.id, "on_sale", actor="t", now=later)
        assert (on.status, on.published_at) == ("on_sale", later)
        same = await catalog.set_product_status(s, product.id, "on_sale", actor="t")
        assert same.published_at == later
        await s.commit()


async def test_status_rejections_store_nothing(ctx: AppContext) -> None:
    category = await make_category(ctx)
    draft = await make_product(ctx, category, status="draft", images=[])
    await assert_rejected(
        ctx,
        lambda s: catalog.set_product_status(s, draft.id, "on_sale", actor="t"),
        catalog.NotPublishable,
        "catalog.not_publishable",
    )
    await assert_rejected(
        ctx,
        lambda s: catalog.set_product_status(s, draft.id, "deleted", actor="t"),
        catalog.InvalidStatus,
        "catalog.invalid_status",
    )
    await assert_rejected(
        ctx,
        lambda s: catalog.set_product_status(s, 424242, "off_sale", actor="t"),
        catalog.ProductNotFound,
        "catalog.product_not_found",
    )


# --- admin list --------------------------------------------------------------------------------


async def test_admin_list_filters_and_pages(ctx: AppContext) -> None:
    phones = await make_category(ctx, "手机")
    smart = await make_category(ctx, "智能手机", parent_id=phones)
    books = await make_category(ctx, "图书")
    ids = [
        await simple_product(ctx, smart, "小米 14", 100),
        await simple_product(ctx, smart, "小米 平板", 100, status="draft"),
        await simple_product(ctx, books, "三体", 100, status="off_sale"),
        await simple_product(ctx, phones, "华为 Mate", 100),
        await simple_product(ctx, books, "活着", 100),
    ]

    async def walk(**filters: Any) -> list[int]:
        out: list[int] = []
        cursor = None
        async with ctx.sessionmaker() as s:
            while True:
                page, cursor = await catalog.list_products_admin(
                    s,
                    q=filters.get("q"),
                    status=filters.get("status"),
                    category_id=filters.get("category_id"),
                    cursor=cursor,
                    limit=2,
                )
                out += [p.id for p in page]
                if cursor is None:
                    return out

    assert await walk() == ids[::-1]
    assert await walk(status="on_sale") == [ids[4], ids[3], ids[0]]
    assert await walk(category_id=phones) == [ids[3], ids[1], ids[0]]
    assert await walk(q="小米") == [ids[1], ids[0]]
    assert await walk(q="小米", status="draft", category_id=smart) == [ids[1]]
    async with ctx.sessionmaker() as s:
        page, _ = await catalog.list_products_admin(
            s, q=None, status=None, category_id=None, cursor=None, limit=1
        )
        assert page[0].skus[0].on_hand == 5
        with pytest.raises(catalog.InvalidStatus):
            await catalog.list_products_admin(
                s, q=None, status="gone", category_id=None, cursor=None, limit=1
            )
        with pytest.raises(catalog.CategoryNotFound):
            await catalog.list_products_admin(
                s, q=None, status=None, category_id=999, cursor=None, limit=1
            )
        with pytest.raises(InvalidCursor):
            await catalog.list_products_admin(
                s, q=None, status=None, category_id=None, cursor="WyJ4Il0", limit=1
            )


# --- categories --------------------------------------------------------------------------------


async def test_categories_have_two_levels(ctx: AppContext) -> None:
    top = await make_category(ctx, "手机")
    child = await make_category(ctx, "智能手机", parent_id=top)
    await assert_rejected(
        ctx,
        lambda s: catalog.create_category(s, catalog.CategoryCreate(parent_id=child, name="x")),
        catalog.CategoryTooDeep,
        "catalog.category_too_deep",
    )
    await assert_rejected(
        ctx,
        lambda s: catalog.create_category(s, catalog.CategoryCreate(parent_id=999, name="x")),
        catalog.CategoryNotFound,
        "catalog.category_not_found",
    )
    async with ctx.sessionmaker() as s:
        updated = await catalog.update_category(
            s, child, catalog.CategoryUpdate(name="5G手机", is_active=False, icon=IMAGE)
        )
        assert (updated.name, updated.is_active, updated.icon) == ("5G手机", False, IMAGE)
        await s.commit()
        tree = await catalog.list_categories(s)
        assert [(c.name, [x.name for x in c.children]) for c in tree] == [("手机", ["5G手机"])]
        assert await catalog.list_categories(s, active_only=True) == [
            catalog.Category(
                id=top, parent_id=None, name="手机", icon=None, sort_order=0, is_active=True
            )
        ]
        with pytest.raises(catalog.CategoryNotFound):
            await catalog.update_category(s, 999, catalog.CategoryUpdate(name="x"))


# --- for other modules -------------------------------------------------------------------------


async def test_sku_snapshots(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(
        ctx,
        category,
        skus=[
            sku(100, ("颜色", "黑"), ("尺码", "M"), image="/media/products/black.jpg"),
            sku(120, ("颜色", "白"), ("尺码", "M"), original_price=150, weight_grams=300),
        ],
    )
    plain = await make_product(ctx, category, title="无规格", status="off_sale", skus=[sku(9)])
    black, white = (s.id for s in product.skus)
    async with ctx.sessionmaker() as s:
        snaps = await catalog.get_sku_snapshots(s, [black, white, plain.skus[0].id, 999])
        assert await catalog.get_sku_snapshots(s, []) == {}
    assert snaps == {
        black: catalog.SkuSnapshot(
            sku_id=black,
            product_id=product.id,
            product_title="华为 Mate 60 Pro 智能手机",
            spec_text="颜色:黑 / 尺码:M",
            image="/media/products/black.jpg",
            price=100,
            original_price=100,
            weight_grams=0,
            is_purchasable=True,
            category_id=category,
        ),
        white: catalog.SkuSnapshot(
            sku_id=white,
            product_id=product.id,
            product_title="华为 Mate 60 Pro 智能手机",
            spec_text="颜色:白 / 尺码:M",
            image=IMAGE,
            price=120,
            original_price=150,
            weight_grams=300,
            is_purchasable=True,
            category_id=category,
        ),
        plain.skus[0].id: catalog.SkuSnapshot(
            sku_id=plain.skus[0].id,
            product_id=plain.id,
            product_title="无规格",
            spec_text="",
            image=IMAGE,
            price=9,
            original_price=9,
            weight_grams=0,
            is_purchasable=False,
            category_id=category,
        ),
    }


async def test_record_sales_increments_atomically(ctx: AppContext) -> None:
    category = await make_category(ctx)
    a = await simple_product(ctx, category, "A", 100, sales=3)
    b = await simple_product(ctx, category, "B", 100)
    async with ctx.sessionmaker() as s:
        await catalog.record_sales(s, {b: 2, a: 4})
        await catalog.record_sales(s, {a: -10, b: 0, 424242: 5})  # refunds floor at zero
        await s.commit()
        assert (await catalog.get_product_admin(s, a)).sales_count == 0
        assert (await catalog.get_product_admin(s, b)).sales_count == 2
