"""Checkout: turns a cart (or a buy-now list) into a priced order, and starts its payment.

Coupons: the preview prices the shopper's wallet against the lines (``promotions.wallet``) and
applies the chosen or the best one; placing an order re-checks the chosen coupon and locks it
for the order in the same transaction (``promotions.redeem``), after the order row exists.

Store-wide promotions: ``promotions.plan_cart`` plans the running promotions (stacking policy,
subsidy cap) with the coupon on top, each step allocated per line; pricing applies exactly that
allocation (one ``Discount`` per step and line). Placing an order re-plans on the server and
snapshots the applied rules (``promotions.record_order_rules``) in the order's transaction.

Prices are always recomputed here from the catalog's live snapshot and the merchant's shipping
rules with the pure ``pricing.price``; the client never sends an amount. Placing an order is
one transaction (``DbSession``): order + lines + timeline + outbox + stock reservation + cart
clean-up commit together or not at all. Paying runs in short transactions of its own around the
WeChat Pay call.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import short_transaction, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.security import PiiCipher
from shoplet.integrations.wechat.pay import WeChatPayClient
from shoplet.modules.cart import public as cart
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import discounts as terms
from shoplet.modules.checkout import offers
from shoplet.modules.checkout.errors import NothingToOrder, SkuUnavailable
from shoplet.modules.checkout.pricing import PriceBreakdown, ShippingRules, price
from shoplet.modules.checkout.schemas import (
    Activity,
    Channel,
    CheckoutItem,
    CheckoutPreview,
    CheckoutWarning,
    Delivery,
    MemberBenefitRows,
    OrderCreate,
    PaymentStart,
    PreviewLine,
)
from shoplet.modules.checkout.shipping import get_shipping_rules
from shoplet.modules.inventory import public as inventory
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from shoplet.modules.promotions import public as promotions
from shoplet.modules.stores import public as stores

SOURCE_CART = "cart"
SOURCE_BUY_NOW = "buy_now"


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the shopper wants to buy, one entry per SKU (ascending), and where it came from."""

    items: tuple[tuple[int, int], ...]
    from_cart: bool
    sources: tuple[tuple[int, str], ...] = ()  # cart lines added from a play: (sku, "live:12")


