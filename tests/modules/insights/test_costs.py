"""The benefit cost model's arithmetic, table-driven, with no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.insights import costs
from shoplet.modules.insights.costs import (
    PLAN_KEY,
    BenefitCost,
    GroupFigures,
    OrderSample,
    PointsValue,
)
from shoplet.modules.membership.public import Benefits, TierRule

TIERS = (
    TierRule(0, "V0", "普通会员", 0, 0),
    TierRule(1, "V1", "白银会员", 500, 200, Benefits(discount_permille=990)),
    TierRule(
        2,
        "V2",
        "黄金会员",
        2000,
        800,
        Benefits(
            discount_permille=980,
            free_shipping=True,
            free_shipping_threshold=4900,
            points_multiplier_permille=1200,
        ),
    ),
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 2, 1), (1, 3, 0), (2, 3, 1), (-1, 2, -1), (-1, 3, 0), (5, 1, 5), (0, 7, 0)],
)
def test_div_round_rounds_half_away_from_zero(
    numerator: int, denominator: int, expected: int
) -> None:
    assert costs.div_round(numerator, denominator) == expected


def test_div_round_refuses_a_zero_denominator() -> None:
    with pytest.raises(ValueError, match="positive"):
        costs.div_round(1, 0)


@pytest.mark.parametrize(
    ("issued", "spent", "rate"),
    [(0, 0, 0), (0, 50, 0), (1000, 250, 250), (3, 1, 333), (3, 2, 667), (100, 150, 1000)],
)
def test_redemption_rate(issued: int, spent: int, rate: int) -> None:
    assert PointsValue(issued, spent).redemption_permille == rate


@pytest.mark.parametrize(
    ("value", "points", "fen"),
    [
        (PointsValue(1000, 500, points_per_yuan=100), 1000, 500),  # 1000 pts = ¥10, half spent
        (PointsValue(1000, 1000, points_per_yuan=100), 1, 1),
        (PointsValue(1000, 250, points_per_yuan=100), 3, 1),  # 0.75 fen → 1
        (PointsValue(1000, 250, points_per_yuan=50), 100, 50),
        (PointsValue(0, 0), 5000, 0),
        (PointsValue(10, 10), -5, 0),
    ],
)
def test_points_cost(value: PointsValue, points: int, fen: int) -> None:
    assert value.cost(points) == fen


@pytest.mark.parametrize(
    ("growth", "granted", "level"),
    [
        (0, None, 0),
        (499, None, 0),
        (500, None, 1),
        (1999, None, 1),
        (2000, None, 2),
        (99999, None, 2),
        (0, 1, 1),
        (2000, 1, 2),
        (0, 9, 2),
    ],
)
def test_level_for(growth: int, granted: int | None, level: int) -> None:
    assert costs.level_for(growth, granted, TIERS) == level


@pytest.mark.parametrize(
    ("tier", "order", "expected"),
    [
        # V0: nothing but the base points (100 yuan of goods → 100 pts, half spent → ¥0.50)
        (0, OrderSample(0, None, 10000, 800, 10800), BenefitCost(1, 0, 0, 50)),
        # V1: 9.9 折 on 100 yuan of goods
        (1, OrderSample(0, None, 10000, 800, 10800), BenefitCost(1, 100, 0, 50)),
        # V2: 9.8 折, shipping waived over 49 yuan, ×1.2 points
        (2, OrderSample(0, None, 10000, 800, 10800), BenefitCost(1, 200, 800, 60)),
        # V2 under the free-shipping threshold
        (2, OrderSample(0, None, 4800, 800, 5600), BenefitCost(1, 96, 0, 29)),
    ],
)
def test_order_cost(tier: int, order: OrderSample, expected: BenefitCost) -> None:
    value = PointsValue(1000, 500)
    assert costs.order_cost(TIERS[tier].benefits, order, value) == expected


def test_project_reprices_every_order_under_both_tables() -> None:
    draft = (
        TIERS[0],
        TierRule(1, "V1", "白银会员", 300, 100, Benefits(discount_permille=950)),
        TIERS[2],
    )
    orders = [
        OrderSample(0, None, 10000, 800, 10800),  # V0 in both
        OrderSample(400, None, 10000, 800, 10800),  # V0 now, V1 in the draft (threshold 300)
        OrderSample(600, None, 10000, 800, 10800),  # V1 in both: 9.9 → 9.5 折
        OrderSample(2500, None, 10000, 800, 10800),  # V2 in both, unchanged
    ]
    value = PointsValue(0, 0)  # no points cost, to read the discounts alone
    projected = {p.level: p for p in costs.project(orders, TIERS, draft, value)}

    assert projected[0].current == BenefitCost(2, 0, 0, 0)
    assert projected[0].draft == BenefitCost(1, 0, 0, 0)
    assert projected[1].current == BenefitCost(1, 100, 0, 0)
    assert projected[1].draft == BenefitCost(2, 1000, 0, 0)
    assert projected[1].change == 900
    assert projected[2].change == 0
    assert projected[2].current == BenefitCost(1, 200, 800, 0)


def test_project_lists_levels_of_either_table() -> None:
    smaller = TIERS[:2]
    projected = costs.project([OrderSample(3000, None, 100, 0, 100)], TIERS, smaller, PointsValue())
    assert [(p.level, p.current.orders, p.draft.orders) for p in projected] == [
        (0, 0, 0),
        (1, 0, 1),
        (2, 1, 0),
    ]


def test_cost_rows() -> None:
    value = PointsValue(1000, 500, points_per_yuan=100)
    figures = [
        GroupFigures(
            0,
            members=10,
            orders=12,
            gmv=120000,
            goods_payable=110000,
            goods_cost=60000,
            promotion_saving=1000,
            points_earned=1000,
            previous_members=8,
            retained=2,
        ),
        GroupFigures(
            2,
            members=4,
            orders=8,
            gmv=90000,
            goods_payable=85000,
            goods_cost=40000,
            promotion_saving=2000,
            coupon_discount=1500,
            shipping_waived=500,
            points_earned=2000,
            previous_members=3,
            retained=3,
            lines_without_cost=2,
        ),
        GroupFigures(PLAN_KEY, members=1, orders=1, gmv=5000, goods_payable=5000, goods_cost=1000),
    ]
    rows = costs.cost_rows(figures, TIERS, value)

    assert [(r.key, r.code) for r in rows] == [(0, "V0"), (1, "V1"), (2, "V2"), (PLAN_KEY, "SVIP")]
    v0, v1, v2, plan = rows
    assert (v0.gross_margin, v0.total_cost, v0.points_cost) == (50000, 1500, 500)
    assert (v0.margin_per_member, v0.incremental_margin, v0.roi_permille) == (5000, 0, 0)
    assert v0.retention_permille == 250
    assert (v1.members, v1.cost_ratio_permille, v1.incremental_margin) == (0, None, 0)
    # V2: margin 45000 against 4 × 5000 at V0's margin per member → 25000 more
    assert v2.total_cost == 2000 + 1500 + 500 + 1000
    assert v2.cost_ratio_permille == 56  # 5000 / 90000
    assert v2.incremental_margin == 25000
    assert v2.roi_permille == 5000  # 25000 / 5000
    assert v2.retention_permille == 1000
    assert v2.lines_without_cost == 2
    assert (plan.incremental_margin, plan.roi_permille) == (-1000, None)  # no cost


def test_cost_rows_without_a_base_group_have_no_incremental_margin() -> None:
    rows = costs.cost_rows([GroupFigures(1, members=2, orders=2, gmv=100)], TIERS, PointsValue())
    assert [r.incremental_margin for r in rows] == [None, None, None]


def test_total_figures_adds_every_group() -> None:
    total = costs.total_figures(
        [GroupFigures(0, members=1, orders=2, gmv=3), GroupFigures(1, members=4, orders=5, gmv=6)]
    )
    assert (total.members, total.orders, total.gmv) == (5, 7, 9)


@given(
    st.lists(
        st.tuples(st.integers(0, 20000), st.integers(0, 10**6), st.integers(0, 2000)), max_size=30
    )
)
def test_the_same_table_projects_no_change(rows: list[tuple[int, int, int]]) -> None:
    orders = [OrderSample(g, None, items, ship, items + ship) for g, items, ship in rows]
    projected = costs.project(orders, TIERS, TIERS, PointsValue(100, 30))
    assert all(p.change == 0 for p in projected)
    assert sum(p.draft.orders for p in projected) == len(orders)
