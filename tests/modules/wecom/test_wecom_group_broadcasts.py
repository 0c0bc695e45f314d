"""客户群群发 on both databases, against the in-repo WeCom simulator: ``add_msg_template`` with
chat_type group in WeCom's wire format and errcodes, one call per group owner, results per
group fetched by the broadcast result job, the one-a-day rule per group held under concurrent
creations (PostgreSQL), and every refused input changing nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.integrations.wecom.client import InvalidParameter, UnknownMsg, WeComClient
from shoplet.integrations.wecom.simulator import WeComSimulator
from shoplet.modules.wecom.models import BroadcastChat, GroupBroadcastQuota
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import Console, console

from .test_wecom import CONSOLE, settings_overrides, sim
from .test_wecom_pictures import make_picture

__all__ = ["settings_overrides"]

CARD = {"title": "春季上新", "page": "pages/index/index", "picture_id": 1}
TEMPLATE = "/cgi-bin/externalcontact/add_msg_template"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> Console:
    return await console(client, ctx, "olivia")


def wecom_client(app: FastAPI) -> WeComClient:
    found: WeComClient = app.state.integrations.wecom
    return found


async def raw(wecom: WeComSimulator, token: str, path: str, body: dict[str, Any]) -> Any:
    """A call as WeCom receives it, bypassing the client's own checks."""
    transport = httpx.ASGITransport(app=wecom.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://qyapi.weixin.qq.com") as h:
        answer = await h.post(path, params={"access_token": token}, json=body)
    return answer.json()


async def groups(app: FastAPI, client: httpx.AsyncClient, staff: Console) -> dict[str, str]:
    """Two groups of zhangsan (one of them a campaign ``grp`` join way's) and one of lisi,
    synced into Shoplet."""
    wecom = sim(app)
    made = {
        "z1": wecom.create_chat(owner="zhangsan", name="张三一群").chat_id,
        "z2": wecom.create_chat(owner="zhangsan", name="张三二群").chat_id,
        "l1": wecom.create_chat(owner="lisi", name="李四福利群").chat_id,
    }
    way = await client.post(
        f"{CONSOLE}/wecom/join-ways",
        json={"campaign": "grp", "chat_ids": [made["z1"]]},
        headers=staff.headers,
    )
    assert way.status_code == 201, way.text
    synced = await client.post(f"{CONSOLE}/wecom/groups/sync", headers=staff.headers)
    assert synced.json() == {"groups": 3, "updated": 3}
    return made


# -- the wire format -----------------------------------------------------------------------------


async def test_group_templates_speak_wecoms_wire_format(app: FastAPI) -> None:
    wecom = sim(app)
    mine = wecom.create_chat(owner="zhangsan", name="张三群").chat_id
    gone = wecom.create_chat(owner="zhangsan", name="已解散").chat_id
    wecom.chats[gone].is_dismissed = True
    other = wecom.create_chat(owner="lisi", name="李四群").chat_id
    client = wecom_client(app)

    msgid, failed = await client.add_group_msg_template(
        sender="zhangsan", chat_ids=[mine, gone, other], text="群里的朋友们好"
    )
    assert sorted(failed) == sorted([gone, other])
    body = wecom.templates[msgid].body
    assert body == {
        "chat_type": "group",
        "chat_id_list": [mine, gone, other],
        "sender": "zhangsan",
        "allow_select": False,
        "text": {"content": "群里的朋友们好"},
    }
    assert wecom.templates[msgid].recipients == [mine]

    # Not sent yet: the task is 0 and every group 0.
    tasks, cursor = await client.get_groupmsg_task(msgid)
    assert ([(t.userid, t.status) for t in tasks], cursor) == ([("zhangsan", 0)], "")
    rows, _ = await client.get_groupmsg_send_result(msgid, "zhangsan")
    assert [(r.chat_id, r.external_userid, r.status) for r in rows] == [(mine, "", 0)]

    wecom.confirm(msgid)
    tasks, _ = await client.get_groupmsg_task(msgid)
    assert [(t.userid, t.status) for t in tasks] == [("zhangsan", 2)]
    rows, _ = await client.get_groupmsg_send_result(msgid, "zhangsan")
    assert [(r.chat_id, r.status) for r in rows] == [(mine, 1)]
    assert rows[0].send_time > 0

    # A second group 群发 the same day reaches the group as 3; a dismissed group is 2.
    again, _ = await client.add_group_msg_template(
        sender="zhangsan", chat_ids=[mine], text="再来一条"
    )
    wecom.chats[mine].is_dismissed = True
    wecom.confirm(again)
    rows, _ = await client.get_groupmsg_send_result(again, "zhangsan")
    assert [(r.chat_id, r.status) for r in rows] == [(mine, 2)]
    wecom.chats[mine].is_dismissed = False
    third, _ = await client.add_group_msg_template(
        sender="zhangsan", chat_ids=[mine], text="第三条"
    )
    wecom.confirm(third)
    rows, _ = await client.get_groupmsg_send_result(third, "zhangsan")
    assert [(r.chat_id, r.status, r.send_time) for r in rows] == [(mine, 3, 0)]

    # Cursor paging of the send results.
    many = [wecom.create_chat(owner="wangwu", name=f"群{i}").chat_id for i in range(3)]
    paged, _ = await client.add_group_msg_template(sender="wangwu", chat_ids=many, text="分页")
    wecom.confirm(paged)
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        rows, cursor = await client.get_groupmsg_send_result(
            paged, "wangwu", cursor=cursor, limit=2
        )
        seen.extend(r.chat_id for r in rows)
        pages += 1
        if not cursor:
            break
    assert (pages, seen) == (2, many)

    with pytest.raises(UnknownMsg) as unknown:
        await client.get_groupmsg_task("msg-not-issued")
    assert unknown.value.errcode == 41063
    with pytest.raises(InvalidParameter):
        await client.add_group_msg_template(sender="", chat_ids=[mine], text="x")


async def test_the_simulator_refuses_what_wecom_refuses(app: FastAPI) -> None:
    wecom = sim(app)
    mine = wecom.create_chat(owner="zhangsan", name="张三群").chat_id
    token = await wecom_client(app).access_token()
    text = {"content": "hi"}
    cases = [
        ({"chat_type": "group", "chat_id_list": [mine], "text": text}, 40058),
        ({"chat_type": "group", "sender": "nobody", "text": text}, 60111),
        ({"chat_type": "group", "sender": "zhangsan", "chat_id_list": [], "text": text}, 40058),
        (
            {"chat_type": "group", "sender": "zhangsan", "external_userid": ["wm1"], "text": text},
            40058,
        ),
        (
            {
                "chat_type": "group",
                "sender": "zhangsan",
                "text": text,
                "attachments": [{"msgtype": "miniprogram", "miniprogram": {}}] * 10,
            },
            40058,
        ),
        ({"chat_type": "broadcast", "sender": "zhangsan", "text": text}, 40058),
    ]
    for body, errcode in cases:
        answer = await raw(wecom, token, TEMPLATE, body)
        assert answer["errcode"] == errcode, (body, answer)
    assert wecom.templates == {}

    # Without chat_id_list WeCom sends to every group the sender owns.
    answer = await raw(
        wecom, token, TEMPLATE, {"chat_type": "group", "sender": "zhangsan", "text": text}
    )
    assert (answer["errcode"], answer["fail_list"]) == (0, [])
    assert wecom.templates[answer["msgid"]].recipients == [mine]
    unknown = await raw(
        wecom,
        token,
        "/cgi-bin/externalcontact/get_groupmsg_send_result",
        {"msgid": "nope", "userid": "zhangsan"},
    )
    assert unknown["errcode"] == 41063


# -- the service ---------------------------------------------------------------------------------


async def test_a_group_broadcast_is_sent_per_owner_and_its_results_fetched(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    chats = await groups(app, client, staff)
    wecom = sim(app)

    # lisi's groups only.
    first = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"target": "groups", "owners": ["lisi"], "audience": "all", "text": "李四的群"},
        headers=staff.headers,
    )
    assert first.status_code == 201, first.text
    assert (first.json()["target"], first.json()["owners"], first.json()["recipients"]) == (
        "groups",
        ["lisi"],
        1,
    )
    # Then everybody's: lisi's group already had its one today.
    picture = await make_picture(client, staff)
    card = {**CARD, "picture_id": picture["id"]}
    made = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"target": "groups", "audience": "all", "text": "周末全场八折", "miniprogram": card},
        headers=staff.headers,
    )
    assert made.status_code == 201, made.text
    broadcast = made.json()
    assert (broadcast["status"], broadcast["recipients"], broadcast["capped"]) == (
        "submitted",
        2,
        1,
    )
    assert broadcast["counts"] == {"pending": 2}
    assert [(m["staff_userid"], m["chat_type"], m["recipients"]) for m in broadcast["msgs"]] == [
        ("zhangsan", "group", 2)
    ]
    (template,) = [
        t for t in wecom.templates.values() if t.body["text"]["content"] == "周末全场八折"
    ]
    assert template.body["chat_type"] == "group"
    assert template.body["sender"] == "zhangsan"
    assert sorted(template.body["chat_id_list"]) == sorted([chats["z1"], chats["z2"]])
    assert "external_userid" not in template.body
    assert template.body["attachments"][0]["miniprogram"]["page"] == (
        "pages/index/index.html?scene=sp"
    )
    entries = await audit_rows(ctx, "wecom.broadcast_create")
    assert entries[-1].target == f"wecom_broadcast:{broadcast['id']}"

    # zhangsan sends; z2 was dismissed meanwhile.
    wecom.chats[chats["z2"]].is_dismissed = True
    wecom.confirm(template.msgid)
    await run_job(ctx, "wecom.fetch_broadcast_results")
    final = await client.get(f"{CONSOLE}/wecom/broadcasts/{broadcast['id']}", headers=staff.headers)
    assert final.json()["counts"] == {"sent": 1, "not_friend": 1}
    assert final.json()["msgs"][0]["is_sent"] is True
    listed = await client.get(
        f"{CONSOLE}/wecom/broadcasts/{broadcast['id']}/groups", headers=staff.headers
    )
    by_chat = {g["chat_id"]: (g["name"], g["owner"], g["status"]) for g in listed.json()["items"]}
    assert by_chat == {
        chats["z1"]: ("张三一群", "zhangsan", "sent"),
        chats["z2"]: ("张三二群", "zhangsan", "not_friend"),
    }
    sent_at = next(g["sent_at"] for g in listed.json()["items"] if g["chat_id"] == chats["z1"])
    assert sent_at is not None

    # Every group had its one today: a third is refused and writes nothing.
    before = await snapshot(ctx)
    again = await client.post(
        f"{CONSOLE}/wecom/broadcasts",
        json={"target": "groups", "audience": "campaign", "campaign": "grp", "text": "再来"},
        headers=staff.headers,
    )
    assert (again.status_code, again.json()["code"]) == (400, "wecom.no_recipients")
    assert await snapshot(ctx) == before
    assert len(wecom.templates) == 2