def _merge(items: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: dict[int, int] = defaultdict(int)
    for sku_id, quantity in items:
        merged[sku_id] += quantity
    return tuple(sorted(merged.items()))


async def _wanted(
    session: AsyncSession, member_id: int, items: Sequence[CheckoutItem] | None
) -> Wanted:
    if items is not None:
        return Wanted(_merge([(i.sku_id, i.quantity) for i in items]), from_cart=False)
    selected = await cart.selected_items(session, member_id=member_id)
    sources = tuple(sorted((i.sku_id, i.price_source) for i in selected if i.price_source))
    return Wanted(_merge([(i.sku_id, i.quantity) for i in selected]), True, sources)


def shopper_address(address: members.AddressSnapshot) -> orders.OrderAddress:
    """The shopper's own address as their checkout shows it: in clear (it is theirs; staff
    views and logs stay masked)."""
    return orders.OrderAddress(
        recipient=address.recipient,
        phone=address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        region_code=address.region_code,
        detail=address.detail,
        postal_code=address.postal_code,
        is_masked=False,
    )


def request_hash(body: OrderCreate) -> str:
    """What makes two requests with one Idempotency-Key "the same": the body as sent (a
    cart order's lines are whatever the cart held the first time)."""
    canonical: dict[str, Any] = {
        "address_id": body.address_id,
        "items": _merge([(i.sku_id, i.quantity) for i in body.items]) if body.items else None,
        "remark": body.remark or None,
    }
    if body.coupon_id is not None:
        canonical["coupon_id"] = body.coupon_id
    if body.points:
        canonical["points"] = body.points
    if body.delivery is not None and body.delivery.method != "express":
        canonical["delivery"] = body.delivery.model_dump(mode="json")
    if body.activity is not None:
        canonical["activity"] = body.activity.model_dump(mode="json")
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


# -- delivery --------------------------------------------------------------------------------


async def _delivery_plan(
    session: AsyncSession, delivery: Delivery | None
) -> stores.DeliveryPlan | None:
    """None for express; otherwise the store's plan (4xx ``stores.*`` when it cannot be)."""
    if delivery is None or delivery.method == "express":
        return None
    if delivery.method == "pickup":
        return await stores.plan_pickup(
            session, store_id=delivery.store_id, window_start=delivery.window_start, now=utcnow()
        )
    if delivery.method == "scan":
        return await stores.plan_scan(session, store_id=delivery.store_id, now=utcnow())
    return await stores.plan_same_city(
        session, store_id=delivery.store_id, lat=delivery.lat, lng=delivery.lng
    )


async def _rules_for(session: AsyncSession, plan: stores.DeliveryPlan | None) -> ShippingRules:
    """The merchant's express rules, or the store's fee (0 for pickup) as a flat fee."""
    if plan is None:
        return await get_shipping_rules(session)
    return ShippingRules(flat_fee=plan.fee, free_threshold=None)


async def _available(
    session: AsyncSession, sku_ids: Sequence[int], plan: stores.DeliveryPlan | None
) -> dict[int, int]:
    """Units to sell per SKU: free stock, or what the store holds for a store order."""
    if plan is None:
        levels = await inventory.get_levels(session, sku_ids)
        return {sku: level.available for sku, level in levels.items()}
    held = await inventory.held_by_refs(session, [plan.stock_ref])
    return held.get(plan.stock_ref, {})


# -- preview ---------------------------------------------------------------------------------


async def preview(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    address_id: int | None,
    items: Sequence[CheckoutItem] | None,
    coupon_id: int | None = None,
    no_coupon: bool = False,
    points: int | None = None,
    delivery: Delivery | None = None,
    activity: Activity | None = None,
    ctx: AppContext | None = None,
) -> CheckoutPreview:
    """Price what would be ordered, line by line, with warnings for lines that cannot be
    ordered (withdrawn, or more than in stock), the shopper's coupons against those lines, and
    the chosen coupon applied: ``coupon_id``, else the best usable one unless ``no_coupon``.
    Reads only."""
    wanted = await _wanted(session, member_id, items)
    address = (
        await members.get_address_snapshot(session, pii, member_id=member_id, address_id=address_id)
        if address_id is not None
        else None
    )
    sku_ids = [sku_id for sku_id, _ in wanted.items]
    snapshots = await catalog.get_sku_snapshots(session, sku_ids)
    plan = await _delivery_plan(session, delivery)
    levels = await _available(session, sku_ids, plan)
    warnings: list[CheckoutWarning] = []
    orderable: list[tuple[catalog.SkuSnapshot, int]] = []
    statuses: dict[int, str] = {}
    for sku_id, quantity in wanted.items:
        snap = snapshots.get(sku_id)
        available = levels.get(sku_id, 0)
        if snap is None or not snap.is_purchasable:
            statuses[sku_id] = "unavailable"
            warnings.append(
                CheckoutWarning(
                    sku_id=sku_id, code=SkuUnavailable.code, message="This item is not on sale"
                )
            )
        elif available < quantity:
            statuses[sku_id] = "insufficient"
            warnings.append(
                CheckoutWarning(
                    sku_id=sku_id,
                    code=inventory.InsufficientStock.code,
                    message=f"{available} in stock, {quantity} wanted",
                )
            )
        else:
            statuses[sku_id] = "ok"
            orderable.append((snap, quantity))
    orderable, at_store = await offers.at_store_prices(session, plan, orderable)
    offered = await offers.offered(
        session,
        ctx,
        member_id=member_id,
        activity=activity,
        priced=orderable,
        sources=dict(wanted.sources),
    )
    orderable = offered.priced
    shown = {s.sku_id: s.price for s, _ in orderable}
    rules = await _rules_for(session, plan)
    region_code = address.region_code if address is not None else None
    base = price(terms.pricing_lines(orderable), region_code=region_code, shipping=rules)
    member = await terms.member_terms(session, member_id=member_id, priced=orderable)
    coupon_lines = terms.coupon_lines(orderable, member)
    entries = await promotions.wallet(
        session, member_id=member_id, lines=coupon_lines, shipping_fee=base.shipping_fee
    )
    candidates: list[promotions.WalletEntry] = []
    if coupon_id is not None:
        candidates = [
            await promotions.coupon_for_cart(
                session,
                member_id=member_id,
                coupon_id=coupon_id,
                lines=coupon_lines,
                shipping_fee=base.shipping_fee,
            )
        ]
    elif not no_coupon:
        candidates = [e for e in entries if e.offer is not None]
    quoted = await terms.price_cart(
        session,
        member_id=member_id,
        priced=orderable,
        region_code=region_code,
        rules=rules,
        shipping_fee=base.shipping_fee,
        coupons=candidates,
        coupon_forced=coupon_id is not None,
        points=points,
        quote_points=True,
        member=member,
    )
    cart_plan, breakdown = quoted.plan, quoted.breakdown
    lines = []
    for sku_id, quantity in wanted.items:
        snap = snapshots.get(sku_id)
        total = breakdown.line_totals.get(sku_id, 0)
        discount = breakdown.line_discounts.get(sku_id, 0)
        lines.append(
            PreviewLine(
                sku_id=sku_id,
                product_id=snap.product_id if snap else None,
                title=snap.product_title if snap else "",
                spec_text=snap.spec_text if snap else "",
                image=snap.image if snap else None,
                unit_price=shown.get(sku_id, snap.price if snap else 0),
                list_price=offered.list_price(sku_id, snap)
                or at_store.list_price(sku_id, shown.get(sku_id, 0)),
                price_label=offered.label(sku_id) or at_store.label(sku_id),
                quantity=quantity,
                line_total=total,
                discount=discount,
                payable=total - discount,
                available=levels.get(sku_id, 0),
                status=statuses[sku_id],  # type: ignore[arg-type]
            )
        )
    return CheckoutPreview(
        lines=lines,
        items_total=breakdown.items_total,
        shipping_fee=breakdown.shipping_fee,
        shipping_discount=breakdown.shipping_discount,
        discount_total=breakdown.discount_total,
        payable_total=breakdown.payable_total,
        coupon=terms.applied(cart_plan.coupon, quoted.before_points, cart_plan.plan),
        member=_member_rows(quoted),
        coupons=terms.options(entries),
        points=quoted.points,
        promotions=cart_plan.applied,
        hints=list(cart_plan.plan.hints),
        address=shopper_address(address) if address is not None else None,
        warnings=warnings,
        can_place_order=bool(orderable) and not warnings and address is not None,
    )


def _member_rows(quoted: terms.Terms) -> MemberBenefitRows | None:
    """The tier's rows of the preview: "V3会员 9.5折 -¥12.00", "会员包邮"."""
    member = quoted.member
    goods, shipping = quoted.member_goods_discount, quoted.member_shipping_discount
    if member is None or (goods == 0 and shipping == 0 and not member.ships_free):
        return None
    return MemberBenefitRows(
        tier_code=member.tier.code,
        tier_name=member.tier.name,
        level=member.tier.level,
        discount_permille=member.tier.benefits.discount_permille,
        label=member.label,
        goods_discount=goods,
        lines=quoted.member_lines,
        ships_free=member.ships_free,
        shipping_discount=shipping,
        points_multiplier_permille=member.tier.benefits.points_multiplier_permille,
    )


# -- placing the order -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Priced:
    lines: list[orders.OrderLineInput]
    breakdown: PriceBreakdown
    address: members.AddressSnapshot
    plan: promotions.CartPlan
    points: loyalty.PointsQuote | None
    quoted: terms.Terms
    delivery: stores.DeliveryPlan | None = None
    offered: offers.Offered | None = None

    @property
    def coupon(self) -> promotions.WalletEntry | None:
        return self.plan.coupon


async def _price_order(
    session: AsyncSession, ctx: AppContext, member_id: int, body: OrderCreate, wanted: Wanted
) -> _Priced:
    if not wanted.items:
        raise NothingToOrder()
    address = await members.get_address_snapshot(
        session, ctx.pii, member_id=member_id, address_id=body.address_id
    )
    snapshots = await catalog.get_sku_snapshots(session, [sku_id for sku_id, _ in wanted.items])
    for sku_id, _ in wanted.items:
        snap = snapshots.get(sku_id)
        if snap is None or not snap.is_purchasable:
            raise SkuUnavailable(f"SKU {sku_id} is not on sale", sku_id=sku_id)
    plan = await _delivery_plan(session, body.delivery)
    rules = await _rules_for(session, plan)
    at_store_priced, at_store = await offers.at_store_prices(
        session, plan, [(snapshots[sku_id], quantity) for sku_id, quantity in wanted.items]
    )
    offered = await offers.offered(
        session,
        ctx,
        member_id=member_id,
        activity=body.activity,
        priced=at_store_priced,
        sources=dict(wanted.sources),
    )
    priced = offered.priced
    snapshots = {s.sku_id: s for s, _ in priced}
    breakdown = price(terms.pricing_lines(priced), region_code=address.region_code, shipping=rules)
    member = await terms.member_terms(session, member_id=member_id, priced=priced)
    coupons: list[promotions.WalletEntry] = []
    if body.coupon_id is not None:
        coupons = [
            await promotions.coupon_for_cart(
                session,
                member_id=member_id,
                coupon_id=body.coupon_id,
                lines=terms.coupon_lines(priced, member),
                shipping_fee=breakdown.shipping_fee,
            )
        ]
    quoted = await terms.price_cart(
        session,
        member_id=member_id,
        priced=priced,
        region_code=address.region_code,
        rules=rules,
        shipping_fee=breakdown.shipping_fee,
        coupons=coupons,
        coupon_forced=bool(coupons),
        points=body.points,
        quote_points=bool(body.points),
        member=member,
    )
    breakdown = quoted.breakdown
    lines = [
        orders.OrderLineInput(
            sku_id=sku_id,
            product_id=snapshots[sku_id].product_id,
            title=snapshots[sku_id].product_title,
            spec_text=snapshots[sku_id].spec_text,
            image=snapshots[sku_id].image,
            unit_price=snapshots[sku_id].price,
            quantity=quantity,
            discount=breakdown.line_discounts[sku_id],
            price_source=offered.price_source(sku_id) or at_store.price_source(sku_id),
        )
        for sku_id, quantity in wanted.items
    ]
    return _Priced(
        lines=lines,
        breakdown=breakdown,
        address=address,
        plan=quoted.plan,
        points=quoted.points,
        quoted=quoted,
        delivery=plan,
        offered=offered,
    )


async def place_order(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    body: OrderCreate,
    idempotency_key: str,
) -> tuple[orders.OrderDetail, bool]:
    """Price on the server, create the order with its stock held, clear the ordered cart lines:
    ``(order, created)``. A retry with the same key and body returns the first order, even
    when its cart lines are gone by now; the same key with another body is a 409."""
    # Held once for the whole placement (cart, coupons, points, order: each module's own hold
    # is then free): a merge absorbing the buyer waits for this order or refuses it first.
    await members.hold_member(session, member_id)
    digest = request_hash(body)
    wanted = await _wanted(session, member_id, body.items)
    try:
        priced = await _price_order(session, ctx, member_id, body, wanted)
    except ShopletError:
        # A retry after success finds an empty cart (or a withdrawn SKU): the first result
        # still stands. Looked up only on this path, so a first attempt pays nothing for it.
        existing = await orders.find_by_idempotency_key(
            session,
            ctx.pii,
            member_id=member_id,
            idempotency_key=idempotency_key,
            request_hash=digest,
        )
        if existing is not None:
            return existing, False
        raise
    now = utcnow()
    order, created = await orders.create_order(
        session,
        ctx.pii,
        member_id=member_id,
        lines=priced.lines,
        items_total=priced.breakdown.items_total,
        shipping_fee=priced.breakdown.shipping_fee,
        discount_total=priced.breakdown.discount_total,
        payable_total=priced.breakdown.payable_total,
        address=priced.address,
        remark=body.remark or None,
        idempotency_key=idempotency_key,
        request_hash=digest,
        expires_at=now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds),
        source=_source_of(priced, wanted),
        stock_source_ref=priced.delivery.stock_ref if priced.delivery else None,
    )
    if created and priced.delivery is not None:
        await stores.record_store_order(
            session,
            order_no=order.order_no,
            member_id=member_id,
            plan=priced.delivery,
            now=now,
        )
    if created:
        # After the order row (the snapshots name it): the activity's claim, promotions, then
        # the coupon's lock, then the points; any of them losing a race raises 409 and the
        # whole order rolls back.
        if priced.offered is not None:
            await offers.claim(
                session, priced.offered, member_id=member_id, order_no=order.order_no
            )
        await _record_promotions(
            session, member_id=member_id, order_no=order.order_no, priced=priced
        )
        await terms.spend_points(
            session, member_id=member_id, order_no=order.order_no, quote=priced.points
        )
    if created and wanted.from_cart:
        await cart.remove_items(
            session, member_id=member_id, sku_ids=[sku_id for sku_id, _ in wanted.items]
        )
    return order, created


