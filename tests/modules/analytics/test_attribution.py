"""Attribution: the four models' exact weights and fen on hand-made journeys, the invariants
(weights sum to exactly 1, the fen split sums exactly to the order), social's share-link rule,
the same journeys through the event store's SQL, and the console routes (401/403, 400 codes with
nothing changed, CSV)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.core.context import AppContext
from shoplet.modules.analytics import funnels, ingest
from shoplet.modules.analytics.behaviour import attribution as attr
from shoplet.modules.analytics.behaviour import queries
from shoplet.modules.analytics.eventstore import EventStore
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def touch(hours_before: float, channel: str, campaign: str = "") -> attr.Touch:
    return attr.Touch(T0 - timedelta(hours=hours_before), channel, campaign)


# -- pure ------------------------------------------------------------------------------------


def test_weights_of_each_model() -> None:
    f = Fraction
    assert attr.weights("last_touch", 3) == [0, 0, 1]
    assert attr.weights("first_touch", 3) == [1, 0, 0]
    assert attr.weights("linear", 4) == [f(1, 4)] * 4
    assert attr.weights("position_based", 1) == [1]
    assert attr.weights("position_based", 2) == [f(1, 2), f(1, 2)]
    assert attr.weights("position_based", 3) == [f(2, 5), f(1, 5), f(2, 5)]
    assert attr.weights("position_based", 5) == [f(2, 5), f(1, 15), f(1, 15), f(1, 15), f(2, 5)]
    for model in attr.MODELS:
        assert attr.weights(model, 1) == [1]
        assert attr.weights(model, 0) == []


JOURNEY = [
    touch(50, "scene:1007"),
    touch(30, "share", "Ab12"),
    touch(5, "utm:wechat", "spring"),
    touch(1, "direct"),
]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("last_touch", [0, 0, 0, 10001]),
        ("first_touch", [10001, 0, 0, 0]),
        # 10001 / 4 = 2500.25: the one fen left goes to the earliest of the equal remainders.
        ("linear", [2501, 2500, 2500, 2500]),
        # 40 % = 4000.4, 10 % = 1000.1 each: the fen left goes to the first of the 0.4s.
        ("position_based", [4001, 1000, 1000, 4000]),
    ],
)
def test_a_hand_made_journey_under_each_model(model: attr.Model, expected: list[int]) -> None:
    credits = attr.attribute_order(10001, JOURNEY, model)
    channels = ["scene:1007", "share", "utm:wechat", "direct"]
    assert [(c.channel, c.revenue) for c in credits] == [
        (channel, fen) for channel, fen in zip(channels, expected, strict=True) if fen
    ]
    assert sum(c.weight for c in credits) == 1


def test_two_touches_split_half_and_half_and_no_touch_is_unattributed() -> None:
    two = [touch(3, "share", "Ab12"), touch(1, "direct")]
    assert [c.revenue for c in attr.attribute_order(999, two, "position_based")] == [500, 499]
    assert [c.revenue for c in attr.attribute_order(999, two, "linear")] == [500, 499]
    [only] = attr.attribute_order(999, [], "linear")
    assert (only.channel, only.weight, only.revenue) == (attr.UNATTRIBUTED, 1, 999)


def test_orders_are_credited_within_the_lookback_only() -> None:
    orders = [attr.Order("A1", "m:1", T0, 3000), attr.Order("A2", "m:2", T0, 1000)]
    touches = {
        "m:1": [
            touch(24 * 8, "scene:1007"),  # outside a 7-day lookback
            touch(24 * 2, "share", "Ab12"),
            touch(2, "direct"),
            attr.Touch(T0, "scene:1044"),  # at the payment itself: not before it
        ],
    }
    rows = attr.attribute(orders, touches, model="linear", lookback=timedelta(days=7))
    assert [(b.channel, b.orders, b.revenue) for b in rows] == [
        ("direct", Fraction(1, 2), 1500),
        ("share", Fraction(1, 2), 1500),
        (attr.UNATTRIBUTED, Fraction(1), 1000),
    ]
    by_campaign = attr.attribute(
        orders, touches, model="first_touch", lookback=timedelta(days=9), group_by="campaign"
    )
    assert [(b.channel, b.campaign, b.revenue) for b in by_campaign] == [
        ("scene:1007", "", 3000),
        (attr.UNATTRIBUTED, "", 1000),
    ]


def share(days_before: float, code: str) -> attr.Touch:
    return attr.Touch(T0 - timedelta(days=days_before), "share", code)


def test_share_links_follow_socials_rule() -> None:
    # First link takes the shopper; a later link takes over only once that is 7 days old:
    # B (A 5 days old) does not, C (A 9 days old) does.
    assert attr.social_share_credit([share(10, "A"), share(5, "B"), share(1, "C")], T0) == "C"
    assert attr.social_share_credit([share(6, "A"), share(5, "B"), share(1, "C")], T0) == "A"
    # A at -13 still holds at -6.5 (6.5 days old), and the order 13 days after A counts for none.
    assert attr.social_share_credit([share(13, "A"), share(6.5, "B")], T0) is None
    assert attr.social_share_credit([share(7, "A")], T0) == "A"  # exactly the window: counts
    assert attr.social_share_credit([share(7.01, "A")], T0) is None
    assert attr.social_share_credit([attr.Touch(T0, "share", "A")], T0) is None
    orders = [attr.Order("A1", "m:1", T0, 500), attr.Order("A2", "m:2", T0, 700)]
    touches = {"m:1": [share(2, "X")], "m:2": [share(3, "X"), touch(1, "direct")]}
    assert [(s.share_code, s.orders, s.revenue) for s in attr.share_links(orders, touches)] == [
        ("X", 2, 1200)
    ]


@given(
    n=st.integers(min_value=1, max_value=60),
    amount=st.integers(min_value=0, max_value=10**12),
    model=st.sampled_from(attr.MODELS),
)
def test_weights_sum_to_one_and_fen_to_the_amount(n: int, amount: int, model: attr.Model) -> None:
    shares = attr.weights(model, n)
    assert len(shares) == n
    assert sum(shares) == 1
    assert all(s >= 0 for s in shares)
    parts = attr.split_amount(amount, shares)
    assert sum(parts) == amount
    # Each part is its exact share rounded down or up by less than one fen.
    assert all(abs(p - s * amount) < 1 for p, s in zip(parts, shares, strict=True))


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8),
    hours=st.lists(
        st.lists(st.integers(min_value=-10, max_value=400), max_size=6), min_size=1, max_size=8
    ),
    model=st.sampled_from(attr.MODELS),
)
def test_the_report_sums_to_the_orders(
    amounts: list[int], hours: list[list[int]], model: attr.Model
) -> None:
    orders = [attr.Order(f"O{i}", f"m:{i % 3}", T0, a) for i, a in enumerate(amounts)]
    touches = {
        f"m:{i}": [touch(h, ["direct", "share", "scene:1007"][h % 3], str(h)) for h in hs]
        for i, hs in enumerate(hours)
    }
    for group_by in ("channel", "campaign"):
        rows = attr.attribute(
            orders, touches, model=model, lookback=timedelta(days=7), group_by=group_by
        )
        assert sum(b.revenue for b in rows) == sum(amounts)
        assert sum(b.orders for b in rows) == len(orders)


# -- the event store -------------------------------------------------------------------------


def page_view(at: datetime, who: str, i: int, **fields: Any) -> dict[str, Any]:
    props = fields.pop("properties", {})
    return {
        "event_id": f"{who}-{i}",
        "event": "page_view",
        "ts": at,
        "received_at": at,
        "anonymous_id": who,
        "session_id": fields.pop("session_id", f"s-{who}-{i}"),
        "platform": "h5",
        "page": fields.pop("page", "pages/index/index"),
        "properties": json.dumps(props),
        **fields,
    }


def paid(at: datetime, member: int, order_no: str, amount: int) -> dict[str, Any]:
    return {
        "event_id": f"paid-{order_no}",
        "event": "order_paid",
        "ts": at,
        "received_at": at,
        "source": "server",
        "member_id": member,
        "platform": "server",
        "properties": json.dumps({"order_no": order_no, "amount": amount}),
    }


def journey_rows(base: datetime) -> list[dict[str, Any]]:
    """Device d1 (member 7 after login): a shared card (scene 1007), a share link, a UTM
    campaign and a plain visit, then an order of 100.01 yuan; its in-session page views are
    not touches. Device d2 (member 8) pays 50 yuan with one direct visit, and its order is sent
    twice (a redelivery)."""
    h = timedelta(hours=1)
    return [
        page_view(base - 50 * h, "d1-device", 1, scene=1007, session_id="sess-a"),
        page_view(base - 50 * h + timedelta(minutes=1), "d1-device", 2, session_id="sess-a"),
        page_view(base - 30 * h, "d1-device", 3, share_code="Ab12", session_id="sess-b"),
        page_view(
            base - 5 * h,
            "d1-device",
            4,
            properties={"utm_source": "wechat", "utm_campaign": "spring"},
            session_id="sess-c",
        ),
        page_view(base - h, "d1-device", 5, session_id="sess-d", member_id=7),
        paid(base, 7, "S100", 10001),
        page_view(base - 2 * h, "d2-device", 1, member_id=8, referrer="https://m.example.com/x"),
        paid(base + timedelta(minutes=5), 8, "S200", 5000),
        {**paid(base + timedelta(minutes=5), 8, "S200", 5000), "event_id": "again"},
    ]


def test_journeys_through_the_event_store(tmp_path: Any) -> None:
    store = EventStore(tmp_path)
    base = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    store.append(journey_rows(base))
    start, end = funnels.shop_day_bounds(date(2026, 3, 10), date(2026, 3, 10))
    orders, touches = store.read(
        lambda con: queries.read_journeys(con, start=start, end=end, lookback=timedelta(days=7))
    )
    assert [(o.order_no, o.person, o.amount) for o in orders] == [
        ("S100", "m:7", 10001),
        ("S200", "m:8", 5000),
    ]
    assert [(t.channel, t.campaign) for t in touches["m:7"]] == [
        ("scene:1007", ""),
        ("share", "Ab12"),
        ("utm:wechat", "spring"),
        ("direct", ""),
    ]
    assert [(t.channel, t.campaign) for t in touches["m:8"]] == [("m.example.com", "")]
    rows = attr.attribute(orders, touches, model="position_based", lookback=timedelta(days=7))
    assert [(b.channel, b.revenue) for b in rows] == [
        ("m.example.com", 5000),
        ("scene:1007", 4001),
        ("direct", 4000),
        ("share", 1000),
        ("utm:wechat", 1000),
    ]


# -- console routes --------------------------------------------------------------------------

URL = "/api/v1/console/analytics/attribution"


async def test_console_attribution_csv_and_bad_parameters(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ingest.store_of(ctx).append(journey_rows(now - timedelta(minutes=10)))
    day = (now - timedelta(minutes=10)).astimezone(funnels.SHOP_TZ).date()
    params: dict[str, Any] = {
        "model": "linear",
        "lookback_days": 7,
        "date_from": (day - timedelta(days=1)).isoformat(),
        "date_to": (day + timedelta(days=1)).isoformat(),
    }
    assert (await client.get(URL, params=params)).status_code == 401
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    assert (await client.get(URL, params=params, headers=support)).status_code == 403
    staff = bearer(await token_for(client, ctx, "ops-1"))
    response = await client.get(URL, params=params, headers=staff)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["orders"], result["revenue"]) == (2, 15001)
    assert {r["channel"]: (r["orders"], r["revenue"]) for r in result["rows"]} == {
        "m.example.com": (1.0, 5000),
        "scene:1007": (0.25, 2501),
        "share": (0.25, 2500),
        "utm:wechat": (0.25, 2500),
        "direct": (0.25, 2500),
    }
    assert result["share_links"] == [{"share_code": "Ab12", "orders": 1, "revenue": 10001}]

    response = await client.get(
        URL, params={**params, "group_by": "campaign", "model": "first_touch"}, headers=staff
    )
    assert [(r["channel"], r["campaign"], r["revenue"]) for r in response.json()["rows"]] == [
        ("scene:1007", "", 10001),
        ("m.example.com", "", 5000),
    ]

    response = await client.get(URL + "/export", params=params, headers=staff)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "model,channel,campaign,orders,revenue_yuan,touches"
    assert "linear,m.example.com,,1.0,50.00,1" in lines

    before = await snapshot(ctx)
    for bad, code in [
        ({"model": "time_decay"}, "analytics.attribution_model_unknown"),
        ({"lookback_days": 0}, "analytics.lookback_out_of_range"),
        ({"lookback_days": -3}, "analytics.lookback_out_of_range"),
        ({"lookback_days": 91}, "analytics.lookback_out_of_range"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "analytics.date_range_invalid"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "analytics.date_range_invalid"),
    ]:
        for path in (URL, URL + "/export"):
            response = await client.get(path, params={**params, **bad}, headers=staff)
            assert response.status_code == 400, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == code
    response = await client.get(URL, params={**params, "group_by": "page"}, headers=staff)
    assert response.status_code == 422
    assert await snapshot(ctx) == before
