"""Sharing through the API on both databases: links made once per sharer and target, scenes
resolved with the visit counted once per visitor and attributed to the first sharer, orders
converted, posters with a code that scans, the console's 分享统计, and every refusal changing
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import OutboxEvent, drain_outbox
from shoplet.core.storage import get_storage
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator, code_content
from shoplet.modules.social import public as social
from shoplet.modules.social.sharing import service as sharing
from shoplet.modules.social.sharing.models import (
    ShareAttribution,
    ShareConversion,
    ShareLink,
    ShareVisit,
)
from tests.conftest import snapshot
from tests.integrations.qr import decode_qr
from tests.modules.orders.factories import Shopper, pay, placed, product, shopper

LINKS = "/api/v1/share/links"
POSTERS = "/api/v1/share/posters"
SHARE = "/api/v1/share"
STATS = "/api/v1/console/share/stats"
SHARE_TABLES = (
    "social_share_link",
    "social_share_visit",
    "social_share_attribution",
    "social_share_conversion",
    "core_outbox_event",
)


def wx_simulator(app: FastAPI) -> WxacodeSimulator:
    integrations: Integrations = app.state.integrations
    assert integrations.wxacode_simulator is not None
    return integrations.wxacode_simulator


async def share(
    client: httpx.AsyncClient, who: Shopper, kind: str, ref: str | int
) -> dict[str, Any]:
    response = await client.post(
        LINKS, json={"target_kind": kind, "target_ref": str(ref)}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def visit(
    client: httpx.AsyncClient,
    code: str,
    who: Shopper | None = None,
    *,
    device: str | None = None,
) -> dict[str, Any]:
    headers = dict(who.headers) if who else {}
    if device:
        headers["X-Shoplet-Visitor"] = device
    response = await client.get(f"{SHARE}/{code}", headers=headers)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    body: dict[str, Any] = response.json()
    return body


async def link_row(ctx: AppContext, code: str) -> ShareLink:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(ShareLink).where(ShareLink.code == code))
    assert row is not None
    return row


async def events_of(ctx: AppContext, type_: str) -> list[dict[str, Any]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_))
        return [dict(r.payload) for r in rows]


async def test_a_link_is_made_once_per_sharer_and_target(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")

    first = await share(client, alice, "product", product_id)
    again = await share(client, alice, "product", product_id)
    other = await share(client, bob, "product", product_id)

    assert first == again
    assert other["code"] != first["code"]
    assert len(first["code"]) == 10
    assert first["code"].isalnum()
    assert first["mp_path"] == f"pkg-social/share/index?scene={first['code']}"
    assert first["h5_path"] == f"/pkg-social/share/index?scene={first['code']}"
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ShareLink)) == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"target_kind": "product", "target_ref": "999999"}, 404, "social.share_target_not_found"),
        ({"target_kind": "product", "target_ref": "abc"}, 404, "social.share_target_not_found"),
        (
            {"target_kind": "group", "target_ref": "nosuchgroup"},
            404,
            "social.share_target_not_found",
        ),
        ({"target_kind": "campaign", "target_ref": "42"}, 404, "social.share_target_not_found"),
        ({"target_kind": "shop", "target_ref": "1"}, 422, "request.invalid"),
        ({"target_kind": "product", "target_ref": "1/2"}, 422, "request.invalid"),
        ({"target_kind": "product", "target_ref": "x" * 33}, 422, "request.invalid"),
        ({"target_kind": "product", "target_ref": 1}, 422, "request.invalid"),
    ],
)
async def test_bad_share_requests_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any], status: int, code: str
) -> None:
    alice = await shopper(client, "alice")
    before = await snapshot(ctx)

    for path in (LINKS, POSTERS):
        response = await client.post(path, json=body, headers=alice.headers)
        assert response.status_code == status, response.text
        assert response.json()["code"] == code

    response = await client.post(LINKS, json={"target_kind": "product", "target_ref": "1"})
    assert response.status_code == 401
    assert await snapshot(ctx) == before


async def test_a_scene_leads_to_its_target_and_counts_each_visitor_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    code = (await share(client, alice, "product", product_id))["code"]

    first = await visit(client, code, bob)
    again = await visit(client, code, bob)
    guest = await visit(client, code, device="device-0001")
    await visit(client, code, device="device-0001")
    anonymous = await visit(client, code)
    own = await visit(client, code, alice)

    assert first == {
        "code": code,
        "target_kind": "product",
        "target_ref": str(product_id),
        "path": f"/pages/product/detail?id={product_id}",
        "sharer_name": "微***",  # WeChat sign-up nickname 微信用户, masked
        "recorded": True,
        "first_touch": True,
    }
    assert (again["recorded"], again["first_touch"]) == (False, False)
    assert (guest["recorded"], guest["first_touch"]) == (True, False)
    assert anonymous["recorded"] is False
    assert own["recorded"] is False
    assert (await link_row(ctx, code)).visits == 2
    visited = await events_of(ctx, social.SHARE_VISITED)
    assert sorted((e["visitor_key"], e["first_touch"]) for e in visited) == [
        ("a:device-0001", False),
        (f"m:{bob.member_id}", True),
    ]
    assert all(e["sharer_member_id"] == alice.member_id for e in visited)


async def test_the_first_sharer_keeps_the_visitor_within_the_window(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    alice, dave, bob = [await shopper(client, n) for n in ("alice", "dave", "bob")]
    by_alice = (await share(client, alice, "product", product_id))["code"]
    by_dave = (await share(client, dave, "product", product_id))["code"]

    assert (await visit(client, by_alice, bob))["first_touch"] is True
    late = await visit(client, by_dave, bob)
    assert (late["recorded"], late["first_touch"]) == (True, False)
    async with ctx.sessionmaker() as s:
        attribution = await s.get(ShareAttribution, bob.member_id)
    assert attribution is not None
    assert attribution.sharer_member_id == alice.member_id

    # Once the window has passed, the next sharer's link brings the shopper anew.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(ShareAttribution).values(attributed_at=utcnow() - timedelta(days=8)))
    again = await visit(client, by_dave, bob)
    assert (again["recorded"], again["first_touch"]) == (False, True)
    async with ctx.sessionmaker() as s:
        attribution = await s.get(ShareAttribution, bob.member_id, populate_existing=True)
    assert attribution is not None
    assert attribution.sharer_member_id == dave.member_id


async def test_a_guest_who_signs_in_keeps_the_sharer_who_brought_them(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """A guest opens Alice's link, then Dave's, then signs in: both visits become theirs, the
    earlier (Alice's) brings them, dated when they came; a second claim changes nothing; the
    sharer's own link is never claimed; a request without a device id claims nothing."""
    product_id, _ = await product(ctx, (5900, 10))
    alice, dave = [await shopper(client, n) for n in ("alice", "dave")]
    by_alice = (await share(client, alice, "product", product_id))["code"]
    by_dave = (await share(client, dave, "product", product_id))["code"]
    device = "guestDevice0001"
    assert (await visit(client, by_alice, device=device))["recorded"] is True
    assert (await visit(client, by_dave, device=device))["recorded"] is True
    async with unit_of_work(ctx.sessionmaker) as s:  # Alice's visit was two days ago
        await s.execute(
            update(ShareVisit)
            .where(ShareVisit.link_id == (await link_row(ctx, by_alice)).id)
            .values(created_at=utcnow() - timedelta(days=2))
        )
    erin = await shopper(client, "erin")
    claim = f"{SHARE}/visits/claim"

    assert (await client.post(claim, headers=erin.headers)).json() == {
        "claimed": 0,
        "first_touch": False,
    }
    headers = {**erin.headers, "X-Shoplet-Visitor": device}
    assert (await client.post(claim, headers=headers)).json() == {
        "claimed": 2,
        "first_touch": True,
    }
    async with ctx.sessionmaker() as s:
        attribution = await s.get(ShareAttribution, erin.member_id)
    assert attribution is not None
    assert attribution.sharer_member_id == alice.member_id
    assert utcnow() - attribution.attributed_at > timedelta(days=1)
    before = await snapshot(ctx, *SHARE_TABLES)
    assert (await client.post(claim, headers=headers)).json() == {
        "claimed": 0,
        "first_touch": False,
    }
    assert await snapshot(ctx, *SHARE_TABLES) == before
    # A sharer who opened her own link as a guest does not bring herself.
    assert (await visit(client, by_alice, device="aliceTablet01"))["recorded"] is True
    own = {**alice.headers, "X-Shoplet-Visitor": "aliceTablet01"}
    assert (await client.post(claim, headers=own)).json()["claimed"] == 0
    async with ctx.sessionmaker() as s:
        assert await s.get(ShareAttribution, alice.member_id) is None
    assert (await client.post(claim, headers={"X-Shoplet-Visitor": device})).status_code == 401


@pytest.mark.parametrize(
    ("scene", "status", "code"),
    [
        ("%E4%B8%AD%E6%96%87", 400, "social.share_invalid_scene"),
        ("x" * 33, 400, "social.share_invalid_scene"),
        ("a%20b", 400, "social.share_invalid_scene"),
        ("ZZZZZZZZZZ", 404, "social.share_not_found"),
    ],
)
async def test_bad_scenes_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext, scene: str, status: int, code: str
) -> None:
    bob = await shopper(client, "bob")
    before = await snapshot(ctx)

    response = await client.get(f"{SHARE}/{scene}", headers=bob.headers)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_an_attributed_visitors_paid_order_converts_the_link_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 10))
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    carol = await shopper(client, "carol")
    code = (await share(client, alice, "product", product_id))["code"]
    await visit(client, code, bob)

    order = await placed(client, bob, [(sku_id, 2)])
    await pay(client, ctx, bob, order["order_no"])
    unrelated = await placed(client, carol, [(sku_id, 1)])
    await pay(client, ctx, carol, unrelated["order_no"])
    await drain_outbox(ctx)

    link = await link_row(ctx, code)
    assert (link.orders, link.order_amount) == (1, order["payable_total"])
    [converted] = await events_of(ctx, social.SHARE_CONVERTED)
    assert converted["order_no"] == order["order_no"]
    assert (converted["sharer_member_id"], converted["visitor_member_id"]) == (
        alice.member_id,
        bob.member_id,
    )

    # The same news again (a redelivery) counts nothing more.
    async with unit_of_work(ctx.sessionmaker) as s:
        await sharing.handle_order_paid(
            s,
            {
                "order_no": order["order_no"],
                "member_id": bob.member_id,
                "payable_total": order["payable_total"],
                "paid_at": utcnow().isoformat(),
            },
        )
    link = await link_row(ctx, code)
    assert (link.orders, link.order_amount) == (1, order["payable_total"])

    # Past the window, an order is the shopper's own.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(ShareAttribution).values(attributed_at=utcnow() - timedelta(days=8)))
    later = await placed(client, bob, [(sku_id, 1)])
    await pay(client, ctx, bob, later["order_no"])
    await drain_outbox(ctx)
    assert (await link_row(ctx, code)).orders == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(ShareConversion)) == 1


