"""Paid membership (SVIP) end to end over HTTP: staff sell plans, a shopper buys one as a virtual
order paid through the WeChat Pay v3 simulator, the period starts on the payment (once, however
often the notify comes), a renewal extends it, a refund revokes it, an unpaid order leaves
nothing, and every rejected request answers its problem code and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.modules.membership import public as membership
from shoplet.modules.membership import service
from shoplet.modules.membership.rules import add_months
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.exports import render_csv
from shoplet.modules.payments import public as payments
from tests.conftest import snapshot
from tests.modules.membership.plan_factories import (
    CONSOLE_PLANS,
    MY_BENEFITS,
    MY_SVIP,
    PUBLIC_PLANS,
    SUBSCRIPTIONS,
    bought,
    create_plan,
    get_json,
    order_plan,
    periods,
    plan_body,
    plan_events,
    subscription,
)
from tests.modules.orders.factories import (
    ORDERS,
    get_order,
    order_row,
    shopper,
    simulator,
    start_payment,
)
from tests.modules.orders.test_aftersales import approve, asked, complete_refund
from tests.modules.staff.conftest import bearer, token_for

SECOND = timedelta(seconds=5)
CONSOLE_ORDERS = "/api/v1/console/orders"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "member-operator"))


def _problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


async def test_buying_a_plan_is_a_virtual_order_and_starts_on_payment(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    before = await get_json(client, MY_BENEFITS, alice.headers)
    assert (before["discount_permille"], before["free_shipping"]) == (1000, False)

    response = await order_plan(client, alice, plan)

    assert response.status_code == 201, response.text
    order_no = response.json()["order_no"]
    assert response.json()["payable_total"] == 1990
    row = await order_row(ctx, order_no)
    assert (row.is_virtual, row.source, row.shipping_fee, row.payable_total) == (
        True,
        "membership",
        0,
        1990,
    )
    detail = await get_order(client, alice, order_no)
    assert [(ln["title"], ln["spec_text"], ln["quantity"]) for ln in detail["lines"]] == [
        ("SVIP月卡", "1个月", 1)
    ]
    [pending] = await periods(ctx, alice.member_id)
    assert (pending.status, pending.starts_at) == ("pending", None)
    assert (await get_json(client, MY_SVIP, alice.headers))["is_active"] is False

    started = await start_payment(client, alice, order_no)
    assert started["amount"] == 1990
    paid = await client.post("/_sim/wechatpay/pay", json={"prepay_id": started["prepay_id"]})
    assert paid.json()["notify"]["status_code"] == 204
    await payments.settle(ctx)

    assert (await order_row(ctx, order_no)).status == "paid"
    [period] = await periods(ctx, alice.member_id)
    assert period.status == "active"
    assert period.starts_at is not None
    assert abs(period.starts_at - utcnow()) < SECOND
    assert period.ends_at == add_months(period.starts_at, 1)
    benefits = await get_json(client, MY_BENEFITS, alice.headers)
    assert benefits["discount_permille"] == 950
    assert benefits["free_shipping"] is True
    assert benefits["free_shipping_threshold"] is None
    assert benefits["points_multiplier_permille"] == 2000
    svip = await get_json(client, MY_SVIP, alice.headers)
    assert svip["is_active"] is True
    assert svip["plan_name"] == "SVIP月卡"
    assert svip["ends_at"] == period.ends_at.isoformat().replace("+00:00", "Z")
    assert [p["state"] for p in svip["periods"]] == ["active"]
    [event] = await plan_events(ctx, membership.PLAN_STARTED, alice.member_id)
    assert (event["order_no"], event["renewal"]) == (order_no, False)


async def test_a_repeated_notify_or_event_starts_one_period(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = await bought(client, ctx, alice, plan)
    [first] = await periods(ctx, alice.member_id)

    sim = simulator(app)
    for _ in range(3):  # WeChat retries the notify (fresh signature, same id)
        delivery = await sim.redeliver(sim.deliveries[-1].notify.id)
        assert delivery.status_code == 204
    await payments.settle(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:  # a redelivered order.paid
        again = await service.start_period(s, {"order_no": order_no, "paid_at": None})
    await drain_outbox(ctx)

    assert again is False
    [period] = await periods(ctx, alice.member_id)
    assert (period.status, period.starts_at, period.ends_at) == (
        "active",
        first.starts_at,
        first.ends_at,
    )
    assert len(await plan_events(ctx, membership.PLAN_STARTED, alice.member_id)) == 1


async def test_a_renewal_extends_from_the_current_end(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    month = await create_plan(client, staff)
    year = await create_plan(
        client, staff, code="svip-year", name="SVIP年卡", price=16800, months=12
    )
    alice = await shopper(client)
    await bought(client, ctx, alice, month)
    renewal_no = await bought(client, ctx, alice, year)

    first, second = await periods(ctx, alice.member_id)
    assert first.ends_at is not None
    assert second.starts_at == first.ends_at
    assert second.ends_at == add_months(first.ends_at, 12)
    sub = await subscription(ctx, alice.member_id)
    assert sub is not None
    assert sub.ends_at == second.ends_at
    svip = await get_json(client, MY_SVIP, alice.headers)
    assert svip["plan_name"] == "SVIP月卡"  # the running period's plan
    assert [p["state"] for p in svip["periods"]] == ["queued", "active"]
    events = await plan_events(ctx, membership.PLAN_STARTED, alice.member_id)
    assert [(e["order_no"], e["renewal"]) for e in events][1] == (renewal_no, True)


async def test_a_full_refund_revokes_the_plan_and_later_periods_move_up(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    month = await create_plan(client, staff)
    alice = await shopper(client)
    first_no = await bought(client, ctx, alice, month)
    await bought(client, ctx, alice, month)
    _, queued = await periods(ctx, alice.member_id)
    assert queued.starts_at is not None

    aftersale = await asked(
        client, alice, first_no, kind="refund_only", reason="不想要了", amount=1990
    )
    refund_no = (await approve(ctx, aftersale)).refund_no
    assert refund_no is not None
    await complete_refund(app, ctx, refund_no)
    await drain_outbox(ctx)

    assert (await order_row(ctx, first_no)).status == "refunded"
    revoked, moved = await periods(ctx, alice.member_id)
    assert (revoked.status, revoked.refunded) == ("revoked", 1990)
    assert revoked.ends_at is not None
    assert abs(revoked.ends_at - utcnow()) < SECOND
    assert moved.status == "active"
    assert moved.starts_at is not None
    assert moved.ends_at is not None
    # The second month now runs from the refund: it gave back what the first did not use.
    assert abs(moved.starts_at - revoked.ends_at) < SECOND
    assert moved.ends_at - moved.starts_at == queued.ends_at - queued.starts_at  # type: ignore[operator]
    assert len(await plan_events(ctx, membership.PLAN_REVOKED, alice.member_id)) == 1

    # The last one refunded too: no SVIP left, the tier's benefits only.
    last = await asked(client, alice, moved.order_no, kind="refund_only", reason="退", amount=1990)
    refund_no = (await approve(ctx, last)).refund_no
    assert refund_no is not None
    await complete_refund(app, ctx, refund_no)
    await drain_outbox(ctx)
    svip = await get_json(client, MY_SVIP, alice.headers)
    assert (svip["is_active"], svip["ends_at"]) == (False, None)
    benefits = await get_json(client, MY_BENEFITS, alice.headers)
    assert benefits["discount_permille"] == 1000
    sub = await subscription(ctx, alice.member_id)
    assert sub is not None
    assert sub.ends_at is None


async def test_an_unpaid_plan_order_is_cancelled_and_grants_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = (await order_plan(client, alice, plan)).json()["order_no"]

    response = await client.post(f"{ORDERS}/{order_no}/cancel", headers=alice.headers)
    assert response.status_code == 200, response.text
    await drain_outbox(ctx)

    [period] = await periods(ctx, alice.member_id)
    assert period.status == "cancelled"
    assert (await get_json(client, MY_SVIP, alice.headers))["is_active"] is False


async def test_a_virtual_order_is_never_shipped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = await bought(client, ctx, alice, plan)
    before = await snapshot(ctx, "orders_order", "orders_event")

    with pytest.raises(orders.IllegalTransition):
        async with unit_of_work(ctx.sessionmaker) as s:
            await orders.ship_order(
                s, order_no=order_no, carrier="顺丰速运", tracking_no="SF1", actor="olivia"
            )
    assert await snapshot(ctx, "orders_order", "orders_event") == before


async def test_a_paid_plan_is_in_effect_not_waiting_to_ship(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    """待发货 (``status=paid``) lists goods to ship, for the shopper and for staff; a paid plan
    is under 全部 with ``is_virtual`` (the front ends read 已开通), and the CSV export says so."""
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = await bought(client, ctx, alice, plan)
    support = bearer(await token_for(client, ctx, "sam", role="support"))

    waiting = await client.get(ORDERS, params={"status": "paid"}, headers=alice.headers)
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["items"] == []
    [mine] = (await client.get(ORDERS, headers=alice.headers)).json()["items"]
    assert (mine["order_no"], mine["status"], mine["is_virtual"]) == (order_no, "paid", True)
    assert (await get_order(client, alice, order_no))["is_virtual"] is True

    to_ship = await client.get(CONSOLE_ORDERS, params={"status": "paid"}, headers=support)
    assert to_ship.status_code == 200, to_ship.text
    assert order_no not in [o["order_no"] for o in to_ship.json()["items"]]
    listed = (await client.get(CONSOLE_ORDERS, headers=support)).json()["items"]
    assert [o["is_virtual"] for o in listed if o["order_no"] == order_no] == [True]

    async with ctx.sessionmaker() as s:
        every = await orders.export_rows(
            s, ctx.pii, status=None, since=None, until=None, after_id=None, batch=100
        )
        paid_filter = await orders.export_rows(
            s, ctx.pii, status="paid", since=None, until=None, after_id=None, batch=100
        )
    assert [r.order_no for r in paid_filter if r.order_no == order_no] == []
    [row] = [r for r in every if r.order_no == order_no]
    csv_text = render_csv([row], header=False, mask_phones=True).decode()
    assert csv_text.split(",")[1] == "已开通"


async def test_an_idempotent_retry_returns_the_first_order(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    first = await order_plan(client, alice, plan, key="svip-key-0001")
    again = await order_plan(client, alice, plan, key="svip-key-0001")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["order_no"] == again.json()["order_no"]
    assert len(await periods(ctx, alice.member_id)) == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"plan_id": 999999}, 404, "membership.plan_not_found"),
        ({"price": 1}, 409, "membership.plan_price_changed"),
        ({"price": 0}, 409, "membership.plan_price_changed"),
        ({"off_sale": True}, 409, "membership.plan_not_on_sale"),
        ({"price": -1}, 422, "request.invalid"),
        ({"price": "1990"}, 422, "request.invalid"),
        ({"no_key": True}, 422, "request.invalid"),
    ],
)
async def test_bad_purchases_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    change: dict[str, object],
    status: int,
    code: str,
) -> None:
    plan = await create_plan(client, staff)
    if change.get("off_sale"):
        response = await client.put(
            f"{CONSOLE_PLANS}/{plan['id']}", json=plan_body(is_on_sale=False), headers=staff
        )
        assert response.status_code == 200
    alice = await shopper(client)
    body = {"plan_id": plan["id"], "price": plan["price"]}
    body.update({k: v for k, v in change.items() if k in body})
    headers = dict(alice.headers)
    if not change.get("no_key"):
        headers["Idempotency-Key"] = "svip-bad-0001"
    before = await snapshot(ctx)

    response = await client.post("/api/v1/me/membership/plan-orders", json=body, headers=headers)

    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


async def test_a_tampered_notify_amount_starts_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = (await order_plan(client, alice, plan)).json()["order_no"]
    started = await start_payment(client, alice, order_no)

    _, delivery = await simulator(app).pay(started["prepay_id"], notify_total=1)
    await payments.settle(ctx)

    assert delivery is not None
    assert (await order_row(ctx, order_no)).status == "pending_payment"
    [period] = await periods(ctx, alice.member_id)
    assert period.status == "pending"
    assert (await get_json(client, MY_BENEFITS, alice.headers))["discount_permille"] == 1000


# -- console ---------------------------------------------------------------------------------


async def test_staff_edit_plans_and_only_plans_on_sale_are_public(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    month = await create_plan(client, staff)
    year = await create_plan(
        client, staff, code="svip-year", name="SVIP年卡", price=16800, months=12, sort=3
    )
    assert month["benefits"]["discount_permille"] == 950

    response = await client.put(
        f"{CONSOLE_PLANS}/{year['id']}",
        json=plan_body(code="svip-year", name="SVIP年卡", price=15800, months=12, is_on_sale=False),
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json()["price"] == 15800

    everything = (await client.get(CONSOLE_PLANS, headers=staff)).json()
    assert [(p["code"], p["is_on_sale"]) for p in everything] == [
        ("svip-month", True),
        ("svip-year", False),
    ]
    public = (await client.get(PUBLIC_PLANS)).json()
    assert [p["code"] for p in public] == ["svip-month"]


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        ({"price": 0}, 400, "membership.invalid_plan"),
        ({"months": 0}, 400, "membership.invalid_plan"),
        ({"months": 37}, 400, "membership.invalid_plan"),
        ({"list_price": 100}, 400, "membership.invalid_plan"),
        (
            {"benefits": {"discount_permille": 1000, "points_multiplier_permille": 1000}},
            400,
            "membership.invalid_plan",
        ),
        ({"benefits": {"discount_permille": 0}}, 400, "membership.invalid_plan"),
        (
            {"benefits": {"free_shipping": False, "free_shipping_threshold": 100}},
            400,
            "membership.invalid_plan",
        ),
        ({"code": "svip-taken"}, 409, "membership.plan_code_taken"),
        ({"code": "有空格 x"}, 422, "request.invalid"),
        ({"price": 19.9}, 422, "request.invalid"),
    ],
)
async def test_bad_plans_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    over: dict[str, object],
    status: int,
    code: str,
) -> None:
    await create_plan(client, staff, code="svip-taken")
    before = await snapshot(ctx)

    response = await client.post(CONSOLE_PLANS, json=plan_body(**over), headers=staff)

    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


async def test_unknown_plan_is_404(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    response = await client.put(f"{CONSOLE_PLANS}/999999", json=plan_body(), headers=staff)
    assert _problem(response) == (404, "membership.plan_not_found")
    assert await snapshot(ctx) == before


async def test_the_subscriptions_list_filters(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    month = await create_plan(client, staff)
    alice, bob = await shopper(client), await shopper(client, "bob")
    alice_no = await bought(client, ctx, alice, month)
    await bought(client, ctx, alice, month)
    bob_pending = (await order_plan(client, bob, month)).json()["order_no"]

    everything = await get_json(client, SUBSCRIPTIONS, staff)
    assert len(everything["items"]) == 3
    active = await get_json(client, f"{SUBSCRIPTIONS}?state=active", staff)
    assert [(p["order_no"], p["refundable"]) for p in active["items"]] == [(alice_no, 1990)]
    queued = await get_json(client, f"{SUBSCRIPTIONS}?state=queued", staff)
    assert [p["member_id"] for p in queued["items"]] == [alice.member_id]
    pending = await get_json(client, f"{SUBSCRIPTIONS}?state=pending", staff)
    assert [p["order_no"] for p in pending["items"]] == [bob_pending]
    mine = await get_json(client, f"{SUBSCRIPTIONS}?member_id={bob.member_id}", staff)
    assert [p["order_no"] for p in mine["items"]] == [bob_pending]
    first = await get_json(client, f"{SUBSCRIPTIONS}?limit=2", staff)
    rest = await get_json(client, f"{SUBSCRIPTIONS}?limit=2&cursor={first['next_cursor']}", staff)
    assert len(first["items"]) + len(rest["items"]) == 3
    assert rest["next_cursor"] is None

    bad = await client.get(f"{SUBSCRIPTIONS}?state=lapsed", headers=staff)
    assert bad.status_code == 422


async def test_console_plan_routes_need_the_permission(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    viewer = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    for method, url in (
        ("GET", CONSOLE_PLANS),
        ("POST", CONSOLE_PLANS),
        ("GET", SUBSCRIPTIONS),
    ):
        response = await client.request(method, url, json=plan_body(), headers=viewer)
        assert response.status_code == 403, (method, url)
