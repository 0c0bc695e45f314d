"""Plain async factories for catalog tests: each commits what it creates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog

IMAGE = "/media/products/0123456789abcdef0123.jpg"


async def make_category(
    ctx: AppContext,
    name: str = "手机",
    *,
    parent_id: int | None = None,
    sort_order: int = 0,
    is_active: bool = True,
) -> int:
    async with ctx.sessionmaker() as s:
        category = await catalog.create_category(
            s,
            catalog.CategoryCreate(
                parent_id=parent_id, name=name, sort_order=sort_order, is_active=is_active
            ),
        )
        await s.commit()
    return category.id


def sku(
    price: int,
    *specs: tuple[str, str],
    stock: int = 10,
    barcode: str | None = None,
    original_price: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "specs": [{"name": n, "value": v} for n, v in specs],
        "price": price,
        "original_price": original_price,
        "barcode": barcode,
        "stock": stock,
        **extra,
    }


def product_payload(category_id: int, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "category_id": category_id,
        "title": "华为 Mate 60 Pro 智能手机",
        "subtitle": "卫星通话 昆仑玻璃",
        "description": "超可靠玄武架构",
        "images": [IMAGE, "/media/products/fedcba9876543210fedc.jpg"],
        "turntable_images": [],
        "status": "on_sale",
        "skus": [
            sku(699900, ("颜色", "黑"), ("存储", "512GB"), barcode="6901234567892"),
            sku(799900, ("颜色", "黑"), ("存储", "1TB"), original_price=829900),
            sku(699900, ("颜色", "白"), ("存储", "512GB"), stock=0),
        ],
    }
    payload.update(overrides)
    return payload


async def make_product(
    ctx: AppContext,
    category_id: int,
    *,
    now: datetime | None = None,
    sales: int = 0,
    **overrides: Any,
) -> catalog.ProductAdmin:
    async with ctx.sessionmaker() as s:
        product = await catalog.create_product(
            s,
            catalog.ProductCreate.model_validate(product_payload(category_id, **overrides)),
            actor="test",
            now=now,
        )
        if sales:
            await catalog.record_sales(s, {product.id: sales})
        await s.commit()
    return product


async def simple_product(
    ctx: AppContext,
    category_id: int,
    title: str,
    price: int,
    *,
    status: str = "on_sale",
    now: datetime | None = None,
    sales: int = 0,
    subtitle: str = "",
) -> int:
    product = await make_product(
        ctx,
        category_id,
        title=title,
        subtitle=subtitle,
        status=status,
        now=now,
        sales=sales,
        skus=[sku(price, stock=5)],
    )
    return product.id
