"""How checkout turns tier benefits, promotions, coupons and points into pricing's terms.

The order merchants expect: the member price is a *price* (the tier's discount on every goods
line, kept above the SKU's cost), then the store-wide promotions and the coupon on what it
left (``promotions.plan_cart(base=…)``: thresholds see member prices, and the member discount
counts first against the cost floor and the subsidy cap), then points. A tier that ships free
waives the whole shipping fee before any coupon (a free-shipping coupon is then worth nothing
and is not picked for it).

``promotions`` plans the store-wide promotions and the coupon together (``plan_cart``); its
plan becomes one pricing ``Discount`` per rule and line, so the breakdown splits exactly as the
plan did. Points go last, after both, as one more discount over the whole order, capped by the
loyalty programme. Nothing here writes except :func:`spend_points` (in the order's
transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.pricing import (
    Discount,
    PriceBreakdown,
    PricingLine,
    ShippingRules,
    price,
)
from shoplet.modules.checkout.schemas import AppliedCoupon
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.membership import public as membership
from shoplet.modules.promotions import public as promotions

# -- coupons ---------------------------------------------------------------------------------


def pricing_lines(priced: Sequence[tuple[catalog.SkuSnapshot, int]]) -> list[PricingLine]:
    return [
        PricingLine(sku_id=s.sku_id, unit_price=s.price, quantity=q, weight_grams=s.weight_grams)
        for s, q in priced
    ]


def coupon_lines(
    priced: Sequence[tuple[catalog.SkuSnapshot, int]], member: MemberTerms | None = None
) -> list[promotions.CartLine]:
    """The lines a coupon's threshold and scope see: at member prices when ``member``."""
    base = member.base if member is not None else {}
    return [
        promotions.CartLine(
            sku_id=s.sku_id,
            product_id=s.product_id,
            category_id=s.category_id,
            line_total=s.price * q - base.get(s.sku_id, 0),
        )
        for s, q in priced
    ]


# -- tier benefits ---------------------------------------------------------------------------

MEMBER_SOURCE = "member"
PLAN_CODE = "SVIP"  # the paid plan's name on the member row (the glossary's SVIP)
# Waives any fee the rules can ask for: pricing takes min(this, fee).
_WHOLE_FEE = 10**12


@dataclass(frozen=True, slots=True)
class MemberTerms:
    """The member's tier and what it takes off a cart before promotions: ``base`` {sku_id:
    fen} (the member price on each line, never below the line's cost floor), ``ships_free``
    (the tier's free shipping, judged on the goods at member prices)."""

    tier: membership.MemberTier
    base: dict[int, int]
    ships_free: bool
    # The discount is the paid plan's (better than the tier's own): the row says SVIP.
    from_plan: bool = False

    @property
    def goods_discount(self) -> int:
        return sum(self.base.values())

    @property
    def label(self) -> str:
        """ "V3会员 9.5折", or "SVIP会员 9折" when the paid plan's discount is the one taken
        (折 with one decimal only when needed)."""
        permille = self.tier.benefits.discount_permille
        rate = f"{permille // 100}" if permille % 100 == 0 else f"{permille / 100:g}"
        return f"{PLAN_CODE if self.from_plan else self.tier.code}会员 {rate}折"

    def discounts(self) -> list[Discount]:
        return [
            Discount(source=MEMBER_SOURCE, code=self.tier.code, amount=part, sku_ids=frozenset({k}))
            for k, part in sorted(self.base.items())
            if part > 0
        ]


def member_base(
    benefits: membership.Benefits,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    exclusions: membership.PriceExclusions | None = None,
) -> dict[int, int]:
    """Fen the member price takes off each line: the unit's member price × quantity, never
    taking a line below its cost (``cost_price`` × quantity; the subsidy floor); 0 on goods
    staff excluded from the member price (``exclusions``)."""
    out: dict[int, int] = {}
    for s, q in priced:
        if exclusions is not None and exclusions.covers(s.product_id, s.category_id):
            out[s.sku_id] = 0
            continue
        off = (s.price - benefits.member_price(s.price)) * q
        if s.cost_price is not None:
            off = min(off, max(0, s.price - s.cost_price) * q)
        out[s.sku_id] = max(0, off)
    return out