async def _poster(http: httpx.AsyncClient, who: Shopper, **body: Any) -> httpx.Response:
    return await http.post(POSTERS, json=body, headers=who.headers)


async def _poster_png(ctx: AppContext, url: str) -> bytes:
    assert url.startswith("/media/social/posters/")
    return await get_storage(ctx, "media").read(url.removeprefix("/media/"))


async def test_a_mini_program_poster_carries_a_code_that_scans_to_its_scene(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10), title="纯棉圆领短袖T恤 夏季新款 男女同款宽松")
    alice = await shopper(client, "alice")

    response = await _poster(client, alice, target_kind="product", target_ref=str(product_id))

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["width"], body["height"], body["client"]) == (750, 1200, "mp")
    png = await _poster_png(ctx, body["url"])
    assert png.startswith(b"\x89PNG")
    assert decode_qr(png) == [
        code_content(ctx.settings.wechat_appid, sharing.SHARE_PAGE, body["code"])
    ]
    assert wx_simulator(app).codes == [(body["code"], sharing.SHARE_PAGE, sharing.CODE_WIDTH)]

    # Drawn once: the same poster again is the stored one, with no call to WeChat.
    again = await _poster(client, alice, target_kind="product", target_ref=str(product_id))
    assert again.json() == body
    assert len(wx_simulator(app).codes) == 1


