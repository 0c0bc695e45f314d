"""Orders of one SKU at a price a growth play has set (group buy, points mall, bargain,
crowdfunding): the SKU's snapshot from the catalog, the shopper's address snapshot, the shipping
fee from the merchant's rules, then ``orders.create_order`` with the stock held. One code path,
so every play prices shipping, names its lines and refuses goods off sale the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.errors import SkuUnavailable
from shoplet.modules.checkout.pricing import PricingLine, price
from shoplet.modules.checkout.shipping import get_shipping_rules
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders


@dataclass(frozen=True, slots=True)
class SpecialPriceOrder:
    """What a play asks for. ``shipping_on_shelf_price``: the shipping rules see the SKU's shelf
    price instead of ``unit_price`` (the points mall: a free-shipping threshold is about the
    goods, not the cash part of an exchange)."""

    sku_id: int
    unit_price: int
    quantity: int
    free_shipping: bool
    remark: str
    idempotency_key: str
    request_hash: str
    expires_at: datetime
    source: str
    ship_hold: str | None = None
    shipping_on_shelf_price: bool = False


async def place_special_price_order(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    address_id: int,
    spec: SpecialPriceOrder,
) -> orders.OrderDetail:
    """Place the play's order (stock held, idempotent per member + key; see
    ``orders.create_order``). Refusals, before anything is written: 404 for another shopper's
    address, 409 ``checkout.sku_unavailable`` for a SKU off sale, 409 ``inventory.insufficient``."""
    address = await members.get_address_snapshot(
        session, ctx.pii, member_id=member_id, address_id=address_id
    )
    snap = (await catalog.get_sku_snapshots(session, [spec.sku_id])).get(spec.sku_id)
    if snap is None or not snap.is_purchasable:
        raise SkuUnavailable(f"SKU {spec.sku_id} is not on sale", sku_id=spec.sku_id)
    items_total = spec.unit_price * spec.quantity
    shipping_fee = 0
    if not spec.free_shipping:
        basis = snap.price if spec.shipping_on_shelf_price else spec.unit_price
        line = PricingLine(snap.sku_id, basis, spec.quantity, snap.weight_grams)
        shipping_fee = price(
            [line], region_code=address.region_code, shipping=await get_shipping_rules(session)
        ).shipping_fee
    order, _ = await orders.create_order(
        session,
        ctx.pii,
        member_id=member_id,
        lines=[
            orders.OrderLineInput(
                sku_id=snap.sku_id,
                product_id=snap.product_id,
                title=snap.product_title,
                spec_text=snap.spec_text,
                image=snap.image,
                unit_price=spec.unit_price,
                quantity=spec.quantity,
                discount=0,
            )
        ],
        items_total=items_total,
        shipping_fee=shipping_fee,
        discount_total=0,
        payable_total=items_total + shipping_fee,
        address=address,
        remark=spec.remark,
        idempotency_key=spec.idempotency_key,
        request_hash=spec.request_hash,
        expires_at=spec.expires_at,
        source=spec.source,
        ship_hold=spec.ship_hold,
    )
    return order
