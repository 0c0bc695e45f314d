"""The moderation pipeline through the API, on both backends: banned words (and their pinyin
evasions) held or rejected and never public, replacements masked, the human queue with the
audit of every decision, appeals; WeChat's msgSecCheck and mediaCheckAsync through the
simulator with its signed pushes; a push with a bad signature changes nothing; the lexicon's
CSV import."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from tests.conftest import snapshot
from tests.modules.moderation.factories import (
    APPEALS,
    CONSOLE,
    MODERATION_TABLES,
    PUSH,
    add_word,
    decisions,
    item_of,
    simulator,
    upload_url,
)
from tests.modules.orders.factories import shopper
from tests.modules.review.factories import bought, write
from tests.modules.staff.conftest import audit_rows


async def public_ids(client: httpx.AsyncClient, product_id: int) -> list[int]:
    response = await client.get(f"/api/v1/products/{product_id}/reviews")
    assert response.status_code == 200, response.text
    summary = (await client.get(f"/api/v1/products/{product_id}/reviews/summary")).json()
    listed = [x["id"] for x in response.json()["items"]]
    assert sorted(x["id"] for x in summary["latest"]) == sorted(listed)
    assert summary["total"] == len(listed)
    return listed


async def test_banned_words_are_never_public_the_queue_decides_and_appeals_return(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await add_word(client, staff, "傻逼", "abuse", "block")
    await add_word(client, staff, "垃圾", "abuse", "replace")
    alice = await shopper(client)
    order_no, [a, b], product_id = await bought(client, ctx, alice)
    order2, [c, _], _ = await bought(client, ctx, alice)

    blocked = await write(client, alice, order_no, a, content="客服是个傻*逼")
    assert blocked.status_code == 201, blocked.text
    assert blocked.json()["status"] == "hidden"
    assert blocked.json()["growth"] == 0
    assert blocked.json()["moderation"]["status"] == "rejected"
    assert blocked.json()["moderation"]["can_appeal"] is True
    assert "傻逼" in blocked.json()["moderation"]["reason"]
    evasive = (await write(client, alice, order_no, b, content="客服 shabi 一个")).json()
    assert (evasive["status"], evasive["moderation"]["status"]) == ("pending", "held")
    masked = (await write(client, alice, order2, c, content="包装垃圾，东西好用")).json()
    assert (masked["status"], masked["content"]) == ("approved", "包装**，东西好用")
    assert await public_ids(client, product_id) == []
    assert [
        x["content"]
        for x in (await client.get(f"/api/v1/products/{masked['product_id']}/reviews")).json()[
            "items"
        ]
    ] == ["包装**，东西好用"]

    # 申诉: once, back to the queue.
    appeal = {"subject_type": "review", "subject_id": blocked.json()["id"], "reason": "误判"}
    appealed = await client.post(APPEALS, json=appeal, headers=alice.headers)
    assert appealed.status_code == 200, appealed.text
    assert appealed.json()["status"] == "held"
    before = await snapshot(ctx, *MODERATION_TABLES)
    again = await client.post(APPEALS, json=appeal, headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "moderation.not_appealable")
    bob = await shopper(client, "bob")
    foreign = await client.post(APPEALS, json=appeal, headers=bob.headers)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "moderation.item_not_found")
    assert await snapshot(ctx, *MODERATION_TABLES) == before

    queue = (await client.get(f"{CONSOLE}/items", headers=staff)).json()["items"]
    ours = {x["subject_id"]: x for x in queue if x["member_id"] == alice.member_id}
    assert set(ours) == {blocked.json()["id"], evasive["id"]}
    assert ours[blocked.json()["id"]]["appeal_reason"] == "误判"
    assert ours[evasive["id"]]["hits"] == [
        {"word": "傻逼", "category": "abuse", "action": "hold", "via": "pinyin"}
    ]

    first = ours[blocked.json()["id"]]["id"]
    approved = await client.post(f"{CONSOLE}/items/{first}/approve", json={}, headers=staff)
    assert approved.status_code == 200, approved.text
    second = ours[evasive["id"]]["id"]
    rejected = await client.post(
        f"{CONSOLE}/items/{second}/reject", json={"reason": "辱骂"}, headers=staff
    )
    assert rejected.json()["status"] == "rejected"
    late = await client.post(f"{CONSOLE}/items/{second}/approve", json={}, headers=staff)
    assert (late.status_code, late.json()["code"]) == (409, "moderation.already_decided")
    await drain_outbox(ctx)
    assert await public_ids(client, product_id) == [blocked.json()["id"]]
    assert await decisions(ctx, first) == [
        (None, "rejected", "filter"),
        ("rejected", "held", "member"),
        ("held", "approved", "staff"),
    ]
    assert [r.action for r in await audit_rows(ctx) if r.action.startswith("moderation.")] == [
        "moderation.word_create",
        "moderation.word_create",
        "moderation.approve",
        "moderation.reject",
    ]
    detail = (await client.get(f"{CONSOLE}/items/{second}", headers=staff)).json()
    assert [d["to_status"] for d in detail["decisions"]] == ["held", "rejected"]


async def test_wechat_checks_text_and_photos_and_only_signed_pushes_count(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sim = simulator(app)
    alice = await shopper(client)
    order_no, [a, b], product_id = await bought(client, ctx, alice)
    order2, [c, _], _ = await bought(client, ctx, alice)
    risky_text = (await write(client, alice, order2, c, content="这里可以赌博")).json()
    assert risky_text["moderation"]["status"] == "rejected"
    assert "违法犯罪" in risky_text["moderation"]["reason"]
    assert sim.texts[-1] == "这里可以赌博"

    ok_photo, _ = await upload_url(client, alice, (10, 200, 10))
    bad_photo, bad_url = await upload_url(client, alice, (200, 10, 10))
    good = (await write(client, alice, order_no, a, content="好看", photo_ids=[ok_photo])).json()
    bad = (await write(client, alice, order_no, b, content="好看", photo_ids=[bad_photo])).json()
    assert (good["status"], good["moderation"]["status"]) == ("pending", "checking")
    await run_job(ctx, "moderation.machine_checks")
    assert len(sim.pending) == 2
    sim.media_verdicts[bad_url] = ("risky", 20002)

    # A push not signed with our token: 401, nothing read or written.
    forged = sim.push_body(sim.pending[1])
    before = await snapshot(ctx, *MODERATION_TABLES)
    for query in (sim.signed_query(token="not-ours"), {}):
        refused = await client.post(PUSH, params=query, content=forged)
        assert refused.status_code == 401
        assert refused.json()["code"] == "moderation.push_signature_invalid"
    assert await snapshot(ctx, *MODERATION_TABLES) == before
    echo = await client.get(PUSH, params={**sim.signed_query(), "echostr": "abc123"})
    assert (echo.status_code, echo.text) == (200, "abc123")
    bad_echo = await client.get(PUSH, params={**sim.signed_query(token="x"), "echostr": "a"})
    assert bad_echo.status_code == 401

    answers = await sim.push()
    assert [(r.status_code, r.text) for r in answers] == [(200, "success")] * 2
    # The same push again (WeChat retries): nothing changes.
    replay = await client.post(PUSH, params=sim.signed_query(), content=forged)
    assert replay.text == "success"
    await drain_outbox(ctx)
    assert await public_ids(client, product_id) == [good["id"]]
    assert (await item_of(ctx, bad["id"])).status == "rejected"
    assert "色情" in ((await item_of(ctx, bad["id"])).reason or "")
    assert await decisions(ctx, (await item_of(ctx, good["id"])).id) == [
        (None, "checking", "machine"),
        ("checking", "approved", "wechat"),
    ]


async def test_the_lexicon_imports_csv_and_applies_at_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx, *MODERATION_TABLES)
    bad = await client.post(
        f"{CONSOLE}/words/import",
        json={"csv": "word,category,action\n刷单,ads,hold\n返现,nope,block\n"},
        headers=staff,
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "moderation.import_invalid")
    dup_id = await add_word(client, staff, "刷单", "ads", "block")
    before = await snapshot(ctx, *MODERATION_TABLES)
    duplicate = await client.post(
        f"{CONSOLE}/words",
        json={"word": "刷单", "category": "ads", "action": "hold"},
        headers=staff,
    )
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "moderation.word_exists")
    assert await snapshot(ctx, *MODERATION_TABLES) == before

    test = await client.post(f"{CONSOLE}/filter-test", json={"text": "可以刷 单吗"}, headers=staff)
    assert test.json()["action"] == "block"
    imported = await client.post(
        f"{CONSOLE}/words/import",
        json={"csv": "刷单,ads,replace\n代购,ads,hold\n"},
        headers=staff,
    )
    assert imported.json() == {"rows": 2, "total_words": 2}
    test = await client.post(f"{CONSOLE}/filter-test", json={"text": "可以刷 单吗"}, headers=staff)
    assert (test.json()["action"], test.json()["text"]) == ("replace", "可以* *吗")
    words = (await client.get(f"{CONSOLE}/words", params={"q": "刷"}, headers=staff)).json()
    assert [(w["id"], w["action"]) for w in words["items"]] == [(dup_id, "replace")]
    deleted = await client.delete(f"{CONSOLE}/words/{dup_id}", headers=staff)
    assert deleted.status_code == 204
    test = await client.post(f"{CONSOLE}/filter-test", json={"text": "可以刷单吗"}, headers=staff)
    assert test.json()["action"] is None
    shopper_headers = (await shopper(client)).headers
    denied = await client.get(f"{CONSOLE}/words", headers=shopper_headers)
    assert denied.status_code == 401
