"""KOL discovery: the graph analysis on a known graph (pure), then on both databases a shop's
real social rows (share visits and conversions, a promoter binding, a group seat, a bargain cut)
analysed from the console, listed, drawn, and its KOLs invited as promoters and as seed users of
a campaign with a coupon; every refusal with its code and nothing written; 401/403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.social.bargain.models import Bargain, BargainCut
from shoplet.modules.social.distribution.models import Binding, Promoter
from shoplet.modules.social.kol.graph import Conversion, analyse
from shoplet.modules.social.sharing.models import ShareConversion, ShareLink, ShareVisit
from tests.conftest import snapshot
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import Shopper, one_sku
from tests.modules.promotions.factories import make_template
from tests.modules.social.bargain_factories import make_campaign
from tests.modules.social.dist_factories import enable, promoter_row
from tests.modules.staff.conftest import bearer, token_for

KOLS = "/api/v1/console/social/kols"
KOL_TABLES = ("social_kol_run", "social_kol_score", "social_kol_invite", "social_dist_promoter")


def test_the_analysis_of_a_known_graph() -> None:
    # 1 brought 2..6; 2 brought 7, 8, 9; 10 brought 11 (apart); a self-loop and a repeat.
    edges = [(1, n) for n in range(2, 7)] + [(2, 7), (2, 8), (2, 9), (10, 11), (3, 3), (1, 2)]
    result = analyse(edges, {1: Conversion(3, 29_700), 2: Conversion(1, 5_000)})
    assert (result.nodes, result.edges) == (11, 9)
    by_member = {s.member_id: s for s in result.scores}
    assert [s.member_id for s in result.scores] == [1, 2, 10]  # sharers only, best first
    assert [s.rank for s in result.scores] == [1, 2, 3]
    one, two, ten = by_member[1], by_member[2], by_member[10]
    assert (one.brought, one.reach_2, one.converted, one.revenue) == (5, 8, 3, 29_700)
    assert (two.brought, two.reach_2, two.converted, two.revenue) == (3, 3, 1, 5_000)
    assert (ten.brought, ten.reach_2, ten.converted) == (1, 1, 0)
    assert one.pagerank > two.pagerank > ten.pagerank
    # The two components never share a community; the largest community is number 0.
    assert ten.community != one.community
    assert min(s.community for s in result.scores) == 0
    assert result.communities >= 2
    # The same graph gives the same answer (Leiden is seeded).
    assert analyse(edges, {}).scores[0].community == analyse(edges, {}).scores[0].community
    assert analyse([], {}).scores == []


async def _graph(ctx: AppContext, shoppers: list[Shopper]) -> None:
    """Alice (0) shared a link that Bob, Carol and Dave (1-3) opened signed in, and Bob and
    Carol paid; Bob shared too, Erin (4) opened his link; Alice is a promoter Frank (5) is bound
    to; Grace (6) helped Carol's bargain."""
    ids = [s.member_id for s in shoppers]
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        links = {}
        for sharer, code in ((ids[0], "kolAlice01"), (ids[1], "kolBob0001")):
            link = ShareLink(
                code=code,
                sharer_member_id=sharer,
                target_kind="product",
                target_ref="1",
                visits=0,
                orders=0,
                order_amount=0,
                created_at=now,
                updated_at=now,
            )
            s.add(link)
            await s.flush()
            links[sharer] = link.id
        for sharer, visitor in ((0, 1), (0, 2), (0, 3), (1, 4)):
            s.add(
                ShareVisit(
                    link_id=links[ids[sharer]],
                    visitor_key=f"m:{ids[visitor]}",
                    visitor_member_id=ids[visitor],
                    created_at=now,
                )
            )
        for n, (visitor, amount) in enumerate(((1, 12_900), (2, 5_900))):
            s.add(
                ShareConversion(
                    order_no=f"KOL{n}",
                    link_id=links[ids[0]],
                    sharer_member_id=ids[0],
                    visitor_member_id=ids[visitor],
                    amount=amount,
                    created_at=now,
                )
            )
        promoter = Promoter(
            member_id=ids[0],
            code="KOLALICE",
            status="pending",
            available=0,
            withdrawn=0,
            applied_at=now,
            created_at=now,
            updated_at=now,
        )
        s.add(promoter)
        await s.flush()
        s.add(Binding(member_id=ids[5], promoter_id=promoter.id, bound_at=now, expires_at=None))
        bargain = Bargain(
            share_id="kolbargain01",
            campaign_id=1,
            member_id=ids[2],
            sku_id=1,
            start_price=5900,
            floor_price=1900,
            current_price=5800,
            helpers_needed=5,
            new_user_bonus_pct=100,
            helpers=1,
            seed=1,
            status="open",
            expires_at=now + timedelta(hours=1),
            created_at=now,
            updated_at=now,
        )
        s.add(bargain)
        await s.flush()
        s.add(
            BargainCut(
                bargain_id=bargain.id,
                campaign_id=1,
                helper_member_id=ids[6],
                amount=100,
                is_new_member=False,
                ip="10.0.0.7",
                device_id=None,
                created_at=now,
            )
        )


