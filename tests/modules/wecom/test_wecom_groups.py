"""WeCom 欢迎语, 客户群 and 群发 on both databases, against the in-repo WeCom simulator: a
welcome message queued by the add callback and sent by the job within the code's 20 seconds
(an expired or used code recorded, never retried); 加入群聊 QR codes, the group sync and the
``change_external_chat`` callback applied once and in order; broadcasts split per staff member,
their results fetched, and the one-a-day cap per customer held under concurrent creations
(PostgreSQL). Every refused input changes nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.wecom.models import (
    BroadcastQuota,
    BroadcastRecipient,
    Group,
    GroupMember,
    WelcomeSend,
)
from shoplet.modules.wecom.public import CLOCK_KEY, STOREFRONT_PAGES, batches
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import Console, console, make_store

from .test_wecom import CALLBACK, CONSOLE, make_way, settings_overrides, sim
from .test_wecom_pictures import make_picture

__all__ = ["settings_overrides"]

WELCOME_JOB = "wecom.send_welcomes"
# A card for the refusals checked before its picture; the sends upload a picture first.
CARD = {"title": "春季上新", "page": "pages/index/index", "picture_id": 1}


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> Console:
    return await console(client, ctx, "olivia")


async def rows(ctx: AppContext, model: Any) -> list[Any]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(model).order_by(model.id))).all())


def test_cards_open_storefront_pages() -> None:
    source = Path(__file__).parents[3] / "frontends/storefront/src/pages.json"
    text = "\n".join(line.split("//")[0] for line in source.read_text().splitlines())
    pages = json.loads(text)
    paths = {p["path"] for p in pages["pages"]} | {
        f"{sub['root']}/{p['path']}" for sub in pages.get("subPackages", []) for p in sub["pages"]
    }
    assert paths >= STOREFRONT_PAGES


def test_batches_cut_each_staff_members_customers_at_10000() -> None:
    recipients = [(f"wm{i:05d}", "zhangsan") for i in range(25001)] + [("wmx", "lisi")]
    cut = batches(recipients)
    assert [(s, len(u)) for s, u in cut] == [
        ("lisi", 1),
        ("zhangsan", 10000),
        ("zhangsan", 10000),
        ("zhangsan", 5001),
    ]
    assert [u for _, users in cut for u in users] == ["wmx"] + [f"wm{i:05d}" for i in range(25001)]


# -- 欢迎语 -------------------------------------------------------------------------------------


async def test_the_welcome_message_is_sent_by_the_job_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="spring", staff_userids=["zhangsan"])
    url = f"{CONSOLE}/wecom/contact-ways/{way['id']}/welcome"
    text = "欢迎光临！\n点击卡片领券"
    picture = await make_picture(client, staff)
    card = {**CARD, "picture_id": picture["id"]}
    saved = await client.put(url, json={"text": text, "miniprogram": card}, headers=staff.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["miniprogram"] == {**card, "picture_url": picture["url"]}
    assert (await client.get(url, headers=staff.headers)).json()["text"] == text
    (entry,) = await audit_rows(ctx, "wecom.welcome_set")
    assert entry.target == f"wecom_contact_way:{way['id']}"

    wecom = sim(app)
    relation = wecom.relate(way["config_id"], name="小林")
    code = "welcome-code-1"
    wecom.welcome_codes[code] = wecom.clock()
    query, body = wecom.sealed(
        wecom.event("add_external_contact", relation, State=way["state"], WelcomeCode=code)
    )
    for _ in range(2):  # WeCom retries: queued once
        answer = await client.post(CALLBACK, params=query, content=body)
        assert (answer.status_code, answer.text) == (200, "success")
    (queued,) = await rows(ctx, WelcomeSend)
    assert (queued.status, queued.way_id, queued.staff_userid) == ("pending", way["id"], "zhangsan")
    assert wecom.welcomes == []  # not inline in the callback

    await run_job(ctx, WELCOME_JOB)
    assert wecom.welcomes == [
        {
            "welcome_code": code,
            "text": {"content": text},
            "attachments": [
                {
                    "msgtype": "miniprogram",
                    "miniprogram": {
                        "title": "春季上新",
                        "pic_media_id": next(iter(wecom.media)),
                        "appid": ctx.settings.wechat_appid,
                        "page": "pages/index/index.html?scene=sp.cspring",
                    },
                }
            ],
        }
    ]
    (sent,) = await rows(ctx, WelcomeSend)
    assert (sent.status, sent.errcode, sent.sent_at is not None) == ("sent", None, True)
    await run_job(ctx, WELCOME_JOB)
    assert len(wecom.welcomes) == 1
    listed = await client.get(f"{CONSOLE}/wecom/welcome-sends", headers=staff.headers)
    assert [s["status"] for s in listed.json()] == ["sent"]


async def test_an_expired_or_used_code_is_recorded_not_retried(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="late", staff_userids=["lisi"])
    url = f"{CONSOLE}/wecom/contact-ways/{way['id']}/welcome"
    assert (await client.put(url, json={"text": "你好"}, headers=staff.headers)).status_code == 200
    wecom = sim(app)
    await wecom.scan(way["config_id"], name="甲")
    # The job runs 25 seconds late: expired without a call.
    ctx.extras[CLOCK_KEY] = lambda: utcnow() + timedelta(seconds=25)
    try:
        await run_job(ctx, WELCOME_JOB)
    finally:
        del ctx.extras[CLOCK_KEY]
    (late,) = await rows(ctx, WelcomeSend)
    assert (late.status, late.errcode) == ("expired", None)
    assert wecom.welcomes == []

    # WeCom answers 41051 (the code was used elsewhere): recorded, not retried.
    await wecom.scan(way["config_id"], name="乙")
    wecom.welcome_codes.clear()
    await run_job(ctx, WELCOME_JOB)
    await run_job(ctx, WELCOME_JOB)
    used = (await rows(ctx, WelcomeSend))[1]
    assert (used.status, used.errcode) == ("expired", 41051)
    assert wecom.welcomes == []


async def test_a_way_without_a_welcome_queues_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="plain", staff_userids=["lisi"])
    await sim(app).scan(way["config_id"], name="丙")
    assert await rows(ctx, WelcomeSend) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "欢" * 1334}, 400, "wecom.text_too_long"),  # 4002 bytes
        ({"text": "hi", "miniprogram": {**CARD, "page": "pkg-trade/pay/index"}}, 400, "wecom.page_unknown"),  # noqa: E501
        ({"text": "hi", "miniprogram": {**CARD, "page": "pages/nope"}}, 400, "wecom.page_unknown"),
        ({"text": "", "miniprogram": CARD}, 400, "wecom.text_required"),
        ({"text": "hi", "miniprogram": {**CARD, "title": " "}}, 400, "wecom.media_required"),
        ({"text": "hi", "miniprogram": {**CARD, "picture_id": 999999}}, 400, "wecom.picture_unknown"),  # noqa: E501
    ],
)  # fmt: skip
async def test_bad_welcomes_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    way = await make_way(client, staff, campaign="bad", staff_userids=["lisi"])
    before = await snapshot(ctx)
    for way_id, want in ((way["id"], (status, code)), (999999, (404, "wecom.way_unknown"))):
        if way_id == 999999:
            body = {"text": "ok"}
        response = await client.put(
            f"{CONSOLE}/wecom/contact-ways/{way_id}/welcome", json=body, headers=staff.headers
        )
        assert (response.status_code, response.json()["code"]) == want, response.text
    assert await snapshot(ctx) == before


# -- 客户群 --------------------------------------------------------------------------------------


async def test_groups_from_join_ways_sync_and_callbacks(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    wecom = sim(app)
    chat = wecom.create_chat(owner="zhangsan", name="人民广场福利群")
    store_id = await make_store(client, staff)
    made = await client.post(
        f"{CONSOLE}/wecom/join-ways",
        json={"store_id": store_id, "campaign": "grp", "chat_ids": [chat.chat_id]},
        headers=staff.headers,
    )
    assert made.status_code == 201, made.text
    way = made.json()
    assert (way["state"], way["store_name"]) == (f"sp.s{store_id}.cgrp", "人民广场店")
    assert way["qr_code"].startswith("https://wework.qpic.cn/")
    issued = wecom.join_ways[way["config_id"]]
    assert (issued["scene"], issued["chat_id_list"], issued["auto_create_room"]) == (
        2,
        [chat.chat_id],
        0,
    )
    (entry,) = await audit_rows(ctx, "wecom.join_way_create")
    assert entry.target == f"wecom_join_way:{way['id']}"

    synced = await client.post(f"{CONSOLE}/wecom/groups/sync", headers=staff.headers)
    assert synced.json() == {"groups": 1, "updated": 1}
    (group,) = await rows(ctx, Group)
    assert (group.name, group.member_count, group.customer_count) == ("人民广场福利群", 1, 0)
    assert (group.store_id, group.campaign) == (store_id, "grp")

    # WeCom's clock, frozen per step: events a step apart have distinct CreateTimes.
    start = utcnow().timestamp()
    wecom.clock = lambda: start + 10
    chat_id, external_userid, answer = await wecom.join(way["config_id"], name="入群的李女士")
    assert (chat_id, answer.text) == (chat.chat_id, "success")
    (group,) = await rows(ctx, Group)
    assert (group.member_count, group.customer_count) == (2, 1)
    members = await client.get(f"{CONSOLE}/wecom/groups/{group.id}/members", headers=staff.headers)
    customer = next(m for m in members.json() if m["type"] == 2)
    assert (customer["name"], customer["store_id"], customer["campaign"]) == (
        "入群的李女士",
        store_id,
        "grp",
    )
    listed = await client.get(
        f"{CONSOLE}/wecom/groups", params={"store_id": store_id}, headers=staff.headers
    )
    assert [g["customer_count"] for g in listed.json()["items"]] == [1]

    # The same add_member event again: nothing changes.
    replay_query, replay_body = wecom.sealed(
        wecom.chat_event(chat, "update", "add_member", MemChangeList=external_userid)
    )
    joined = await snapshot(ctx, "wecom_group", "wecom_group_member")
    assert (await client.post(CALLBACK, params=replay_query, content=replay_body)).text == "success"
    assert await snapshot(ctx, "wecom_group", "wecom_group_member") == joined

    # The customer leaves (later); the old add replayed afterwards changes nothing.
    wecom.clock = lambda: start + 20
    assert (await wecom.leave(chat.chat_id, external_userid)).text == "success"
    (group,) = await rows(ctx, Group)
    assert (group.member_count, group.customer_count) == (1, 0)
    left = await snapshot(ctx, "wecom_group", "wecom_group_member")
    wecom.chats[chat.chat_id].members[external_userid] = {"userid": external_userid, "type": 2}
    await client.post(CALLBACK, params=replay_query, content=replay_body)
    assert await snapshot(ctx, "wecom_group", "wecom_group_member") == left

    wecom.clock = lambda: start + 30
    assert (await wecom.dismiss(chat.chat_id)).text == "success"
    (group,) = await rows(ctx, Group)
    assert group.dismissed_at is not None
    gone = await snapshot(ctx, "wecom_group", "wecom_group_member")
    await client.post(CALLBACK, params=replay_query, content=replay_body)
    assert await snapshot(ctx, "wecom_group", "wecom_group_member") == gone


async def test_the_group_list_pages_by_cursor(app: FastAPI, ctx: AppContext) -> None:
    wecom = sim(app)
    made = {wecom.create_chat(owner="lisi", name=f"群{i}").chat_id for i in range(5)}
    client = app.state.integrations.wecom
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        page, cursor = await client.list_group_chats(cursor=cursor, limit=2)
        seen.extend(c for c, _ in page)
        pages += 1
        if not cursor:
            break
    assert (pages, set(seen), len(seen)) == (3, made, 5)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"campaign": "grp", "chat_ids": []}, "wecom.chats_required"),
        ({"campaign": "grp", "chat_ids": ["CHAT"] * 2}, "wecom.chats_required"),
        ({"campaign": "grp", "chat_ids": [f"wr{i}" for i in range(6)]}, "wecom.chats_required"),
        ({"chat_ids": ["CHAT"]}, "wecom.attribution_required"),
        ({"store_id": 999999, "chat_ids": ["CHAT"]}, "wecom.store_unknown"),
        ({"campaign": "春季", "chat_ids": ["CHAT"]}, "wecom.campaign_invalid"),
        ({"campaign": "grp", "chat_ids": ["CHAT"], "auto_create_room": True}, "wecom.room_name_required"),  # noqa: E501
        ({"campaign": "grp", "chat_ids": ["wrnotachat"]}, "wecom.chat_unknown"),
    ],
)  # fmt: skip
async def test_bad_join_ways_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    body: dict[str, Any],
    code: str,
) -> None:
    chat = sim(app).create_chat(owner="lisi", name="群")
    body = {**body, "chat_ids": [chat.chat_id if c == "CHAT" else c for c in body["chat_ids"]]}
    before = await snapshot(ctx)
    response = await client.post(f"{CONSOLE}/wecom/join-ways", json=body, headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (400, code), response.text
    assert await snapshot(ctx) == before
    assert sim(app).join_ways == {}


# -- 群发 ----------------------------------------------------------------------------------------


async def customers(app: FastAPI, client: httpx.AsyncClient, staff: Console) -> dict[str, Any]:
    """Two customers of zhangsan (campaign ``a``) and one of lisi (campaign ``b``)."""
    way_a = await make_way(client, staff, campaign="a", staff_userids=["zhangsan"])
    way_b = await make_way(client, staff, campaign="b", staff_userids=["lisi"])
    wecom = sim(app)
    one, _ = await wecom.scan(way_a["config_id"], name="一")
    two, _ = await wecom.scan(way_a["config_id"], name="二")
    three, _ = await wecom.scan(way_b["config_id"], name="三")
    return {"one": one, "two": two, "three": three}


async def test_a_broadcast_is_sent_per_staff_member_and_its_results_fetched(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    people = await customers(app, client, staff)
    wecom = sim(app)
    picture = await make_picture(client, staff)
    made = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={
            "audience": "all",
            "text": "周末全场八折",
            "miniprogram": {**CARD, "picture_id": picture["id"]},
        },
        headers=staff.headers,
    )
    assert made.status_code == 201, made.text
    broadcast = made.json()
    assert (broadcast["status"], broadcast["recipients"], broadcast["capped"]) == (
        "submitted",
        3,
        0,
    )
    assert broadcast["counts"] == {"pending": 3}
    assert sorted((m["staff_userid"], m["recipients"]) for m in broadcast["msgs"]) == [
        ("lisi", 1),
        ("zhangsan", 2),
    ]
    templates = {t.sender: t for t in wecom.templates.values()}
    sent_body = templates["zhangsan"].body
    assert sent_body["chat_type"] == "single"
    assert sorted(sent_body["external_userid"]) == sorted(
        [people["one"].external_userid, people["two"].external_userid]
    )
    assert sent_body["text"] == {"content": "周末全场八折"}
    assert sent_body["attachments"][0]["miniprogram"]["page"] == "pages/index/index.html?scene=sp"
    # One upload serves both calls of the broadcast.
    assert wecom.uploads == 1
    assert {
        t.body["attachments"][0]["miniprogram"]["pic_media_id"] for t in templates.values()
    } == {next(iter(wecom.media))}
    (entry,) = await audit_rows(ctx, "wecom.broadcast_create")
    assert entry.target == f"wecom_broadcast:{broadcast['id']}"

    # zhangsan sends (customer two deleted him meanwhile); lisi has not sent yet.
    wecom.relations.pop(("zhangsan", people["two"].external_userid))
    wecom.confirm(templates["zhangsan"].msgid)
    refreshed = await client.post(
        f"{CONSOLE}/wecom/broadcasts/{broadcast['id']}/refresh", headers=staff.headers
    )
    assert refreshed.json()["counts"] == {"sent": 1, "not_friend": 1, "pending": 1}
    wecom.confirm(templates["lisi"].msgid)
    await run_job(ctx, "wecom.fetch_broadcast_results")
    final = await client.get(f"{CONSOLE}/wecom/broadcasts/{broadcast['id']}", headers=staff.headers)
    assert final.json()["counts"] == {"sent": 2, "not_friend": 1}
    assert all(m["is_sent"] for m in final.json()["msgs"])
    recipients = await client.get(
        f"{CONSOLE}/wecom/broadcasts/{broadcast['id']}/recipients", headers=staff.headers
    )
    by_user = {r["external_userid"]: r["status"] for r in recipients.json()["items"]}
    assert by_user[people["two"].external_userid] == "not_friend"

    # Everybody had one today: a second broadcast is refused and writes nothing.
    before = await snapshot(ctx)
    again = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"audience": "campaign", "campaign": "a", "text": "再来一条"},
        headers=staff.headers,
    )
    assert (again.status_code, again.json()["code"]) == (400, "wecom.no_recipients")
    assert await snapshot(ctx) == before
    assert len(wecom.templates) == 2


async def test_a_refused_call_gives_its_customers_back(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    await customers(app, client, staff)
    wecom = sim(app)
    wecom.staff.discard("lisi")  # lisi left the corp: WeCom answers 60111 for his call
    made = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"audience": "campaign", "campaign": "b", "text": "门店活动"},
        headers=staff.headers,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["counts"]) == ("failed", {"failed": 1})
    assert [m["errcode"] for m in made.json()["msgs"]] == [60111]
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(BroadcastQuota)) == 0
    wecom.staff.add("lisi")
    retried = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"audience": "campaign", "campaign": "b", "text": "门店活动"},
        headers=staff.headers,
    )
    assert (retried.json()["status"], retried.json()["recipients"]) == ("submitted", 1)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"audience": "all", "text": "  "}, "wecom.text_required"),
        ({"audience": "all", "text": "促" * 1334}, "wecom.text_too_long"),
        ({"audience": "all", "text": "hi", "store_id": 1}, "wecom.audience_invalid"),
        ({"audience": "segment", "text": "hi"}, "wecom.audience_invalid"),
        ({"audience": "segment", "segment_id": 999999, "text": "hi"}, "wecom.segment_unknown"),
        ({"audience": "store", "store_id": 999999, "text": "hi"}, "wecom.store_unknown"),
        ({"audience": "campaign", "campaign": "春", "text": "hi"}, "wecom.campaign_invalid"),
        ({"audience": "campaign", "campaign": "nobody", "text": "hi"}, "wecom.no_recipients"),
        ({"audience": "all", "text": "hi", "miniprogram": {**CARD, "page": "pkg-trade/checkout/index"}}, "wecom.page_unknown"),  # noqa: E501
        ({"audience": "all", "text": "hi", "miniprogram": {**CARD, "picture_id": 999999}}, "wecom.picture_unknown"),  # noqa: E501
    ],
)  # fmt: skip
async def test_bad_broadcasts_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    body: dict[str, Any],
    code: str,
) -> None:
    await customers(app, client, staff)
    before = await snapshot(ctx)
    response = await client.post(f"{CONSOLE}/wecom/broadcasts", json=body, headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (400, code), response.text
    assert await snapshot(ctx) == before
    assert sim(app).templates == {}


async def test_the_new_routes_need_the_permission(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    support = await console(client, ctx, "sam", role="support")
    before = await snapshot(ctx)
    for method, path, body in (
        ("PUT", "/wecom/contact-ways/1/welcome", {"text": "hi"}),
        ("GET", "/wecom/welcome-sends", None),
        ("POST", "/wecom/join-ways", {"campaign": "x", "chat_ids": ["wr1"]}),
        ("GET", "/wecom/groups", None),
        ("POST", "/wecom/groups/sync", None),
        ("POST", "/wecom/broadcasts", {"audience": "all", "text": "hi"}),
        ("GET", "/wecom/broadcasts", None),
    ):
        response = await client.request(
            method, f"{CONSOLE}{path}", json=body, headers=support.headers
        )
        assert response.status_code == 403, (path, response.text)
    assert await snapshot(ctx) == before


# -- the daily cap under concurrent broadcasts --------------------------------------------------

RACERS = 8
CUSTOMERS = 40


async def test_concurrent_broadcasts_reach_each_customer_once_a_day(
    backend: str, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    wecom = sim(app)
    way_a = await make_way(client, staff, campaign="a", staff_userids=["zhangsan"])
    way_b = await make_way(client, staff, campaign="b", staff_userids=["lisi"])
    for i in range(CUSTOMERS):
        await wecom.scan((way_a if i % 2 else way_b)["config_id"], name=f"客{i}")

    async def racer(i: int) -> httpx.Response:
        # Overlapping audiences: all, and each campaign.
        audience = [
            {"audience": "all"},
            {"audience": "campaign", "campaign": "a"},
            {"audience": "campaign", "campaign": "b"},
        ][i % 3]
        return await client.post(
            f"{CONSOLE}/wecom/broadcasts",
            json={**audience, "text": f"第{i}条"},
            headers=staff.headers,
        )

    answers = await asyncio.gather(*(racer(i) for i in range(RACERS)))
    assert {a.status_code for a in answers} <= {201, 400}
    made = [a.json() for a in answers if a.status_code == 201]
    refused = [a.json()["code"] for a in answers if a.status_code == 400]
    assert set(refused) <= {"wecom.no_recipients"}
    assert sum(b["recipients"] for b in made) == CUSTOMERS
    recipients = await rows(ctx, BroadcastRecipient)
    assert len(recipients) == CUSTOMERS
    assert len({r.external_userid for r in recipients}) == CUSTOMERS
    sent_to = [u for t in wecom.templates.values() for u in t.body["external_userid"]]
    assert sorted(sent_to) == sorted(r.external_userid for r in recipients)
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(BroadcastQuota)) == CUSTOMERS
    groups = await rows(ctx, GroupMember)
    assert groups == []