def member_terms_of(
    tier: membership.MemberTier,
    benefits: membership.Benefits,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    exclusions: membership.PriceExclusions | None = None,
) -> MemberTerms:
    """Pure: ``benefits`` (``membership.benefits_for``, which may add a paid plan's) on the
    cart, skipping the goods in ``exclusions``; ``tier`` names the row."""
    base = member_base(benefits, priced, exclusions)
    goods = sum(s.price * q for s, q in priced) - sum(base.values())
    from_plan = benefits.discount_permille < tier.benefits.discount_permille
    tier = membership.MemberTier(
        code=tier.code, name=tier.name, level=tier.level, benefits=benefits
    )
    return MemberTerms(
        tier=tier,
        base=base,
        ships_free=bool(priced) and benefits.ships_free(goods),
        from_plan=from_plan,
    )


async def member_terms(
    session: AsyncSession, *, member_id: int, priced: Sequence[tuple[catalog.SkuSnapshot, int]]
) -> MemberTerms:
    """The member's benefits on the cart. ``benefits_for`` decides what the member gets (a
    paid plan's benefits included); the tier names the rows and the snapshot when the
    benefits change something."""
    tier, benefits = await membership.tier_and_benefits(session, member_id)
    if benefits.discount_permille >= 1000 and not benefits.free_shipping:
        tier = _NO_TIER
    exclusions = None
    if benefits.discount_permille < 1000:
        exclusions = await membership.price_exclusions(session)
    return member_terms_of(tier, benefits, priced, exclusions)


_NO_TIER = membership.MemberTier(code="", name="", level=0, benefits=membership.Benefits())


def options(entries: Sequence[promotions.WalletEntry]) -> list[promotions.CouponOption]:
    usable = sorted(
        (e for e in entries if e.offer is not None),
        key=lambda e: (-(e.offer.saving if e.offer else 0), e.coupon.valid_to, e.coupon.id),
    )
    unusable = [e for e in entries if e.offer is None]
    return [
        promotions.CouponOption(
            coupon=e.coupon,
            usable=e.offer is not None,
            saving=e.offer.saving if e.offer is not None else 0,
            code=e.refusal.code if e.refusal is not None else None,
            reason=e.refusal.message if e.refusal is not None else None,
        )
        for e in [*usable, *unusable]
    ]


def applied(
    entry: promotions.WalletEntry | None, breakdown: PriceBreakdown, plan: promotions.Plan
) -> AppliedCoupon | None:
    if entry is None:
        return None
    step = plan.coupon_step
    return AppliedCoupon(
        coupon_id=entry.coupon.id,
        name=entry.coupon.name,
        kind=entry.coupon.kind,
        discount=step.saving if step is not None else 0,
        shipping_discount=coupon_shipping(breakdown, plan),
    )


def coupon_shipping(breakdown: PriceBreakdown, plan: promotions.Plan) -> int:
    """Fen of shipping the coupon waived (none when the tier already ships free: the plan
    was made with no fee to waive)."""
    return min(plan.shipping_off, breakdown.shipping_discount)


# -- points ----------------------------------------------------------------------------------


async def apply_points(
    session: AsyncSession,
    *,
    member_id: int,
    lines: Sequence[PricingLine],
    region_code: str | None,
    rules: ShippingRules,
    discounts: Sequence[Discount],
    shipping_off: int,
    breakdown: PriceBreakdown,
    points: int | None,
) -> tuple[PriceBreakdown, loyalty.PointsQuote]:
    """Points go last, after coupons: their value is one more ``Discount`` (source "points")
    over the whole order, capped by the programme's share of the goods left to pay."""
    quote = await loyalty.quote(
        session,
        member_id=member_id,
        goods_after_coupons=breakdown.items_total - breakdown.discount_total,
        points=points,
    )
    if quote.value == 0:
        return breakdown, quote
    repriced = price(
        lines,
        region_code=region_code,
        shipping=rules,
        discounts=[*discounts, Discount(source="points", code="points", amount=quote.value)],
        shipping_discount=shipping_off,
    )
    return repriced, quote


async def spend_points(
    session: AsyncSession, *, member_id: int, order_no: str, quote: loyalty.PointsQuote | None
) -> None:
    """In the order's transaction, after the order row: a balance another order emptied
    first raises 409 and the whole order rolls back."""
    if quote is not None and quote.used > 0:
        await loyalty.spend(
            session, member_id=member_id, order_no=order_no, points=quote.used, value=quote.value
        )