async def test_kols_are_found_listed_drawn_and_invited(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shoppers = await make_buyers(ctx, 8)
    ids = [s.member_id for s in shoppers]
    await _graph(ctx, shoppers)

    empty = (await client.get(KOLS, headers=staff)).json()
    assert empty == {"run": None, "items": [], "next_cursor": None}

    run = (await client.post(f"{KOLS}/runs", headers=staff)).json()
    assert (run["nodes"], run["edges"], run["window_days"]) == (7, 6, 90)
    assert run["triggered_by"].startswith("staff:")

    page = (await client.get(KOLS, params={"limit": 2}, headers=staff)).json()
    first = page["items"][0]
    assert first["member_id"] == ids[0]
    assert (first["rank"], first["brought"], first["reach_2"]) == (1, 4, 6)
    assert (first["converted"], first["revenue"]) == (2, 18_800)
    assert first["conversion_rate"] == pytest.approx(0.5)
    assert first["nickname"] == "买家0"
    assert first["is_promoter"] is False  # pending, not active
    rest = (await client.get(KOLS, params={"cursor": page["next_cursor"]}, headers=staff)).json()
    assert {r["member_id"] for r in page["items"] + rest["items"]} == {ids[0], ids[1], ids[2]}
    assert rest["next_cursor"] is None

    drawn = (await client.get(f"{KOLS}/graph", params={"top": 1}, headers=staff)).json()
    assert {n["id"] for n in drawn["nodes"]} == {ids[0], ids[1], ids[2], ids[3], ids[5]}
    assert {(link["source"], link["target"]) for link in drawn["links"]} == {
        (ids[0], ids[n]) for n in (1, 2, 3, 5)
    }
    assert next(n for n in drawn["nodes"] if n["id"] == ids[0])["rank"] == 1

    # Invite Alice as a promoter: her pending application is approved; twice is reported.
    await enable(client, staff)
    body: dict[str, Any] = {"member_ids": [ids[0]], "kind": "promoter"}
    report = (await client.post(f"{KOLS}/invitations", json=body, headers=staff)).json()
    assert report["items"] == [{"member_id": ids[0], "outcome": "invited"}]
    assert (await promoter_row(ctx, ids[0])).status == "active"
    again = (await client.post(f"{KOLS}/invitations", json=body, headers=staff)).json()
    assert again["items"] == [{"member_id": ids[0], "outcome": "already_promoter"}]

    # Seed users of a bargain campaign, each with a coupon.
    campaign = await make_campaign(client, staff, await one_sku(ctx, price=5900, stock=5))
    template = await make_template(client, staff)
    body = {
        "member_ids": [ids[1], ids[2]],
        "kind": "campaign",
        "play": "bargain",
        "campaign_id": campaign["id"],
        "coupon_template_id": template["id"],
    }
    report = (await client.post(f"{KOLS}/invitations", json=body, headers=staff)).json()
    assert (report["invited"], report["coupons_issued"]) == (2, 2)
    wallet = await client.get("/api/v1/me/coupons", headers=shoppers[1].headers)
    assert template["id"] in {c["template_id"] for c in wallet.json()["items"]}
    again = (await client.post(f"{KOLS}/invitations", json=body, headers=staff)).json()
    assert (again["invited"], again["coupons_issued"]) == (0, 0)

    listed = (
        await client.get(f"{KOLS}/invitations", params={"member_id": ids[1]}, headers=staff)
    ).json()["items"]
    assert [(i["kind"], i["play"], i["campaign_title"], i["coupon_issued"]) for i in listed] == [
        ("campaign", "bargain", campaign["title"], True)
    ]


async def test_bad_invitations_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    [alice] = await make_buyers(ctx, 1)
    before = await snapshot(ctx, *KOL_TABLES)
    for body, status, code in [
        ({"member_ids": [alice.member_id], "kind": "campaign"}, 400, "social.kol_invalid_invite"),
        (
            {"member_ids": [alice.member_id], "kind": "promoter", "play": "bargain"},
            400,
            "social.kol_invalid_invite",
        ),
        (
            {"member_ids": [alice.member_id, alice.member_id], "kind": "promoter"},
            400,
            "social.kol_invalid_invite",
        ),
        ({"member_ids": [9_999_999], "kind": "promoter"}, 400, "social.kol_invalid_invite"),
        (
            {
                "member_ids": [alice.member_id],
                "kind": "campaign",
                "play": "groupbuy",
                "campaign_id": 9_999_999,
            },
            404,
            "social.kol_campaign_not_found",
        ),
        # Distribution is off in this shop: nobody can be made a promoter.
        (
            {"member_ids": [alice.member_id], "kind": "promoter"},
            409,
            "social.distribution_disabled",
        ),
        ({"member_ids": [], "kind": "promoter"}, 422, None),
        ({"member_ids": [alice.member_id], "kind": "vip"}, 422, None),
    ]:
        response = await client.post(f"{KOLS}/invitations", json=body, headers=staff)
        assert response.status_code == status, (body, response.text)
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx, *KOL_TABLES) == before

    support = bearer(await token_for(client, ctx, "kol-support", role="support"))
    assert (await client.get(KOLS)).status_code == 401
    assert (await client.get(KOLS, headers=support)).status_code == 403
    assert (await client.post(f"{KOLS}/runs", headers=support)).status_code == 403
    assert await snapshot(ctx, *KOL_TABLES) == before
