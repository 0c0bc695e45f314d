"""Profiles, tags and segments through the console (SQLite and PostgreSQL): a profile's exact
figures from orders, recomputed on ``order.paid``; rule tags decided by jobs and re-decided when
edited; manual tags; segments' live counts, members (phones masked) and coupons issued once per
member; refused definitions write nothing; who may do what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.analytics import public as analytics
from shoplet.modules.analytics import tasks
from shoplet.modules.analytics.profiles import service as profile_service
from shoplet.modules.analytics.profiles import tasks as profile_tasks
from shoplet.modules.members.models import Member
from shoplet.modules.promotions.models import Coupon
from tests.conftest import snapshot
from tests.modules.analytics.profile_factories import catalog_products, paid_order
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import one_sku, pay, placed, shopper
from tests.modules.promotions.factories import make_template
from tests.modules.staff.conftest import bearer, token_for

BASE = "/api/v1/console/analytics"
TABLES = (
    "analytics_tag",
    "analytics_member_tag",
    "analytics_segment",
    "analytics_profile_job",
    "analytics_segment_coupon",
)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "profile-operator"))


async def _job(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], kind: str = "profiles"
) -> dict[str, Any]:
    queued = await client.post(f"{BASE}/profiles/jobs", params={"kind": kind}, headers=staff)
    assert queued.status_code == 202, queued.text
    await profile_tasks.work_profile_jobs(ctx)
    done = (await client.get(f"{BASE}/profiles/jobs/{queued.json()['id']}", headers=staff)).json()
    assert done["status"] == "done", done
    return dict(done)


async def _tags(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {t["code"]: t for t in (await client.get(f"{BASE}/tags", headers=staff)).json()}


async def test_a_profile_from_orders(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    products = await catalog_products(ctx)
    [alice, bob] = await make_buyers(ctx, 2)
    m = alice.member_id
    await paid_order(ctx, m, days_ago=120, lines=[(products["shirt"], 20000)], region="310115")
    await paid_order(ctx, m, days_ago=30, lines=[(products["milk"], 50000)], discount=1000)
    await paid_order(ctx, m, days_ago=3, lines=[(products["milk"], 9000)], refunded=4000)
    await paid_order(ctx, m, days_ago=1, lines=[(products["shirt"], 7000)], refunded=7000)
    await paid_order(ctx, bob.member_id, days_ago=2, lines=[(products["shirt"], 100)])
    queued = await client.post(f"{BASE}/rfm/runs", headers=staff)
    assert queued.status_code == 202
    await tasks.work_rfm_runs(ctx)

    job = await _job(client, ctx, staff)
    assert (job["progress"], job["total"], job["result"]) == (2, 2, {"members": 2})

    body = (await client.get(f"{BASE}/profiles/{m}", headers=staff)).json()
    profile = body["profile"]
    assert {
        k: profile[k]
        for k in (
            "order_count",
            "orders_90d",
            "spend",
            "spend_90d",
            "aov",
            "favourite_categories",
            "categories",
            "price_sensitivity",
            "coupon_count",
            "region_code",
            "nickname",
        )
    } == {
        "order_count": 3,
        "orders_90d": 2,
        "spend": 20000 + 50000 + 5000,
        "spend_90d": 55000,
        "aov": 25000,
        "favourite_categories": ["母婴", "服饰"],
        "categories": ["奶粉", "服饰", "母婴"],
        "price_sensitivity": 333,
        "coupon_count": 0,
        "region_code": "440305",  # the default address wins over the orders' districts
        "nickname": "买家0",
    }
    assert profile["rfm_class"] is not None
    assert [t["code"] for t in body["tags"]] == [f"rfm_{profile['rfm_class']}"]
    orders = [i for i in body["timeline"] if i["kind"] == "order"]
    assert [i["amount"] for i in orders] == [0, 5000, 50000, 20000]  # newest first

    missing = await client.get(f"{BASE}/profiles/999999", headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "analytics.profile_not_found")


async def test_order_paid_updates_the_profile(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    sku_id = await one_sku(ctx, price=5900)
    order = await placed(client, alice, [(sku_id, 2)])
    await pay(client, ctx, alice, order["order_no"])
    profile = (await client.get(f"{BASE}/profiles/{alice.member_id}", headers=staff)).json()
    assert (profile["profile"]["order_count"], profile["profile"]["spend"]) == (
        1,
        order["payable_total"],
    )
    again = await placed(client, alice, [(sku_id, 1)])
    await pay(client, ctx, alice, again["order_no"])
    profile = (await client.get(f"{BASE}/profiles/{alice.member_id}", headers=staff)).json()
    assert profile["profile"]["order_count"] == 2


async def test_rule_tags_follow_their_rule(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    products = await catalog_products(ctx)
    buyers = await make_buyers(ctx, 3)
    for b, fen in zip(buyers, (150000, 60000, 5000), strict=True):
        await paid_order(ctx, b.member_id, days_ago=10, lines=[(products["milk"], fen)])
    await _job(client, ctx, staff)
    rule = {
        "all": [
            {"field": "spend_90d", "op": "gte", "value": 100000},
            {"field": "categories", "op": "contains", "value": "母婴"},
        ]
    }
    preview = await client.post(
        f"{BASE}/segments/preview", json={"condition": rule, "kind": "rule"}, headers=staff
    )
    assert preview.json() == {"members": 1, "sample": [buyers[0].member_id]}
    created = await client.post(
        f"{BASE}/tags",
        json={"code": "big_mum", "name": "母婴大客", "kind": "rule", "condition": rule},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    tag_id = created.json()["id"]
    await profile_tasks.work_profile_jobs(ctx)
    assert (await _tags(client, staff))["big_mum"]["members"] == 1

    rule["all"][0]["value"] = 50000
    edited = await client.patch(f"{BASE}/tags/{tag_id}", json={"condition": rule}, headers=staff)
    assert edited.status_code == 200, edited.text
    await profile_tasks.work_profile_jobs(ctx)
    assert (await _tags(client, staff))["big_mum"]["members"] == 2

    # A new order lifts the third buyer over the line at once (order.paid's path).
    await paid_order(ctx, buyers[2].member_id, days_ago=1, lines=[(products["milk"], 50000)])
    async with unit_of_work(ctx.sessionmaker) as s:
        await profile_service.on_order_event(s, buyers[2].member_id)
    assert (await _tags(client, staff))["big_mum"]["members"] == 3


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            {
                "code": "bad",
                "name": "坏",
                "kind": "rule",
                "condition": {"field": "x", "op": "eq", "value": 1},
            },
            "field",
        ),
        (
            {
                "code": "bad",
                "name": "坏",
                "kind": "rule",
                "condition": {"field": "spend", "op": "gte", "value": "1"},
            },
            "value",
        ),
        (
            {"code": "bad", "name": "坏", "kind": "rule", "condition": {"any": [{"tag": "vip"}]}},
            "any[0].tag",
        ),
        ({"code": "bad", "name": "坏", "kind": "rule"}, "condition"),
        ({"code": "bad", "name": "坏", "kind": "manual", "condition": {"tag": "x"}}, "condition"),
    ],
)
async def test_bad_tags_change_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    path: str,
) -> None:
    before = await snapshot(ctx, *TABLES)
    response = await client.post(f"{BASE}/tags", json=body, headers=staff)
    assert response.status_code == 400, response.text
    assert (response.json()["code"], response.json()["path"]) == (
        "analytics.condition_invalid",
        path,
    )
    assert await snapshot(ctx, *TABLES) == before


async def test_bad_edits_and_segments_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    created = await client.post(
        f"{BASE}/tags",
        json={
            "code": "big",
            "name": "大客",
            "kind": "rule",
            "condition": {"field": "spend", "op": "gte", "value": 1},
        },
        headers=staff,
    )
    await profile_tasks.work_profile_jobs(ctx)
    before = await snapshot(ctx, *TABLES)
    edit = await client.patch(
        f"{BASE}/tags/{created.json()['id']}",
        json={"condition": {"all": [{"field": "spend", "op": "between", "value": 1}]}},
        headers=staff,
    )
    assert (edit.status_code, edit.json()["code"], edit.json()["path"]) == (
        400,
        "analytics.condition_invalid",
        "all[0].op",
    )
    segment = await client.post(
        f"{BASE}/segments", json={"name": "人群", "definition": {"tag": "nope"}}, headers=staff
    )
    assert (segment.status_code, segment.json()["code"]) == (400, "analytics.condition_invalid")
    rfm_tag = await client.patch(f"{BASE}/tags/999999", json={"name": "x"}, headers=staff)
    assert (rfm_tag.status_code, rfm_tag.json()["code"]) == (404, "analytics.tag_not_found")
    assert await snapshot(ctx, *TABLES) == before


async def test_manual_tags_segments_and_coupons(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    products = await catalog_products(ctx)
    buyers = await make_buyers(ctx, 4)
    ids = [b.member_id for b in buyers]
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Member)
            .where(Member.id == ids[0])
            .values(phone_encrypted=ctx.pii.encrypt("13812340000"))
        )
    for b, fen in zip(buyers, (90000, 50000, 20000, 1000), strict=True):
        await paid_order(ctx, b.member_id, days_ago=5, lines=[(products["shirt"], fen)])
    await _job(client, ctx, staff)
    manual = await client.post(
        f"{BASE}/tags", json={"code": "vip", "name": "VIP", "kind": "manual"}, headers=staff
    )
    vip = manual.json()["id"]
    added = await client.post(
        f"{BASE}/tags/{vip}/members", json={"member_ids": ids[2:]}, headers=staff
    )
    assert added.json() == {"changed": 2}
    again = await client.post(
        f"{BASE}/tags/{vip}/members", json={"member_ids": ids[2:]}, headers=staff
    )
    assert again.json() == {"changed": 0}
    unknown = await client.post(
        f"{BASE}/tags/{vip}/members", json={"member_ids": [999999]}, headers=staff
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "analytics.member_not_found")

    definition = {
        "any": [
            {"field": "spend", "op": "gte", "value": 50000},
            {"all": [{"tag": "vip"}, {"field": "spend", "op": "lt", "value": 10000}]},
        ]
    }
    preview = await client.post(
        f"{BASE}/segments/preview", json={"condition": definition}, headers=staff
    )
    assert preview.json()["members"] == 3
    saved = await client.post(
        f"{BASE}/segments", json={"name": "高价值+VIP小额", "definition": definition}, headers=staff
    )
    assert saved.status_code == 201, saved.text
    segment = saved.json()
    assert segment["members"] == 3
    dup = await client.post(
        f"{BASE}/segments", json={"name": "高价值+VIP小额", "definition": definition}, headers=staff
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "analytics.segment_exists")

    first = await client.get(
        f"{BASE}/segments/{segment['id']}/members", params={"limit": 2}, headers=staff
    )
    page = first.json()
    assert [i["member_id"] for i in page["items"]] == [ids[0], ids[1]]
    assert [i["phone"] for i in page["items"]] == ["138****0000", None]
    rest = await client.get(
        f"{BASE}/segments/{segment['id']}/members",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=staff,
    )
    assert [i["member_id"] for i in rest.json()["items"]] == [ids[3]]
    assert rest.json()["next_cursor"] is None
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await analytics.segment_member_ids(s, segment["id"]) == [ids[0], ids[1], ids[3]]

    removed = await client.post(
        f"{BASE}/tags/{vip}/member-removals", json={"member_ids": [ids[3]]}, headers=staff
    )
    assert removed.json() == {"changed": 1}
    listed = (await client.get(f"{BASE}/segments", headers=staff)).json()
    assert [(s["name"], s["members"]) for s in listed] == [("高价值+VIP小额", 2)]

    template = await make_template(client, staff, total_quota=10, per_shopper_limit=3)
    url = f"{BASE}/segments/{segment['id']}/coupon-issues"
    issued = await client.post(url, json={"coupon_template_id": template["id"]}, headers=staff)
    assert issued.json() == {"members": 2, "issued": 2, "already": 0, "skipped": []}
    twice = await client.post(url, json={"coupon_template_id": template["id"]}, headers=staff)
    assert twice.json() == {"members": 2, "issued": 0, "already": 2, "skipped": []}
    async with unit_of_work(ctx.sessionmaker) as s:
        holders = (
            await s.execute(
                select(Coupon.member_id, func.count())
                .where(Coupon.template_id == template["id"])
                .group_by(Coupon.member_id)
            )
        ).all()
    assert sorted(holders) == [(ids[0], 1), (ids[1], 1)]


async def test_clusters_become_computed_tags(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    products = await catalog_products(ctx)
    buyers = await make_buyers(ctx, 12)
    for i, b in enumerate(buyers):
        if i < 6:  # recent big spenders, three orders each
            for d in (2, 5, 9):
                await paid_order(
                    ctx, b.member_id, days_ago=d + i * 0.1, lines=[(products["milk"], 80000)]
                )
        else:  # one small order long ago
            await paid_order(ctx, b.member_id, days_ago=300 + i, lines=[(products["shirt"], 2000)])
    await _job(client, ctx, staff)
    job = await _job(client, ctx, staff, kind="clusters")
    assert job["result"]["k"] >= 2
    body = (await client.get(f"{BASE}/clusters", headers=staff)).json()
    assert sum(c["size"] for c in body["clusters"]) == 12
    assert len(body["points"]) == 12
    tags = await _tags(client, staff)
    assert sum(t["members"] for c, t in tags.items() if c.startswith("cluster_")) == 12


async def test_who_may_do_what(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    before = await snapshot(ctx, *TABLES)
    for method, url, body in (
        ("GET", f"{BASE}/tags", None),
        ("POST", f"{BASE}/tags", {"code": "vip", "name": "VIP", "kind": "manual"}),
        ("POST", f"{BASE}/segments/preview", {"condition": {"tag": "vip"}}),
        ("GET", f"{BASE}/clusters", None),
    ):
        response = await client.request(method, url, json=body, headers=support)
        assert response.status_code == 403, (url, response.text)
    anonymous = await client.get(f"{BASE}/tags")
    assert anonymous.status_code == 401
    assert await snapshot(ctx, *TABLES) == before