async def test_a_refused_group_call_gives_its_groups_back(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    await groups(app, client, staff)
    wecom = sim(app)
    wecom.staff.discard("lisi")  # lisi left the corp: WeCom answers 60111 for his call
    body = {"target": "groups", "owners": ["lisi", "zhangsan"], "audience": "all", "text": "hi"}
    made = await client.post(f"{CONSOLE}/wecom/broadcasts", json=body, headers=staff.headers)
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["counts"]) == (
        "submitted",
        {"failed": 1, "pending": 2},
    )
    assert sorted((m["staff_userid"], m["errcode"]) for m in made.json()["msgs"]) == [
        ("lisi", 60111),
        ("zhangsan", None),
    ]
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(GroupBroadcastQuota)) == 2
    wecom.staff.add("lisi")
    retried = await client.post(f"{CONSOLE}/wecom/broadcasts", json=body, headers=staff.headers)
    assert (retried.json()["status"], retried.json()["recipients"]) == ("submitted", 1)
    assert retried.json()["capped"] == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"audience": "all", "owners": ["zhangsan"], "text": "hi"}, "wecom.owners_invalid"),
        ({"target": "groups", "audience": "all", "owners": [], "text": "hi"}, "wecom.owners_invalid"),  # noqa: E501
        ({"target": "groups", "audience": "all", "owners": ["lisi", "lisi"], "text": "hi"}, "wecom.owners_invalid"),  # noqa: E501
        ({"target": "groups", "audience": "segment", "segment_id": 1, "text": "hi"}, "wecom.audience_invalid"),  # noqa: E501
        ({"target": "groups", "audience": "all", "store_id": 1, "text": "hi"}, "wecom.audience_invalid"),  # noqa: E501
        ({"target": "groups", "audience": "store", "store_id": 999999, "text": "hi"}, "wecom.store_unknown"),  # noqa: E501
        ({"target": "groups", "audience": "campaign", "campaign": "春", "text": "hi"}, "wecom.campaign_invalid"),  # noqa: E501
        ({"target": "groups", "audience": "campaign", "campaign": "nobody", "text": "hi"}, "wecom.no_recipients"),  # noqa: E501
        ({"target": "groups", "audience": "all", "owners": ["wangwu"], "text": "hi"}, "wecom.no_recipients"),  # noqa: E501
        ({"target": "groups", "audience": "all", "text": " "}, "wecom.text_required"),
        ({"target": "groups", "audience": "all", "text": "hi", "miniprogram": {**CARD, "page": "pkg-trade/checkout/index"}}, "wecom.page_unknown"),  # noqa: E501
    ],
)  # fmt: skip
async def test_bad_group_broadcasts_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    body: dict[str, Any],
    code: str,
) -> None:
    await groups(app, client, staff)
    before = await snapshot(ctx)
    response = await client.post(f"{CONSOLE}/wecom/broadcasts", json=body, headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (400, code), response.text
    assert await snapshot(ctx) == before
    assert sim(app).templates == {}


async def test_the_groups_of_a_broadcast_need_the_permission_and_a_broadcast(
    client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    support = await console(client, ctx, "sam", role="support")
    denied = await client.get(f"{CONSOLE}/wecom/broadcasts/1/groups", headers=support.headers)
    assert denied.status_code == 403
    missing = await client.get(f"{CONSOLE}/wecom/broadcasts/999999/groups", headers=staff.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "wecom.broadcast_unknown")


# -- the one-a-day rule under concurrent broadcasts ---------------------------------------------

RACERS = 10


async def test_concurrent_group_broadcasts_reach_a_group_once_a_day(
    backend: str, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    chats = await groups(app, client, staff)
    wecom = sim(app)

    async def racer(i: int) -> httpx.Response:
        # Overlapping choices that all include z1.
        choice = [
            {"audience": "all"},
            {"audience": "campaign", "campaign": "grp"},
            {"audience": "all", "owners": ["zhangsan"]},
        ][i % 3]
        return await client.post(
            f"{CONSOLE}/wecom/broadcasts",
            json={"target": "groups", **choice, "text": f"第{i}条"},
            headers=staff.headers,
        )

    answers = await asyncio.gather(*(racer(i) for i in range(RACERS)))
    assert {a.status_code for a in answers} <= {201, 400}
    made = [a.json() for a in answers if a.status_code == 201]
    refused = [a.json()["code"] for a in answers if a.status_code == 400]
    assert set(refused) <= {"wecom.no_recipients"}
    assert sum(b["recipients"] for b in made) == len(chats)
    async with ctx.sessionmaker() as s:
        rows = list((await s.scalars(select(BroadcastChat))).all())
        quota = await s.scalar(select(func.count()).select_from(GroupBroadcastQuota))
    assert sorted(r.chat_id for r in rows) == sorted(chats.values())
    assert quota == len(chats)
    sent_to = [c for t in wecom.templates.values() for c in t.body["chat_id_list"]]
    assert sorted(sent_to) == sorted(chats.values())
    assert sent_to.count(chats["z1"]) == 1