# -- store-wide promotions -------------------------------------------------------------------


def promotion_lines(priced: Sequence[tuple[catalog.SkuSnapshot, int]]) -> list[promotions.Line]:
    return [
        promotions.Line(
            sku_id=s.sku_id,
            product_id=s.product_id,
            category_id=s.category_id,
            unit_price=s.price,
            quantity=q,
            # The subsidy floor: promotions and coupons never take a line below its cost.
            floor=min(s.cost_price, s.price) * q if s.cost_price is not None else None,
        )
        for s, q in priced
    ]


def plan_terms(plan: promotions.Plan) -> tuple[list[Discount], int]:
    """Pricing's terms for a plan: each step's allocation as one discount per line (so the
    breakdown splits exactly as the plan did) and the shipping reduction."""
    discounts = [
        Discount(source=step.source, code=str(step.id), amount=part, sku_ids=frozenset({sku_id}))
        for step in plan.steps
        for sku_id, part in step.lines.items()
    ]
    return discounts, plan.shipping_off


async def promotion_plan(
    session: AsyncSession,
    *,
    member_id: int,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    coupons: Sequence[promotions.WalletEntry],
    coupon_forced: bool,
    shipping_fee: int,
    base: dict[int, int] | None = None,
) -> promotions.CartPlan:
    return await promotions.plan_cart(
        session,
        member_id=member_id,
        lines=promotion_lines(priced),
        coupons=coupons,
        coupon_forced=coupon_forced,
        shipping_fee=shipping_fee,
        base=base,
    )


# -- the whole sequence ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Terms:
    """A cart priced with its promotions, coupon and points: ``before_points`` is what the
    coupon's redemption and its preview row see; ``breakdown`` is what the shopper pays."""

    plan: promotions.CartPlan
    before_points: PriceBreakdown
    breakdown: PriceBreakdown
    points: loyalty.PointsQuote | None
    member: MemberTerms | None = None

    @property
    def member_goods_discount(self) -> int:
        """What the member price took off, as priced (member discounts go first)."""
        return sum(d.amount for d in self.breakdown.applied_discounts if d.source == MEMBER_SOURCE)

    @property
    def member_shipping_discount(self) -> int:
        if self.member is None or not self.member.ships_free:
            return 0
        return self.breakdown.shipping_discount - coupon_shipping(self.breakdown, self.plan.plan)

    @property
    def member_lines(self) -> dict[int, int]:
        return {
            next(iter(d.sku_ids)): d.amount
            for d in self.breakdown.applied_discounts
            if d.source == MEMBER_SOURCE and d.sku_ids and d.amount > 0
        }


async def price_cart(
    session: AsyncSession,
    *,
    member_id: int,
    priced: Sequence[tuple[catalog.SkuSnapshot, int]],
    region_code: str | None,
    rules: ShippingRules,
    shipping_fee: int,
    coupons: Sequence[promotions.WalletEntry],
    coupon_forced: bool,
    points: int | None,
    quote_points: bool,
    member: MemberTerms | None = None,
) -> Terms:
    """The member price first (``member``: ``member_terms``), then plan the promotions with
    ``coupons`` on top, price exactly that plan, then the points (quoted when
    ``quote_points``, so a preview shows the balance even when none are used)."""
    ships_free = member is not None and member.ships_free
    cart_plan = await promotion_plan(
        session,
        member_id=member_id,
        priced=priced,
        coupons=coupons,
        coupon_forced=coupon_forced,
        shipping_fee=0 if ships_free else shipping_fee,
        base=member.base if member is not None else None,
    )
    discounts, shipping_off = plan_terms(cart_plan.plan)
    if member is not None:
        discounts = [*member.discounts(), *discounts]
    if ships_free:
        shipping_off = _WHOLE_FEE
    lines = pricing_lines(priced)
    before_points = price(
        lines,
        region_code=region_code,
        shipping=rules,
        discounts=discounts,
        shipping_discount=shipping_off,
    )
    if not quote_points:
        return Terms(cart_plan, before_points, before_points, None, member)
    breakdown, quote = await apply_points(
        session,
        member_id=member_id,
        lines=lines,
        region_code=region_code,
        rules=rules,
        discounts=discounts,
        shipping_off=shipping_off,
        breakdown=before_points,
        points=points,
    )
    return Terms(cart_plan, before_points, breakdown, quote, member)
