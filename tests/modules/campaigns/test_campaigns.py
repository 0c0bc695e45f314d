"""Campaigns end to end on both databases: refusals that write nothing, the holdout recorded
and never touched, messages only to credit holders, quiet hours deferring, the cap across
campaigns, the results arithmetic; on PostgreSQL 20+ concurrent workers touch each shopper
once, and two campaigns racing under one cap touch a shopper once."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.campaigns import rules, running
from shoplet.modules.notification import tasks as notification_tasks
from tests.conftest import BackendDb, snapshot
from tests.modules.analytics.profile_factories import catalog_products, paid_order
from tests.modules.campaigns.factories import (
    CAMPAIGNS,
    body,
    coupon,
    coupons_by_member,
    create,
    dormant,
    noon,
    past,
    staff,
    start,
    touches,
)
from tests.modules.notification.test_sends import (
    PAID_TID,
    accept,
    configure,
    sends,
    sim,
)
from tests.modules.orders.factories import shopper

TABLES = ("campaigns_campaign", "campaigns_touch", "campaigns_contact")


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"audience_kind": "segment", "audience_value": "999"}, 400, "campaigns.audience_unknown"),
        ({"audience_kind": "rfm_class", "audience_value": "nobody"}, 400,
         "campaigns.audience_unknown"),
        ({"audience_kind": "tag", "audience_value": "no-such-tag"}, 400,
         "campaigns.audience_unknown"),
        ({"audience_value": "10"}, 400, "campaigns.audience_unknown"),
        ({"audience_value": "366"}, 400, "campaigns.audience_unknown"),
        ({"holdout_percent": 51}, 400, "campaigns.holdout_invalid"),
        ({"holdout_percent": -1}, 400, "campaigns.holdout_invalid"),
        ({"cap_days": 0}, 400, "campaigns.cap_invalid"),
        ({"quiet_start": "25:00"}, 400, "campaigns.quiet_hours_invalid"),
        ({"coupon_template_id": None}, 400, "campaigns.nothing_to_send"),
        ({"coupon_template_id": 987654}, 400, "campaigns.coupon_template_unknown"),
        ({"message_event": "price_drop", "message_data": {"thing1": "上新"}}, 409,
         "campaigns.template_disabled"),
        ({"message_event": "payment_success",
          "message_data": {"character_string1": "A1", "amount2": "¥1.00",
                           "time3": "2026年1月1日 08:00",
                           "phrase4": "这是一个远远超过五个字的短语"}},
         400,
         "campaigns.field_invalid"),
        ({"message_event": "payment_success", "message_data": {"character_string1": "A1"}}, 400,
         "campaigns.field_invalid"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_and_writes_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    overrides: dict[str, Any],
    status: int,
    code: str,
) -> None:
    headers = await staff(client, ctx)
    await configure(client, headers)
    template = await coupon(client, headers)
    await dormant(ctx, [1, 2, 3])
    before = await snapshot(ctx, *TABLES)
    response = await client.post(
        CAMPAIGNS, json=body(**{"coupon_template_id": template, **overrides}), headers=headers
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_a_draft_coupon_template_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    draft = await coupon(client, headers, activate=False)
    before = await snapshot(ctx, *TABLES)
    response = await client.post(CAMPAIGNS, json=body(coupon_template_id=draft), headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "campaigns.coupon_template_inactive"
    assert await snapshot(ctx, *TABLES) == before


async def test_holdout_is_recorded_and_never_touched(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    members = list(range(101, 161))
    await dormant(ctx, members)
    await dormant(ctx, [900], days=10)  # bought recently: not in the audience
    campaign = await create(client, headers, coupon_template_id=template)
    assert campaign["status"] == "draft"
    await start(client, headers, campaign["id"])
    report = await running.run(ctx, campaign["id"], now=noon())
    assert report.materialised == 60
    assert report.status == "done"
    rows = await touches(ctx, campaign["id"])
    held = {r.member_id for r in rows if r.grp == "holdout"}
    expected = {m for m in members if rules.is_holdout(campaign["id"], m, 20)}
    assert held == expected
    assert 0 < len(held) < 30
    assert {r.status for r in rows if r.grp == "holdout"} == {"holdout"}
    given = await coupons_by_member(ctx, template)
    assert set(given) == set(members) - held
    assert all(n == 1 for n in given.values())
    progress = (await client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=headers)).json()[
        "progress"
    ]
    assert progress == {
        "audience": 60,
        "treated": 60 - len(held),
        "holdout": len(held),
        "pending": 0,
        "done": 60 - len(held),
        "skipped_cap": 0,
        "skipped_no_credit": 0,
        "deferred_quiet": 0,
        "messages": 0,
        "coupons": 60 - len(held),
    }
    # A second run, or the job, adds nobody and touches nobody again.
    again = await running.run(ctx, campaign["id"])
    assert (again.materialised, again.touched) == (0, 0)
    assert await coupons_by_member(ctx, template) == given


async def test_quiet_hours_defer_to_the_end_of_the_window(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    await dormant(ctx, [11, 12, 13])
    campaign = await create(
        client, headers, coupon_template_id=template, holdout_percent=0,
        start_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    await start(client, headers, campaign["id"])
    late = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    report = await running.run(ctx, campaign["id"], now=late)
    assert (report.materialised, report.touched, report.status) == (3, 0, "running")
    rows = await touches(ctx, campaign["id"])
    morning = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert {(r.status, r.due_at, r.is_deferred) for r in rows} == {("pending", morning, True)}
    assert await coupons_by_member(ctx, template) == {}
    report = await running.run(ctx, campaign["id"], now=morning)
    assert (report.touched, report.status) == (3, "done")
    assert await coupons_by_member(ctx, template) == {11: 1, 12: 1, 13: 1}
    out = (await client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=headers)).json()
    assert out["progress"]["deferred_quiet"] == 3


def test_quiet_hours_rules() -> None:
    start, end = 22 * 60, 8 * 60
    at = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert rules.quiet_until(at, start, end) is None
    assert rules.quiet_until(datetime(2026, 3, 1, 14, 0, tzinfo=UTC), start, end) == datetime(
        2026, 3, 2, 0, 0, tzinfo=UTC
    )  # 22:00 → next 08:00
    assert rules.quiet_until(datetime(2026, 3, 1, 19, 0, tzinfo=UTC), start, end) == datetime(
        2026, 3, 2, 0, 0, tzinfo=UTC
    )  # 03:00 → 08:00 the same morning
    assert rules.quiet_until(at, 12 * 60, 14 * 60) is None
    assert rules.quiet_until(datetime(2026, 3, 1, 4, 30, tzinfo=UTC), 12 * 60, 14 * 60) == (
        datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    )
    assert rules.quiet_until(at, 0, 0) is None
    assert rules.parse_clock("22:00") == 1320
    assert rules.parse_clock("7:00") is None


async def test_a_message_goes_only_to_credit_holders(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    await configure(client, headers)
    sim(app).add_template(PAID_TID, ("character_string1", "amount2", "time3", "phrase4"))
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await dormant(ctx, [alice.member_id, bob.member_id])
    data = {"character_string1": "HUANXING1", "amount2": "¥20.00", "time3": "2026年12月31日 20:00",
            "phrase4": "限时领取"}  # fmt: skip
    campaign = await create(
        client, headers, holdout_percent=0, message_event="payment_success", message_data=data
    )
    await start(client, headers, campaign["id"])
    await running.run(ctx, campaign["id"], now=noon())
    status = {r.member_id: r.status for r in await touches(ctx, campaign["id"])}
    assert status == {alice.member_id: "done", bob.member_id: "no_credit"}
    await notification_tasks.send_pending(ctx)
    [sent] = await sends(ctx)
    assert (sent.member_id, sent.status, sent.ref) == (
        alice.member_id, "sent", f"campaign:{campaign['id']}",
    )  # fmt: skip
    [message] = sim(app).sent
    assert message["data"] == {key: {"value": value} for key, value in data.items()}


async def test_the_cap_holds_across_campaigns(client: httpx.AsyncClient, ctx: AppContext) -> None:
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    await dormant(ctx, [21, 22])
    first = await create(client, headers, coupon_template_id=template, holdout_percent=0)
    second = await create(
        client, headers, coupon_template_id=template, holdout_percent=0,
        audience_kind="rfm_class", audience_value="important_retain",
    )  # fmt: skip
    for c in (first, second):
        await start(client, headers, c["id"])
    at = noon()
    await running.run(ctx, first["id"], now=at)
    await running.run(ctx, second["id"], now=at)
    assert {r.status for r in await touches(ctx, second["id"])} == {"capped"}
    assert await coupons_by_member(ctx, template) == {21: 1, 22: 1}


async def test_edit_start_and_cancel(client: httpx.AsyncClient, ctx: AppContext) -> None:
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    await dormant(ctx, [31])
    campaign = await create(client, headers, coupon_template_id=template)
    url = f"{CAMPAIGNS}/{campaign['id']}"
    edited = await client.put(
        url, json=body(coupon_template_id=template, name="改名"), headers=headers
    )
    assert edited.json()["name"] == "改名"
    await start(client, headers, campaign["id"])
    before = await snapshot(ctx, *TABLES)
    refused = await client.put(url, json=body(coupon_template_id=template), headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "campaigns.not_editable")
    assert await snapshot(ctx, *TABLES) == before
    cancelled = await client.post(f"{url}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"{url}/cancel", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "campaigns.not_cancellable")
    listed = (await client.get(CAMPAIGNS, headers=headers)).json()["items"]
    assert [c["status"] for c in listed] == ["cancelled"]


async def test_results_compare_treated_with_holdout(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    campaign = await create(
        client, headers, coupon_template_id=template, audience_kind="rfm_class",
        audience_value="general_retain",
    )  # fmt: skip
    cid = campaign["id"]
    treated: list[int] = []
    holdout: list[int] = []
    member = 5000
    while len(treated) < 40 or len(holdout) < 10:
        member += 1
        group = holdout if rules.is_holdout(cid, member, 20) else treated
        if len(group) < (10 if group is holdout else 40):
            group.append(member)
    await dormant(ctx, treated + holdout, rfm_class="general_retain")
    await start(client, headers, cid)
    await running.run(ctx, cid, now=past(5).replace(hour=4))
    products = await catalog_products(ctx)
    # 30 % of the treated order (12 of 40), 10 % of the holdout (1 of 10), ¥100 each; one
    # order outside the window (before the touch) counts for nobody.
    for m in treated[:12] + holdout[:1]:
        await paid_order(ctx, m, days_ago=2, lines=[(products["milk"], 10000)])
    await paid_order(ctx, treated[20], days_ago=30, lines=[(products["milk"], 10000)])
    response = await client.get(f"{CAMPAIGNS}/{cid}/results", headers=headers)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["groups"] == [
        {"group": "treated", "shoppers": 40, "ordering": 12, "orders": 12, "revenue": 120000,
         "ordering_rate": 0.3},
        {"group": "holdout", "shoppers": 10, "ordering": 1, "orders": 1, "revenue": 10000,
         "ordering_rate": 0.1},
    ]  # fmt: skip
    var_t = (12 - 40 * 0.3**2) / 39
    var_h = (1 - 10 * 0.1**2) / 9
    margin = 1.959963984540054 * math.sqrt(var_t / 40 + var_h / 10) * 40
    orders = out["incremental_orders"]
    assert orders["value"] == pytest.approx(8.0)
    assert orders["ci_low"] == pytest.approx(8.0 - margin)
    assert orders["ci_high"] == pytest.approx(8.0 + margin)
    revenue = out["incremental_revenue"]
    assert revenue["value"] == pytest.approx(80000.0)
    assert revenue["ci_low"] == pytest.approx(80000.0 - margin * 10000)


async def test_twenty_workers_touch_each_shopper_once(
    backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    members = list(range(301, 361))
    await dormant(ctx, members)
    campaign = await create(client, headers, coupon_template_id=template)
    await start(client, headers, campaign["id"])
    at = noon()
    reports = await asyncio.gather(*(running.run(ctx, campaign["id"], now=at) for _ in range(24)))
    assert sum(r.materialised for r in reports) == 60
    rows = await touches(ctx, campaign["id"])
    treated = {r.member_id for r in rows if r.grp == "treated"}
    assert sum(r.touched for r in reports) == len(treated)
    assert {r.status for r in rows if r.grp == "treated"} == {"done"}
    assert await coupons_by_member(ctx, template) == dict.fromkeys(treated, 1)


async def test_campaigns_racing_for_one_shopper_touch_them_once(
    backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    headers = await staff(client, ctx)
    template = await coupon(client, headers)
    members = list(range(401, 431))
    await dormant(ctx, members)
    ids = []
    for _ in range(2):
        c = await create(client, headers, coupon_template_id=template, holdout_percent=0)
        await start(client, headers, c["id"])
        ids.append(c["id"])
    at = noon()
    await asyncio.gather(*(running.run(ctx, ids[i % 2], now=at) for i in range(22)))
    rows = await touches(ctx)
    done = [r.member_id for r in rows if r.status == "done"]
    assert sorted(done) == members  # each shopper touched by exactly one of the two
    assert {r.status for r in rows if r.status != "done"} <= {"capped"}
    assert await coupons_by_member(ctx, template) == dict.fromkeys(members, 1)
