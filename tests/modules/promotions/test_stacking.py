"""Store-wide promotions, pure: each kind, tiers and 每满 repeats, stacking under the policy
(every combination of kinds, with a stackable and a non-stackable coupon), the subsidy cap,
hints, and allocation that never loses or creates a fen (property test over random carts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplet.modules.promotions import stacking
from shoplet.modules.promotions.stacking import (
    CouponOffer,
    Line,
    Plan,
    Policy,
    Promotion,
    SkuPrice,
    label,
    plan,
    reached_tier,
)

# Two products: 1 (SKUs 11, 12, category 7), 2 (SKU 21, category 8).
SHIRT = Line(sku_id=11, product_id=1, category_id=7, unit_price=10000, quantity=2)
SHIRT_XL = Line(sku_id=12, product_id=1, category_id=7, unit_price=12000, quantity=1)
CAP = Line(sku_id=21, product_id=2, category_id=8, unit_price=5000, quantity=1)
CART = (SHIRT, SHIRT_XL, CAP)  # 20000 + 12000 + 5000 = 37000

FULL = Promotion(id=1, name="满减", kind="full_reduction", tiers=((30000, 3000), (50000, 6000)))
EVERY = Promotion(
    id=2, name="每满", kind="full_reduction", tiers=((10000, 1000),), repeat=True, max_repeats=2
)
SKU = Promotion(
    id=3,
    name="限时",
    kind="sku_discount",
    sku_prices=(SkuPrice(sku_id=11, rate_permille=800), SkuPrice(sku_id=21, price=3000)),
)
BNGM = Promotion(id=4, name="买3免1", kind="buy_n_get_m", buy_n=3, get_m=1)
HALF = Promotion(id=5, name="第二件半价", kind="buy_n_get_m", buy_n=2, rate_permille=500)
BUNDLE = Promotion(id=6, name="套餐", kind="bundle", product_ids=(1, 2), bundle_price=13000)


def coupon(
    amount: int, *, stackable: bool = True, threshold: int = 0, coupon_id: int = 90
) -> CouponOffer:
    """A 满threshold减amount coupon on every line, priced on what the promotions left."""

    def offer(left: Mapping[int, int]) -> tuple[int, frozenset[int] | None, int] | None:
        subtotal = sum(left.values())
        if subtotal < threshold or subtotal == 0:
            return None
        return min(amount, subtotal), None, 0

    return CouponOffer(id=coupon_id, stackable=stackable, offer=offer)


def savings(result: Plan) -> list[tuple[str, int, int]]:
    return [(s.source, s.id, s.saving) for s in result.steps]


def check_invariants(result: Plan, lines: Sequence[Line]) -> None:
    totals = {line.sku_id: line.total for line in lines}
    taken = dict.fromkeys(totals, 0)
    for step in result.steps:
        assert sum(step.lines.values()) == step.saving
        assert all(v > 0 for v in step.lines.values())
        for sku_id, part in step.lines.items():
            taken[sku_id] += part
    assert taken == dict(result.line_discounts)
    assert all(taken[s] <= totals[s] for s in totals)
    assert sum(taken.values()) == result.total


# -- each kind ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "off"),
    [(29999, 0), (30000, 3000), (49999, 3000), (50000, 6000), (90000, 6000)],
)
def test_the_highest_reached_tier_applies(subtotal: int, off: int) -> None:
    assert reached_tier(FULL, subtotal) == off


@pytest.mark.parametrize(
    ("promotion", "subtotal", "off"),
    [
        (EVERY, 9999, 0),
        (EVERY, 10000, 1000),
        (EVERY, 29999, 2000),
        (EVERY, 90000, 2000),  # at most 2 repeats
        (Promotion(id=9, name="每满", kind="full_reduction", tiers=((10000, 1000),), repeat=True),
         90000, 9000),
    ],
)  # fmt: skip
def test_every_full_step_repeats_up_to_its_cap(
    promotion: Promotion, subtotal: int, off: int
) -> None:
    assert reached_tier(promotion, subtotal) == off


@pytest.mark.parametrize(
    ("promotion", "expected"),
    [
        # 满300减30 on 37000: split in proportion 20000 : 12000 : 5000.
        (FULL, {11: 1622, 12: 973, 21: 405}),
        # 每满100减10, at most twice.
        (EVERY, {11: 1081, 12: 649, 21: 270}),
        # SKU 11 at 8折 (2 units: 4000 off), SKU 21 at ¥30 (2000 off).
        (SKU, {11: 4000, 21: 2000}),
        # 4 units: the cheapest one (the cap, 5000) is free.
        (BNGM, {21: 5000}),
        # Units 12000, 10000, 10000, 5000: pairs (12000, 10000) and (10000, 5000): the cheaper
        # unit of each pays half.
        (HALF, {11: 5000, 21: 2500}),
        # One set: the cheapest shirt (10000) + cap (5000) = 15000 for 13000.
        (BUNDLE, {11: 1333, 21: 667}),
    ],
)
def test_each_kind_alone(promotion: Promotion, expected: dict[int, int]) -> None:
    result = plan(CART, [promotion], Policy())
    assert [s.id for s in result.steps] == [promotion.id]
    assert dict(result.steps[0].lines) == expected
    check_invariants(result, CART)


def test_scope_limits_what_a_promotion_sees() -> None:
    only_caps = Promotion(
        id=7,
        name="帽子满减",
        kind="full_reduction",
        scope="categories",
        scope_ids=(8,),
        tiers=((5000, 500),),
    )
    result = plan(CART, [only_caps], Policy())
    assert dict(result.steps[0].lines) == {21: 500}


def test_a_per_shopper_allowance_discounts_only_that_many_units() -> None:
    limited = Promotion(
        id=8,
        name="限购",
        kind="sku_discount",
        sku_prices=(SkuPrice(sku_id=11, price=5000),),
        per_shopper_limit=1,
        allowance=1,
    )
    result = plan(CART, [limited], Policy())
    assert (result.steps[0].saving, result.steps[0].units) == (5000, 1)
    assert plan(CART, [replace(limited, allowance=0)], Policy()).steps == ()


@pytest.mark.parametrize(
    ("promotion", "text"),
    [
        (FULL, "满300减30，满500减60"),
        (EVERY, "每满100减10"),
        (SKU, "限时特价"),
        (Promotion(id=1, name="", kind="sku_discount",
                   sku_prices=(SkuPrice(1, 850),)), "限时8.5折"),
        (BNGM, "买3免1"),
        (HALF, "第2件5折"),
        (BUNDLE, "套餐价¥130"),
    ],
)  # fmt: skip
def test_labels(promotion: Promotion, text: str) -> None:
    assert label(promotion) == text


# -- stacking ----------------------------------------------------------------------------------

ORDER_LEVEL = (FULL, BNGM, BUNDLE)
KINDS = (SKU, FULL, BNGM, BUNDLE)


@pytest.mark.parametrize(
    "chosen",
    [c for n in range(1, len(KINDS) + 1) for c in combinations(KINDS, n)],
    ids=lambda c: "+".join(p.kind for p in c),
)
@pytest.mark.parametrize("combine", [False, True])
@pytest.mark.parametrize("coupon_stacks", [None, True, False])
def test_every_combination_of_kinds_follows_the_policy(
    chosen: tuple[Promotion, ...], combine: bool, coupon_stacks: bool | None
) -> None:
    policy = Policy(combine_order_level=combine)
    coupons = [] if coupon_stacks is None else [coupon(1000, stackable=coupon_stacks)]
    result = plan(CART, list(chosen), policy, coupons=coupons)
    check_invariants(result, CART)
    applied = [s for s in result.steps if s.source == "promotion"]
    kinds = [s.kind for s in applied]
    # Order: sku_discount, then order-level kinds in their rank, then the coupon.
    ranks = {"sku_discount": 0, "bundle": 1, "buy_n_get_m": 2, "full_reduction": 3}
    assert kinds == sorted(kinds, key=ranks.__getitem__)
    if result.coupon_step is not None:
        assert result.steps[-1].source == "coupon"
    order_level = [k for k in kinds if k != "sku_discount"]
    if not combine:
        assert len(order_level) <= 1
    if coupon_stacks is False and result.coupon_step is not None:
        assert applied == []
    # The best for the shopper: never worse than any single promotion alone, nor the coupon.
    for p in chosen:
        alone = plan(CART, [p], policy)
        assert result.total >= alone.total
    if coupons:
        assert result.total >= plan(CART, [], policy, coupons=coupons).total


def test_the_best_order_level_promotion_wins_when_they_exclude_each_other() -> None:
    result = plan(CART, [FULL, BNGM, BUNDLE], Policy())
    # 满300减30 saves 3000, 买3免1 5000, the bundle 2000.
    assert savings(result) == [("promotion", 4, 5000)]


def test_combined_order_level_promotions_each_see_what_the_previous_left() -> None:
    result = plan(CART, [FULL, BNGM], Policy(combine_order_level=True))
    # 买3免1 first (5000 off the cap), then 满300减30 on 32000 left: 3000.
    assert savings(result) == [("promotion", 4, 5000), ("promotion", 1, 3000)]


def test_sku_discount_comes_first_and_the_threshold_sees_the_discounted_price() -> None:
    result = plan(CART, [SKU, FULL], Policy())
    # 37000 - 6000 = 31000 still reaches 满300.
    assert savings(result) == [("promotion", 3, 6000), ("promotion", 1, 3000)]
    below = plan((SHIRT, CAP), [SKU, FULL], Policy())
    # 25000 - 6000 = 19000: no tier.
    assert savings(below) == [("promotion", 3, 6000)]


def test_a_sku_discount_that_does_not_stack_is_one_more_alternative() -> None:
    result = plan(CART, [SKU, BNGM], Policy(sku_discount_stacks=False))
    assert savings(result) == [("promotion", 3, 6000)]


def test_a_stackable_coupon_applies_on_top_of_the_promotions() -> None:
    result = plan(CART, [FULL], Policy(), coupons=[coupon(1000)])
    assert savings(result) == [("promotion", 1, 3000), ("coupon", 90, 1000)]
    assert result.coupon_id == 90


def test_a_coupon_threshold_compares_what_the_promotions_left() -> None:
    result = plan(CART, [FULL], Policy(), coupons=[coupon(1000, threshold=35000)])
    # 37000 - 3000 = 34000 < 35000: the better of the two is the promotion (3000 vs 1000).
    assert savings(result) == [("promotion", 1, 3000)]


def test_a_coupon_that_does_not_stack_is_the_better_of_the_two() -> None:
    small = plan(CART, [FULL], Policy(), coupons=[coupon(1000, stackable=False)])
    assert savings(small) == [("promotion", 1, 3000)]
    big = plan(CART, [FULL], Policy(), coupons=[coupon(5000, stackable=False)])
    assert savings(big) == [("coupon", 90, 5000)]


def test_a_tie_is_broken_deterministically() -> None:
    same = Promotion(id=10, name="另一个满减", kind="full_reduction", tiers=((30000, 3000),))
    assert savings(plan(CART, [same, FULL], Policy())) == [("promotion", 1, 3000)]
    assert savings(plan(CART, [FULL, same], Policy())) == [("promotion", 1, 3000)]


def test_a_picked_coupon_is_applied_even_when_it_saves_less() -> None:
    result = plan(
        CART, [FULL], Policy(), coupons=[coupon(1000, stackable=False)], coupon_forced=True
    )
    assert savings(result) == [("coupon", 90, 1000)]


# -- the subsidy cap ---------------------------------------------------------------------------


def test_the_order_cap_trims_the_last_applied_discounts() -> None:
    # 20% of 37000 = 7400: the SKU discount (6000) stays, 满减 keeps 1400 of 3000, the coupon 0.
    result = plan(
        CART,
        [SKU, FULL],
        Policy(max_discount_permille=200),
        coupons=[coupon(1000)],
        coupon_forced=True,
    )
    assert [(s.id, s.saving, s.trimmed) for s in result.steps] == [
        (3, 6000, 0),
        (1, 1400, 1600),
        (90, 0, 1000),
    ]
    check_invariants(result, CART)


def test_a_cost_price_floor_protects_each_line() -> None:
    cheap = Line(sku_id=21, product_id=2, category_id=8, unit_price=5000, quantity=1, floor=4500)
    result = plan((SHIRT, SHIRT_XL, cheap), [BNGM], Policy())
    # The free cap may only go down to its cost: 500 off, 4500 trimmed.
    assert [(s.saving, s.trimmed) for s in result.steps] == [(500, 4500)]


# -- hints -------------------------------------------------------------------------------------


def test_the_hint_names_the_nearest_unreached_tier() -> None:
    assert plan((SHIRT,), [FULL], Policy()).hints == ("再买¥100可享满300减30",)
    assert plan(CART, [FULL], Policy()).hints == ("再买¥130可享满500减60",)
    assert plan((CAP,), [EVERY], Policy()).hints == ("再买¥50可享每满100减10",)
    assert plan(CART, [EVERY], Policy()).hints == ()  # the 2 repeats are reached


# -- allocation never loses or creates a fen ---------------------------------------------------

prices = st.integers(min_value=0, max_value=50_000)
lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3),  # product
        prices,
        st.integers(min_value=1, max_value=5),  # quantity
        st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)),  # cost
    ),
    min_size=1,
    max_size=6,
)
promotion_strategy = st.sampled_from(
    [
        FULL,
        EVERY,
        BNGM,
        HALF,
        Promotion(id=6, name="套餐", kind="bundle", product_ids=(1, 2), amount_off=777),
        Promotion(id=7, name="套餐", kind="bundle", product_ids=(2, 3), bundle_price=3333),
        Promotion(
            id=3,
            name="限时",
            kind="sku_discount",
            sku_prices=(SkuPrice(sku_id=1, rate_permille=333), SkuPrice(sku_id=3, price=77)),
        ),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    raw=lines_strategy,
    promotions=st.lists(promotion_strategy, max_size=4, unique_by=lambda p: p.id),
    combine=st.booleans(),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=1000)),
    coupon_amount=st.one_of(st.none(), st.integers(min_value=1, max_value=100_000)),
    stackable=st.booleans(),
)
def test_allocations_sum_to_each_saving_and_respect_every_floor(
    *,
    raw: list[tuple[int, int, int, int | None]],
    promotions: list[Promotion],
    combine: bool,
    cap: int | None,
    coupon_amount: int | None,
    stackable: bool,
) -> None:
    lines = [
        Line(
            sku_id=i + 1,
            product_id=product,
            category_id=product,
            unit_price=price,
            quantity=quantity,
            floor=None if cost is None else min(cost, price) * quantity,
        )
        for i, (product, price, quantity, cost) in enumerate(raw)
    ]
    coupons = [] if coupon_amount is None else [coupon(coupon_amount, stackable=stackable)]
    policy = Policy(combine_order_level=combine, max_discount_permille=cap)
    result = plan(lines, promotions, policy, coupons=coupons)
    check_invariants(result, lines)
    for line in lines:
        if line.floor is not None:
            assert line.total - result.line_discounts[line.sku_id] >= line.floor
    if cap is not None:
        assert result.total <= sum(line.total for line in lines) * cap // 1000


def test_a_picked_coupon_the_promotions_push_below_its_threshold_applies_alone() -> None:
    picked = coupon(1000, threshold=35000)
    result = plan(CART, [FULL], Policy(), coupons=[picked], coupon_forced=True)
    # With 满减 the cart is 34000, below the coupon's 35000: the coupon alone is what remains.
    assert savings(result) == [("coupon", 90, 1000)]


def _exhaustive_best(
    lines: Sequence[Line],
    promotions: Sequence[Promotion],
    policy: Policy,
    coupons: Sequence[CouponOffer],
) -> int:
    """The largest saving of every combination x every coupon, tried one by one (what the
    plan's pruning must still find)."""
    best = 0
    for chosen in stacking._candidates(promotions, policy):
        for c in [None, *(c for c in coupons if c.stackable)]:
            room = {line.sku_id: line.total for line in lines}
            steps = stacking._run(chosen, lines, room)
            capped, ship = stacking._with_coupon((steps, room), c, lines, policy)
            best = max(best, sum(s.saving for s in capped) + ship)
    for c in coupons:
        if not c.stackable:
            room = {line.sku_id: line.total for line in lines}
            capped, ship = stacking._with_coupon(([], room), c, lines, policy)
            best = max(best, sum(s.saving for s in capped) + ship)
    return best


@settings(max_examples=300, deadline=None)
@given(
    raw=lines_strategy,
    promotions=st.lists(promotion_strategy, max_size=5, unique_by=lambda p: p.id),
    combine=st.booleans(),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=1000)),
    coupon_terms=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=60_000),  # amount
            st.integers(min_value=0, max_value=120_000),  # threshold
            st.booleans(),  # stackable
        ),
        max_size=4,
    ),
)
def test_skipping_hopeless_combinations_still_finds_the_best_saving(
    *,
    raw: list[tuple[int, int, int, int | None]],
    promotions: list[Promotion],
    combine: bool,
    cap: int | None,
    coupon_terms: list[tuple[int, int, bool]],
) -> None:
    lines = [
        Line(
            sku_id=i + 1,
            product_id=product,
            category_id=product,
            unit_price=price,
            quantity=quantity,
            floor=None if cost is None else min(cost, price) * quantity,
        )
        for i, (product, price, quantity, cost) in enumerate(raw)
    ]
    coupons = [
        coupon(amount, threshold=threshold, stackable=stacks, coupon_id=90 + i)
        for i, (amount, threshold, stacks) in enumerate(coupon_terms)
    ]
    policy = Policy(combine_order_level=combine, max_discount_permille=cap)
    result = plan(lines, promotions, policy, coupons=coupons)
    assert result.total + result.shipping_off == _exhaustive_best(
        lines, promotions, policy, coupons
    )


def test_a_smaller_promotion_that_keeps_a_coupon_usable_still_wins() -> None:
    # 满300减30 saves more alone but leaves 34000, below the coupon's 35000; 每满100减10 (2000)
    # leaves 35000, so the coupon applies on top: 7000 in all, the best.
    picked = coupon(5000, threshold=35000)
    result = plan(CART, [FULL, EVERY], Policy(), coupons=[picked])
    assert savings(result) == [("promotion", 2, 2000), ("coupon", 90, 5000)]
