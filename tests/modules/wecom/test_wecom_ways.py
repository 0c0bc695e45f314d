"""Editing and deleting 渠道活码 and 加入群聊 QR codes on both databases, against the in-repo
WeCom simulator: an edit changes the staff (or groups) and remark at WeCom and in Shoplet with
the state kept; a delete removes the way at WeCom and from the lists, once; every refused edit
or delete (unknown or deleted way, bad staff or groups, a way's type, WeCom's refusal) answers
its stable code and changes nothing, at WeCom or in Shoplet."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import Console, console, make_store

from .test_wecom import CONSOLE, make_way, settings_overrides, sim

__all__ = ["settings_overrides"]

WAYS = f"{CONSOLE}/wecom/contact-ways"
JOIN_WAYS = f"{CONSOLE}/wecom/join-ways"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> Console:
    return await console(client, ctx, "olivia")


async def test_a_contact_way_is_edited_with_its_state_kept_then_deleted(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    store_id = await make_store(client, staff)
    way = await make_way(
        client, staff, store_id=store_id, campaign="spring", staff_userids=["zhangsan", "lisi"]
    )
    edited = await client.put(
        f"{WAYS}/{way['id']}",
        json={"staff_userids": ["lisi", "wangwu"], "remark": "春季门店"},
        headers=staff.headers,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["staff_userids"], body["remark"], body["state"], body["qr_code"]) == (
        ["lisi", "wangwu"],
        "春季门店",
        way["state"],
        way["qr_code"],
    )
    at_wecom = sim(app).ways[way["config_id"]]
    assert (at_wecom["user"], at_wecom["remark"], at_wecom["state"]) == (
        ["lisi", "wangwu"],
        "春季门店",
        way["state"],
    )
    (entry,) = await audit_rows(ctx, "wecom.contact_way_update")
    assert entry.target == f"wecom_contact_way:{way['id']}"

    deleted = await client.delete(f"{WAYS}/{way['id']}", headers=staff.headers)
    assert deleted.status_code == 204, deleted.text
    assert way["config_id"] not in sim(app).ways
    listed = (await client.get(WAYS, headers=staff.headers)).json()
    assert [w["id"] for w in listed["items"]] == []
    assert len(await audit_rows(ctx, "wecom.contact_way_delete")) == 1

    # Deleted: a second delete and an edit are 404, and change nothing.
    before = await snapshot(ctx)
    again = await client.delete(f"{WAYS}/{way['id']}", headers=staff.headers)
    assert (again.status_code, again.json()["code"]) == (404, "wecom.way_unknown")
    late = await client.put(
        f"{WAYS}/{way['id']}", json={"staff_userids": ["lisi", "zhangsan"]}, headers=staff.headers
    )
    assert (late.status_code, late.json()["code"]) == (404, "wecom.way_unknown")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("userids", "status", "code"),
    [
        ([], 400, "wecom.staff_required"),
        (["lisi", "lisi"], 400, "wecom.staff_required"),
        (["lisi"], 400, "wecom.way_type_fixed"),  # a way of several keeps several
        (["lisi", "nobody"], 400, "wecom.staff_unknown"),  # WeCom's 60111
    ],
)
async def test_bad_contact_way_edits_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    userids: list[str],
    status: int,
    code: str,
) -> None:
    way = await make_way(client, staff, campaign="edit", staff_userids=["zhangsan", "lisi"])
    issued = dict(sim(app).ways[way["config_id"]])
    before = await snapshot(ctx)
    response = await client.put(
        f"{WAYS}/{way['id']}", json={"staff_userids": userids}, headers=staff.headers
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx) == before
    assert sim(app).ways[way["config_id"]] == issued


async def test_a_single_staff_way_keeps_one_and_unknown_ways_are_404(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way = await make_way(client, staff, campaign="solo", staff_userids=["zhangsan"])
    before = await snapshot(ctx)
    several = await client.put(
        f"{WAYS}/{way['id']}", json={"staff_userids": ["zhangsan", "lisi"]}, headers=staff.headers
    )
    assert (several.status_code, several.json()["code"]) == (400, "wecom.way_type_fixed")
    unknown = await client.put(
        f"{WAYS}/{way['id'] + 99}", json={"staff_userids": ["lisi"]}, headers=staff.headers
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "wecom.way_unknown")
    gone = await client.delete(f"{WAYS}/{way['id'] + 99}", headers=staff.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "wecom.way_unknown")
    no_join = await client.delete(f"{JOIN_WAYS}/{way['id'] + 99}", headers=staff.headers)
    assert (no_join.status_code, no_join.json()["code"]) == (404, "wecom.join_way_unknown")
    assert await snapshot(ctx) == before
    one = await client.put(
        f"{WAYS}/{way['id']}", json={"staff_userids": ["wangwu"]}, headers=staff.headers
    )
    assert one.status_code == 200, one.text
    assert sim(app).ways[way["config_id"]]["user"] == ["wangwu"]


async def _join_way(
    app: FastAPI, client: httpx.AsyncClient, staff: Console, *chat_names: str
) -> tuple[dict[str, Any], list[str]]:
    chats = [sim(app).create_chat(owner="zhangsan", name=n).chat_id for n in chat_names]
    store_id = await make_store(client, staff)
    made = await client.post(
        JOIN_WAYS,
        json={"store_id": store_id, "campaign": "grp", "chat_ids": chats[:1]},
        headers=staff.headers,
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found, chats


async def test_a_join_way_is_edited_up_to_five_groups_then_deleted(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    way, chats = await _join_way(app, client, staff, *(f"福利群{i}" for i in range(6)))
    edited = await client.put(
        f"{JOIN_WAYS}/{way['id']}",
        json={"chat_ids": chats[:5], "remark": "五个群"},
        headers=staff.headers,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["chat_ids"], edited.json()["state"]) == (chats[:5], way["state"])
    at_wecom = sim(app).join_ways[way["config_id"]]
    assert (at_wecom["chat_id_list"], at_wecom["state"], at_wecom["remark"]) == (
        chats[:5],
        way["state"],
        "五个群",
    )

    before = await snapshot(ctx)
    issued = dict(at_wecom)
    for chat_ids, code in [
        (chats, "wecom.chats_required"),  # six
        ([], "wecom.chats_required"),
        ([chats[0], chats[0]], "wecom.chats_required"),
        ([chats[0], "wrNOTACHAT"], "wecom.chat_unknown"),  # WeCom's 40050
    ]:
        response = await client.put(
            f"{JOIN_WAYS}/{way['id']}", json={"chat_ids": chat_ids}, headers=staff.headers
        )
        assert (response.status_code, response.json()["code"]) == (400, code), chat_ids
    assert await snapshot(ctx) == before
    assert sim(app).join_ways[way["config_id"]] == issued

    deleted = await client.delete(f"{JOIN_WAYS}/{way['id']}", headers=staff.headers)
    assert deleted.status_code == 204, deleted.text
    assert way["config_id"] not in sim(app).join_ways
    assert (await client.get(JOIN_WAYS, headers=staff.headers)).json()["items"] == []
    before = await snapshot(ctx)
    again = await client.delete(f"{JOIN_WAYS}/{way['id']}", headers=staff.headers)
    assert (again.status_code, again.json()["code"]) == (404, "wecom.join_way_unknown")
    assert await snapshot(ctx) == before
    assert len(await audit_rows(ctx, "wecom.join_way_delete")) == 1
