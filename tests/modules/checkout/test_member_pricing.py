"""The pricing order with tier benefits, pure and table-driven: member price (a price, kept
above cost) → store-wide promotions → coupon → points, under the cost floor and the subsidy
cap, to the fen. The same functions checkout's ``price_cart`` runs, without a database."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from shoplet.modules.catalog.public import SkuSnapshot
from shoplet.modules.checkout import discounts as terms
from shoplet.modules.checkout.pricing import Discount, ShippingRules, price
from shoplet.modules.membership.public import Benefits, MemberTier
from shoplet.modules.promotions import stacking
from shoplet.modules.promotions.stacking import CouponOffer, Policy, Promotion

RULES = ShippingRules(flat_fee=800, free_threshold=None)


def sku(sku_id: int, price_fen: int, cost: int | None = None) -> SkuSnapshot:
    return SkuSnapshot(
        sku_id=sku_id,
        product_id=sku_id,
        product_title="t",
        spec_text="",
        image=None,
        price=price_fen,
        original_price=price_fen,
        weight_grams=0,
        is_purchasable=True,
        category_id=1,
        cost_price=cost,
    )


def full(threshold: int, amount: int) -> Promotion:
    return Promotion(id=1, name="满减", kind="full_reduction", tiers=((threshold, amount),))


def coupon(threshold: int, amount: int) -> CouponOffer:
    def offer(left: Mapping[int, int]) -> tuple[int, frozenset[int] | None, int] | None:
        subtotal = sum(left.values())
        if subtotal < threshold or subtotal == 0:
            return None
        return min(amount, subtotal), None, 0

    return CouponOffer(id=90, stackable=True, offer=offer)


def chain(
    cart: list[tuple[SkuSnapshot, int]],
    *,
    permille: int = 1000,
    promotions: tuple[Promotion, ...] = (),
    coupons: tuple[CouponOffer, ...] = (),
    points: int = 0,
    cap: int | None = None,
) -> tuple[int, int, int, int, int]:
    """(member, promotions, coupon, points, goods to pay) in fen."""
    benefits = Benefits(discount_permille=permille)
    member = terms.member_terms_of(MemberTier("V3", "铂金会员", 3, benefits), benefits, cart)
    lines = terms.promotion_lines(cart)
    plan = stacking.plan(
        lines, promotions, Policy(max_discount_permille=cap), coupons=coupons, base=member.base
    )
    discounts, _ = terms.plan_terms(plan)
    ordered = [*member.discounts(), *discounts]
    if points:
        ordered.append(Discount(source="points", code="points", amount=points))
    b = price(terms.pricing_lines(cart), region_code=None, shipping=RULES, discounts=ordered)
    by = dict.fromkeys(("member", "promotion", "coupon", "points"), 0)
    for d in b.applied_discounts:
        by[d.source] += d.amount
    assert sum(b.line_discounts.values()) == b.discount_total == sum(by.values())
    for s, q in cart:
        # The cost floor holds for everything but points (the shopper's own money).
        if s.cost_price is not None and not points:
            assert s.price * q - b.line_discounts[s.sku_id] >= min(s.cost_price, s.price) * q
    return (
        by["member"],
        by["promotion"],
        by["coupon"],
        by["points"],
        b.items_total - b.discount_total,
    )


A, B = sku(1, 10000), sku(2, 5000)
CART = [(A, 2), (B, 1)]  # 25000


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("nothing", {}, (0, 0, 0, 0, 25000)),
        # 9.5折: 10000 → 9500 (×2), 5000 → 4750.
        ("member price", {"permille": 950}, (1250, 0, 0, 0, 23750)),
        (
            "member then 满200减30",
            {"permille": 950, "promotions": (full(20000, 3000),)},
            (1250, 3000, 0, 0, 20750),
        ),
        # Thresholds see member prices: 23750 < 24000.
        (
            "member price misses 满240",
            {"permille": 950, "promotions": (full(24000, 3000),)},
            (1250, 0, 0, 0, 23750),
        ),
        (
            "满240 without member price",
            {"promotions": (full(24000, 3000),)},
            (0, 3000, 0, 0, 22000),
        ),
        (
            "member then coupon 满230减20",
            {"permille": 950, "coupons": (coupon(23000, 2000),)},
            (1250, 0, 2000, 0, 21750),
        ),
        # The coupon's threshold sees what member price and promotion left: 20750.
        (
            "member, promotion, coupon, points",
            {
                "permille": 950,
                "promotions": (full(20000, 3000),),
                "coupons": (coupon(20000, 2000),),
                "points": 1000,
            },
            (1250, 3000, 2000, 1000, 17750),
        ),
        (
            "coupon above what promotions left",
            {
                "permille": 950,
                "promotions": (full(20000, 3000),),
                "coupons": (coupon(21000, 2000),),
            },
            (1250, 3000, 0, 0, 20750),
        ),
        # Subsidy cap 10% of 25000 = 2500: the member price takes 1250 of it first.
        (
            "cap after member price",
            {"permille": 950, "promotions": (full(20000, 3000),), "cap": 100},
            (1250, 1250, 0, 0, 22500),
        ),
        # A cap below the member discount: the member price stays (a price), promotions get 0.
        (
            "cap below member price",
            {"permille": 950, "promotions": (full(20000, 3000),), "cap": 40},
            (1250, 0, 0, 0, 23750),
        ),
    ],
)
def test_pricing_order(case: str, kwargs: dict[str, object], expected: tuple[int, ...]) -> None:
    assert chain(CART, **kwargs) == expected, case  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cost", "promotions", "expected"),
    [
        # Cost 9000: member takes 500, 满90减20 only the 500 left above cost.
        (9000, (full(9000, 2000),), (500, 500, 0, 0, 9000)),
        # Cost 9800: the member price stops at cost (200 off), no room for promotions.
        (9800, (full(9000, 2000),), (200, 0, 0, 0, 9800)),
        # Cost above the price: no member discount at all.
        (12000, (), (0, 0, 0, 0, 10000)),
        (None, (full(9000, 2000),), (500, 2000, 0, 0, 7500)),
    ],
)
def test_the_cost_floor_holds_with_member_price(
    cost: int | None, promotions: tuple[Promotion, ...], expected: tuple[int, ...]
) -> None:
    assert chain([(sku(1, 10000, cost), 1)], permille=950, promotions=promotions) == expected


@pytest.mark.parametrize(
    ("unit", "quantity", "permille", "off"),
    [
        (999, 3, 950, 150),  # 999 × 0.95 = 949.05 → 949: 50 a unit
        (1, 1, 980, 0),  # 0.98 rounds half up to 1: nothing off
        (1990, 2, 885, 458),  # 1761.15 → 1761: 229 a unit
        (10000, 1, 1, 9990),  # 0.1折 → 10
    ],
)
def test_member_price_is_per_unit_rounded_half_up(
    unit: int, quantity: int, permille: int, off: int
) -> None:
    assert terms.member_base(Benefits(discount_permille=permille), [(sku(1, unit), quantity)]) == {
        1: off
    }


@pytest.mark.parametrize(
    ("permille", "label"), [(950, "V3会员 9.5折"), (900, "V3会员 9折"), (885, "V3会员 8.85折")]
)
def test_the_row_label(permille: int, label: str) -> None:
    b = Benefits(discount_permille=permille)
    assert terms.member_terms_of(MemberTier("V3", "铂金会员", 3, b), b, CART).label == label


def test_the_row_says_svip_when_the_paid_plans_discount_is_the_better_one() -> None:
    own = Benefits(discount_permille=980)
    with_plan = Benefits(discount_permille=900)
    assert terms.member_terms_of(MemberTier("V1", "白银会员", 1, own), with_plan, CART).label == (
        "SVIP会员 9折"
    )
    assert terms.member_terms_of(MemberTier("V1", "白银会员", 1, own), own, CART).label == (
        "V1会员 9.8折"
    )
    v0 = MemberTier("V0", "普通会员", 0, Benefits())
    assert terms.member_terms_of(v0, with_plan, CART).label == "SVIP会员 9折"


@pytest.mark.parametrize(("threshold", "ships_free"), [(None, True), (23750, True), (23751, False)])
def test_free_shipping_is_judged_on_member_prices(threshold: int | None, ships_free: bool) -> None:
    b = Benefits(discount_permille=950, free_shipping=True, free_shipping_threshold=threshold)
    assert terms.member_terms_of(MemberTier("V3", "n", 3, b), b, CART).ships_free is ships_free