async def test_an_h5_poster_carries_a_qr_code_of_the_short_link(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    alice = await shopper(client, "alice")

    response = await _poster(
        client, alice, target_kind="product", target_ref=str(product_id), client="h5"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    [text] = decode_qr(await _poster_png(ctx, body["url"]))
    assert text == f"http://shoplet.test/pkg-social/share/index?scene={body['code']}"
    assert parse_qs(urlsplit(text).query)["scene"] == [body["code"]]
    assert wx_simulator(app).codes == []


async def test_wechats_refusals_are_shoplet_problems_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, _ = await product(ctx, (5900, 10))
    alice = await shopper(client, "alice")
    await share(client, alice, "product", product_id)
    simulator = wx_simulator(app)
    before = await snapshot(ctx)

    simulator.daily_quota = 0
    response = await _poster(client, alice, target_kind="product", target_ref=str(product_id))
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "social.share_quota_exceeded"
    assert response.headers["retry-after"] == "3600"

    simulator.daily_quota = 100
    simulator.pages = frozenset({"pages/index/index"})
    response = await _poster(client, alice, target_kind="product", target_ref=str(product_id))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "social.share_invalid_page"
    assert await snapshot(ctx) == before


async def test_share_stats_per_sharer_and_target(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 10), title="分享的商品")
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    code = (await share(client, alice, "product", product_id))["code"]
    await share(client, bob, "product", product_id)
    await visit(client, code, bob)
    await visit(client, code, carol)
    order = await placed(client, bob, [(sku_id, 1)])
    await pay(client, ctx, bob, order["order_no"])
    await drain_outbox(ctx)

    response = await client.get(STATS, headers=staff)

    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["totals"] == {
        "links": 2,
        "sharers": 2,
        "visits": 2,
        "orders": 1,
        "order_amount": order["payable_total"],
    }
    assert [(s["sharer_member_id"], s["visits"], s["orders"]) for s in stats["top_sharers"]] == [
        (alice.member_id, 2, 1),
        (bob.member_id, 0, 0),
    ]
    assert stats["top_targets"] == [
        {
            "target_kind": "product",
            "target_ref": str(product_id),
            "title": "分享的商品",
            "links": 2,
            "visits": 2,
            "orders": 1,
            "order_amount": order["payable_total"],
        }
    ]
    assert (await client.get(STATS, params={"days": 0}, headers=staff)).status_code == 422
    assert (await client.get(STATS)).status_code == 401
