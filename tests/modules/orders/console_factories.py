"""Plain async factories for the console trade tests (no tests here): products, orders placed
through ``orders.public.create_order``, paid through the WeChat Pay simulator, shopper tokens."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members.public import AddressSnapshot
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
ADDRESS = AddressSnapshot(
    recipient="张三丰",
    phone="13800138000",
    province="广东省",
    city="深圳市",
    district="南山区",
    region_code="440305",
    detail="科技园科苑路15号讯美科技广场",
    postal_code="518057",
)


@dataclass(frozen=True)
class Sku:
    product_id: int
    sku_id: int
    price: int
    title: str


async def make_sku(
    ctx: AppContext,
    *,
    title: str = "纯棉圆领T恤",
    price: int = 4990,
    stock: int = 100,
    status: str = "on_sale",
) -> Sku:
    async with ctx.sessionmaker() as s:
        category = await catalog.create_category(s, catalog.CategoryCreate(name=f"分类{title}"))
        product = await catalog.create_product(
            s,
            catalog.ProductCreate(
                category_id=category.id,
                title=title,
                images=["/media/products/0123456789abcdef0123.jpg"],
                status=status,  # type: ignore[arg-type]
                skus=[
                    catalog.SkuCreate(
                        specs=[catalog.SpecValue(name="颜色", value="黑")],
                        price=price,
                        stock=stock,
                    )
                ],
            ),
            actor="test",
        )
        await s.commit()
    return Sku(product.id, product.skus[0].id, price, title)


async def place_order(
    ctx: AppContext,
    sku: Sku,
    *,
    member_id: int = 1001,
    quantity: int = 1,
    phone: str = ADDRESS.phone,
    remark: str | None = None,
    extra: Sku | None = None,
) -> str:
    """A pending order of ``quantity`` x ``sku`` (and one ``extra`` line), ¥0 shipping."""
    lines = [(sku, quantity)] + ([(extra, 1)] if extra else [])
    items = [
        orders.OrderLineInput(
            sku_id=s.sku_id,
            product_id=s.product_id,
            title=s.title,
            spec_text="颜色:黑",
            image=None,
            unit_price=s.price,
            quantity=n,
            discount=0,
        )
        for s, n in lines
    ]
    total = sum(s.price * n for s, n in lines)
    key = uuid.uuid4().hex
    async with ctx.sessionmaker() as s:
        order, created = await orders.create_order(
            s,
            ctx.pii,
            member_id=member_id,
            lines=items,
            items_total=total,
            shipping_fee=0,
            discount_total=0,
            payable_total=total,
            address=replace(ADDRESS, phone=phone),
            remark=remark,
            idempotency_key=key,
            request_hash=hashlib.sha256(key.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(minutes=30),
        )
        await s.commit()
    assert created
    return order.order_no


def simulator(app: FastAPI) -> WeChatPaySimulator:
    integrations: Integrations = app.state.integrations
    assert integrations.wechat_pay_simulator is not None
    return integrations.wechat_pay_simulator


async def pay_order(app: FastAPI, ctx: AppContext, order_no: str) -> None:
    """The shopper pays in WeChat (simulator), the notify arrives, orders marks it paid."""
    integrations: Integrations = app.state.integrations
    async with ctx.sessionmaker() as s:
        payable = await orders.get_order_admin(s, ctx.pii, order_no)
    result = await payments.request_prepay(
        ctx,
        integrations.wechat_pay,
        order_no=order_no,
        member_id=payable.member_id,
        amount=payable.payable_total,
        description=f"Shoplet 订单 {order_no}",
        payer_openid=OPENID,
        channel="wechat_jsapi",
        time_expire=utcnow() + timedelta(minutes=30),
        client_ip="203.0.113.7",
    )
    _txn, delivery = await simulator(app).pay(result.prepay_id)
    assert delivery is not None
    assert delivery.status_code == 204, delivery.response_text
    await payments.settle(ctx)
    async with ctx.sessionmaker() as s:
        assert (await orders.get_order_admin(s, ctx.pii, order_no)).status == "paid"


async def paid_order(
    app: FastAPI,
    ctx: AppContext,
    sku: Sku,
    *,
    member_id: int = 1001,
    quantity: int = 1,
    phone: str = ADDRESS.phone,
    remark: str | None = None,
    extra: Sku | None = None,
) -> str:
    order_no = await place_order(
        ctx, sku, member_id=member_id, quantity=quantity, phone=phone, remark=remark, extra=extra
    )
    await pay_order(app, ctx, order_no)
    return order_no


def shopper_headers(ctx: AppContext, member_id: int = 1001) -> dict[str, str]:
    token = ctx.tokens.issue(
        subject=str(member_id), audience="storefront", ttl=timedelta(minutes=15), oid=OPENID
    )
    return {"Authorization": f"Bearer {token}"}