def _source_of(priced: _Priced, wanted: Wanted) -> str:
    """The order's source: the activity's ("live"), else cart or buy now."""
    default = SOURCE_CART if wanted.from_cart else SOURCE_BUY_NOW
    return priced.offered.order_source(default) if priced.offered is not None else default


async def _record_promotions(
    session: AsyncSession, *, member_id: int, order_no: str, priced: _Priced
) -> None:
    """After the order row (the snapshots name it): the applied promotions' rows and units
    (409 ``promotions.promotion_limit_reached`` when another order took the shopper's last
    units first), then the coupon's lock and redemption with its own per-line allocation (409
    ``promotions.coupon_unavailable`` when another order locked it first). Either rolls the
    whole order back."""
    await promotions.record_order_rules(
        session, member_id=member_id, order_no=order_no, cart=priced.plan
    )
    step = priced.plan.plan.coupon_step
    if priced.coupon is not None:
        await promotions.redeem(
            session,
            member_id=member_id,
            entry=priced.coupon,
            order_no=order_no,
            discount=step.saving if step is not None else 0,
            shipping_discount=terms.coupon_shipping(priced.breakdown, priced.plan.plan),
            line_discounts=dict(step.lines) if step is not None else {},
        )
    quoted = priced.quoted
    if quoted.member is not None and (
        quoted.member_goods_discount > 0 or quoted.member_shipping_discount > 0
    ):
        await membership.record_order_benefit(
            session,
            order_no=order_no,
            member_id=member_id,
            tier=quoted.member.tier,
            goods_discount=quoted.member_goods_discount,
            shipping_discount=quoted.member_shipping_discount,
            lines=quoted.member_lines,
        )


