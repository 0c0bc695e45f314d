"""WeCom customer contact on both databases, against the in-repo WeCom simulator: 渠道活码
created from the console (and refused inputs changing nothing), customers added through them
attributed to the store and campaign by ``state`` and linked to members by unionid, callbacks
delivered twice or forged, the customer list and counts, and tags from a segment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wecom.simulator import WeComSimulator
from shoplet.modules.members.models import Member
from shoplet.modules.members.public import merge_members
from shoplet.modules.wecom.models import Contact
from shoplet.modules.wecom.public import link_members, make_state, parse_state
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import Console, console, make_store

CONSOLE = "/api/v1/console"
CALLBACK = "/api/v1/wecom/callback"
TABLES = ("wecom_contact", "wecom_contact_way", "staff_audit_log")
CORP_ID = "wwshopletsim000001"
AES_KEY = "Shoplet0WeCom0Callback0Key0For0The0Tests000"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "wecom_corp_id": CORP_ID,
        "wecom_secret": "wecom-sim-secret",
        "wecom_callback_token": "wecom-sim-token",
        "wecom_callback_aes_key": AES_KEY,
    }


def sim(app: FastAPI) -> WeComSimulator:
    found: WeComSimulator = app.state.wecom_simulator
    return found


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> Console:
    return await console(client, ctx, "olivia")


async def contacts(ctx: AppContext) -> list[Contact]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Contact).order_by(Contact.id))).all())


async def make_way(client: httpx.AsyncClient, staff: Console, **body: Any) -> dict[str, Any]:
    response = await client.post(f"{CONSOLE}/wecom/contact-ways", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def member_with_unionid(ctx: AppContext, unionid: str, nickname: str) -> int:
    async with unit_of_work(ctx.sessionmaker) as s:
        member = Member(nickname=nickname, wechat_unionid=unionid, created_at=utcnow())
        s.add(member)
        await s.flush()
        return member.id


def test_state_carries_store_and_campaign() -> None:
    assert make_state(12, "spring24") == "sp.s12.cspring24"
    assert make_state(None, "spring24") == "sp.cspring24"
    assert make_state(7, None) == "sp.s7"
    assert parse_state("sp.s12.cspring24") == (12, "spring24")
    assert parse_state("sp.s7") == (7, None)
    assert parse_state("sp.cspring24") == (None, "spring24")
    for other in ("", "sp", "sp.s0", "sp.sx", "from-a-poster", "sp.c" + "x" * 17):
        assert parse_state(other) == (None, None)


async def test_the_callback_url_check(app: FastAPI, client: httpx.AsyncClient) -> None:
    query = sim(app).url_check("1288432023552776189")
    answer = await client.get(CALLBACK, params=query)
    assert (answer.status_code, answer.text) == (200, "1288432023552776189")
    forged = await client.get(CALLBACK, params={**query, "msg_signature": "0" * 40})
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["code"] == "wecom.callback_invalid"


async def test_a_scan_is_a_customer_attributed_to_store_and_campaign(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    store_id = await make_store(client, staff)
    way = await make_way(
        client,
        staff,
        store_id=store_id,
        campaign="spring24",
        staff_userids=["zhangsan", "lisi"],
        remark="门店海报",
    )
    assert way["state"] == f"sp.s{store_id}.cspring24"
    assert way["store_name"] == "人民广场店"
    assert way["qr_code"].startswith("https://wework.qpic.cn/")
    issued = sim(app).ways[way["config_id"]]
    assert (issued["type"], issued["scene"], issued["user"]) == (2, 2, ["zhangsan", "lisi"])
    (entry,) = await audit_rows(ctx, "wecom.contact_way_create")
    assert entry.target == f"wecom_contact_way:{way['id']}"

    member_id = await member_with_unionid(ctx, "o6_union_linked", "小王")
    linked, answer = await sim(app).scan(way["config_id"], name="王先生", unionid="o6_union_linked")
    assert (answer.status_code, answer.text) == (200, "success")
    other, _ = await sim(app).scan(way["config_id"], name="路人甲")

    rows = await contacts(ctx)
    assert [(c.external_userid, c.staff_userid, c.name) for c in rows] == [
        (linked.external_userid, "zhangsan", "王先生"),
        (other.external_userid, "zhangsan", "路人甲"),
    ]
    first = rows[0]
    assert (first.store_id, first.campaign, first.state) == (
        store_id,
        "spring24",
        f"sp.s{store_id}.cspring24",
    )
    assert (first.unionid, first.member_id, first.deleted_at) == (
        "o6_union_linked",
        member_id,
        None,
    )
    assert (rows[1].unionid, rows[1].member_id) == (None, None)

    listed = await client.get(f"{CONSOLE}/wecom/contacts", headers=staff.headers)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["name"] for i in items] == ["路人甲", "王先生"]
    assert items[1]["member_nickname"] == "小王"
    assert items[1]["store_name"] == "人民广场店"
    assert items[1]["campaign"] == "spring24"

    deleted = await sim(app).delete(other)
    assert deleted.text == "success"
    stats = await client.get(f"{CONSOLE}/wecom/stats", headers=staff.headers)
    assert stats.json() == {
        "by_store": [{"key": str(store_id), "label": "人民广场店", "added": 2, "active": 1}],
        "by_campaign": [{"key": "spring24", "label": "spring24", "added": 2, "active": 1}],
        "by_staff": [{"key": "zhangsan", "label": "zhangsan", "added": 2, "active": 1}],
    }
    active = await client.get(
        f"{CONSOLE}/wecom/contacts", params={"active": "true"}, headers=staff.headers
    )
    assert [i["name"] for i in active.json()["items"]] == ["王先生"]


async def test_the_same_event_twice_is_one_row(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="poster", staff_userids=["wangwu"])
    wecom = sim(app)
    relation = wecom.relate(way["config_id"], name="小张")
    query, body = wecom.sealed(
        wecom.event("add_external_contact", relation, State=way["state"], WelcomeCode="w")
    )
    for _ in range(2):
        answer = await client.post(CALLBACK, params=query, content=body)
        assert (answer.status_code, answer.text) == (200, "success")
    (row,) = await contacts(ctx)
    assert (row.campaign, row.store_id, row.deleted_at) == ("poster", None, None)
    once = await snapshot(ctx, *TABLES)

    # The delete, twice; then the old add replayed: the customer stays deleted.
    query_del, body_del = wecom.sealed(wecom.event("del_follow_user", relation))
    for _ in range(2):
        answer = await client.post(CALLBACK, params=query_del, content=body_del)
        assert answer.text == "success"
    (row,) = await contacts(ctx)
    assert row.deleted_at is not None
    deleted = await snapshot(ctx, *TABLES)
    assert deleted != once
    replay = await client.post(CALLBACK, params=query, content=body)
    assert replay.text == "success"
    assert await snapshot(ctx, *TABLES) == deleted


async def test_a_forged_or_malformed_callback_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="poster", staff_userids=["wangwu"])
    wecom = sim(app)
    relation = wecom.relate(way["config_id"], name="小张")
    event = wecom.event("add_external_contact", relation, State=way["state"])
    before = await snapshot(ctx)

    forged_query, forged_body = wecom.sealed(event, token="not-the-shops-token")
    stale_query, stale_body = wecom.sealed(event, timestamp=int(wecom.clock()) - 3600)
    good_query, good_body = wecom.sealed(event)
    for query, body in (
        (forged_query, forged_body),
        (stale_query, stale_body),
        ({**good_query, "nonce": good_query["nonce"] + "1"}, good_body),
        (good_query, good_body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")),
    ):
        answer = await client.post(CALLBACK, params=query, content=body)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "wecom.callback_invalid"
    malformed = await client.post(CALLBACK, params=good_query, content=b"<xml><Encrypt>")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "wecom.callback_malformed")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"staff_userids": ["zhangsan"]}, "wecom.attribution_required"),
        ({"store_id": 999999, "staff_userids": ["zhangsan"]}, "wecom.store_unknown"),
        ({"campaign": "春季", "staff_userids": ["zhangsan"]}, "wecom.campaign_invalid"),
        ({"campaign": "spring", "staff_userids": []}, "wecom.staff_required"),
        ({"campaign": "spring", "staff_userids": ["lisi", "lisi"]}, "wecom.staff_required"),
        ({"campaign": "spring", "staff_userids": ["nobody"]}, "wecom.staff_unknown"),
        (
            {"store_id": 2**62, "campaign": "x" * 16, "staff_userids": ["lisi"]},
            "wecom.state_too_long",
        ),
    ],
)
async def test_bad_contact_ways_change_nothing(
    app: FastAPI,
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    body: dict[str, Any],
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.post(f"{CONSOLE}/wecom/contact-ways", json=body, headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (400, code), response.text
    assert await snapshot(ctx) == before
    assert sim(app).ways == {}


async def test_wecom_needs_its_permission(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = await console(client, ctx, "sam", role="support")
    before = await snapshot(ctx)
    for method, path, body in (
        ("GET", "/wecom/status", None),
        ("GET", "/wecom/contact-ways", None),
        ("POST", "/wecom/contact-ways", {"campaign": "x", "staff_userids": ["lisi"]}),
        ("GET", "/wecom/contacts", None),
        ("GET", "/wecom/stats", None),
        ("POST", "/wecom/segment-tags", {"segment_id": 1, "add_tag_ids": ["et_vip"]}),
    ):
        response = await client.request(
            method, f"{CONSOLE}{path}", json=body, headers=support.headers
        )
        assert (response.status_code, response.json()["code"]) == (
            403,
            "console.permission_denied",
        ), path
    assert await snapshot(ctx) == before


async def test_wecom_off_is_409_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    integrations: Integrations = app.state.integrations
    client_before = integrations.wecom
    integrations.wecom = None
    try:
        status = await client.get(f"{CONSOLE}/wecom/status", headers=staff.headers)
        assert status.json() == {"configured": False, "corp_id": None, "contact_ways": 0}
        before = await snapshot(ctx)
        created = await client.post(
            f"{CONSOLE}/wecom/contact-ways",
            json={"campaign": "x", "staff_userids": ["lisi"]},
            headers=staff.headers,
        )
        assert (created.status_code, created.json()["code"]) == (409, "wecom.not_configured")
        query = sim(app).url_check("hello")
        checked = await client.get(CALLBACK, params=query)
        assert (checked.status_code, checked.json()["code"]) == (409, "wecom.not_configured")
        assert await snapshot(ctx) == before
    finally:
        integrations.wecom = client_before


async def test_tags_from_a_segment(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="vip", staff_userids=["lisi"])
    tagged_member = await member_with_unionid(ctx, "o6_union_tagged", "老客")
    await member_with_unionid(ctx, "o6_union_other", "别人")
    wecom = sim(app)
    linked, _ = await wecom.scan(way["config_id"], name="老客", unionid="o6_union_tagged")
    unlinked, _ = await wecom.scan(way["config_id"], name="散客")
    analytics = f"{CONSOLE}/analytics"
    tag = await client.post(
        f"{analytics}/tags",
        json={"code": "wecomvip", "name": "企微VIP", "kind": "manual"},
        headers=staff.headers,
    )
    assert tag.status_code == 201, tag.text
    added = await client.post(
        f"{analytics}/tags/{tag.json()['id']}/members",
        json={"member_ids": [tagged_member]},
        headers=staff.headers,
    )
    assert added.status_code == 200, added.text
    segment = await client.post(
        f"{analytics}/segments",
        json={"name": "企微VIP", "definition": {"tag": "wecomvip"}},
        headers=staff.headers,
    )
    assert segment.status_code == 201, segment.text
    segment_id = segment.json()["id"]

    before = await snapshot(ctx)
    for body, code in (
        ({"segment_id": segment_id}, "wecom.tags_required"),
        ({"segment_id": 999999, "add_tag_ids": ["et_vip"]}, "wecom.segment_unknown"),
        ({"segment_id": segment_id, "add_tag_ids": ["et_nope"]}, "wecom.tag_unknown"),
    ):
        refused = await client.post(
            f"{CONSOLE}/wecom/segment-tags", json=body, headers=staff.headers
        )
        assert (refused.status_code, refused.json()["code"]) == (400, code), refused.text
    assert await snapshot(ctx) == before
    assert wecom.tag_calls == []

    result = await client.post(
        f"{CONSOLE}/wecom/segment-tags",
        json={"segment_id": segment_id, "add_tag_ids": ["et_vip"], "remove_tag_ids": ["et_new"]},
        headers=staff.headers,
    )
    assert result.status_code == 200, result.text
    assert result.json() == {"members": 1, "contacts": 1, "tagged": 1, "failed": 0}
    assert wecom.tag_calls == [
        {
            "userid": "lisi",
            "external_userid": linked.external_userid,
            "add_tag": ["et_vip"],
            "remove_tag": ["et_new"],
        }
    ]
    assert linked.tags == {"et_vip"}
    assert unlinked.tags == set()
    (entry,) = await audit_rows(ctx, "wecom.segment_tag")
    assert entry.target == f"analytics_segment:{segment_id}"


async def test_a_later_member_is_linked_and_follows_a_merge(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="counter", staff_userids=["zhangsan"])
    await sim(app).scan(way["config_id"], name="先加好友", unionid="o6_union_later")
    (row,) = await contacts(ctx)
    assert row.member_id is None

    # The shopper signs in to the mini program later: the job links them, once.
    member_id = await member_with_unionid(ctx, "o6_union_later", "后注册")
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await link_members(s) == 1
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await link_members(s) == 0
    (row,) = await contacts(ctx)
    assert row.member_id == member_id

    # An account merge moves the link to the surviving account.
    async with unit_of_work(ctx.sessionmaker) as s:
        account = Member(nickname="手机号账号", created_at=utcnow())
        s.add(account)
        await s.flush()
        survivor = account.id
    async with unit_of_work(ctx.sessionmaker) as s:
        merged = await merge_members(
            s, ctx, from_id=member_id, into_id=survivor, reason="bind_phone", now=utcnow()
        )
    assert merged.moved["wecom"] == 1
    (row,) = await contacts(ctx)
    assert row.member_id == survivor