# -- paying ----------------------------------------------------------------------------------


async def start_payment(
    ctx: AppContext,
    pay: WeChatPayClient,
    *,
    member: members.MemberIdentity,
    order_no: str,
    channel: Channel,
    client_ip: str,
) -> PaymentStart:
    """Prepay an unpaid order. No transaction is held across the WeChat call: the order is read
    in a short one here, payments opens its own around the call (``short_transaction``)."""
    async with short_transaction(ctx.sessionmaker) as session:
        payable = await orders.get_payable_order(session, member_id=member.id, order_no=order_no)
        openid = member.openid
        if channel == "wechat_jsapi" and openid is None:
            openid = await members.get_wechat_openid(session, member.id)
    if payable.status != "pending_payment":
        raise orders.NotPayable(
            f"the order is {payable.status}", order_no=order_no, order_status=payable.status
        )
    if payable.expires_at <= utcnow():
        raise orders.NotPayable("the payment deadline has passed", order_no=order_no)
    result = await payments.request_prepay(
        ctx,
        pay,
        order_no=payable.order_no,
        member_id=member.id,
        amount=payable.payable_total,
        description=payable.description,
        payer_openid=openid,
        channel=channel,
        time_expire=payable.expires_at,
        client_ip=client_ip,
    )
    return PaymentStart(
        order_no=payable.order_no,
        payment_no=result.payment_no,
        channel=channel,
        amount=payable.payable_total,
        expires_at=payable.expires_at,
        prepay_id=result.prepay_id,
        pay_params=result.pay_params,
        h5_url=result.h5_url,
    )
