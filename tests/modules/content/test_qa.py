"""问大家 through the API, on both backends: a question is public once moderation approves it;
only buyers (and the shop) answer; the asker is told; one like per shopper; banned words are
never public and come back through 申诉; bad input changes nothing."""

from __future__ import annotations

import httpx

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from tests.conftest import snapshot
from tests.modules.content.factories import (
    API,
    CONSOLE,
    CONTENT_TABLES,
    MODERATION,
    answer,
    ask,
    buyer,
    item_id,
    question_row,
)
from tests.modules.moderation.factories import add_word
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import audit_rows


async def public_questions(client: httpx.AsyncClient, product_id: int) -> list[dict[str, object]]:
    response = await client.get(f"{API}/products/{product_id}/questions")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_buyers_and_the_shop_answer_the_asker_is_told_likes_count_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, product_id = await buyer(client, ctx, "qa-alice")
    bob = await shopper(client, "qa-bob")
    carol = await shopper(client, "qa-carol")

    asked = await ask(client, bob, product_id, "<b>尺码</b>偏大吗？")
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert (question["status"], question["content"]) == ("approved", "尺码偏大吗？")
    assert question["moderation"]["status"] == "approved"
    assert [q["id"] for q in await public_questions(client, product_id)] == [question["id"]]

    # Only a buyer answers.
    before = await snapshot(ctx, *CONTENT_TABLES)
    refused = await answer(client, carol, question["id"], "不知道")
    assert (refused.status_code, refused.json()["code"]) == (403, "content.not_a_buyer")
    assert await snapshot(ctx, *CONTENT_TABLES) == before

    answered = await answer(client, alice, question["id"], "正常码，买L合适")
    assert answered.status_code == 201, answered.text
    assert answered.json()["status"] == "approved"
    shop = await client.post(
        f"{CONSOLE}/questions/{question['id']}/answers",
        json={"content": "亲，按平时尺码选即可"},
        headers=staff,
    )
    assert shop.status_code == 200, shop.text
    assert (shop.json()["is_merchant"], shop.json()["nickname"]) == (True, "商家")

    [listed] = await public_questions(client, product_id)
    answers = listed["answers"]
    assert isinstance(answers, list)
    assert [a["is_merchant"] for a in answers] == [True, False]
    assert listed["answer_count"] == 2
    summary = (await client.get(f"{API}/products/{product_id}/questions/summary")).json()
    assert (summary["total"], [q["id"] for q in summary["latest"]]) == (1, [question["id"]])

    # The asker is told, once per answer.
    notices = (await client.get(f"{API}/content/notices", headers=bob.headers)).json()
    assert [n["text"] for n in notices] == [
        "商家回答了你的问题：亲，按平时尺码选即可",
        "微信用户回答了你的问题：正常码，买L合适",
    ]
    assert all(not n["is_read"] for n in notices)
    read = await client.post(f"{API}/content/notices/read", headers=bob.headers)
    assert read.status_code == 204
    again = (await client.get(f"{API}/content/notices", headers=bob.headers)).json()
    assert all(n["is_read"] for n in again)

    # One like per shopper; taking it back.
    answer_id = answered.json()["id"]
    for _ in range(2):
        liked = await client.put(f"{API}/answers/{answer_id}/like", headers=bob.headers)
        assert liked.json() == {"liked": True, "like_count": 1}
    by_carol = await client.put(f"{API}/answers/{answer_id}/like", headers=carol.headers)
    assert by_carol.json() == {"liked": True, "like_count": 2}
    mine = await client.get(f"{API}/products/{product_id}/questions", headers=bob.headers)
    viewed = mine.json()["items"][0]["answers"][1]
    assert (viewed["liked"], viewed["like_count"]) == (True, 2)
    taken = await client.delete(f"{API}/answers/{answer_id}/like", headers=bob.headers)
    assert taken.json() == {"liked": False, "like_count": 1}
    taken = await client.delete(f"{API}/answers/{answer_id}/like", headers=bob.headers)
    assert taken.json() == {"liked": False, "like_count": 1}

    actions = [r.action for r in await audit_rows(ctx) if r.action.startswith("content.")]
    assert actions == ["content.answer"]


async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, product_id = await buyer(client, ctx, "qa-dave")
    before = await snapshot(ctx, *CONTENT_TABLES)
    cases = [
        (await ask(client, alice, product_id, "   "), 400, "content.content_empty"),
        (await ask(client, alice, product_id, "<p></p>"), 400, "content.content_empty"),
        (await ask(client, alice, product_id, "问" * 201), 400, "content.content_too_long"),
        (await ask(client, alice, 999_999, "有货吗"), 404, "content.product_not_found"),
        (await answer(client, alice, 999_999, "有"), 404, "content.question_not_found"),
        (
            await client.put(f"{API}/answers/999999/like", headers=alice.headers),
            404,
            "content.answer_not_found",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    unsigned = await client.post(f"{API}/products/{product_id}/questions", json={"content": "x"})
    assert unsigned.status_code == 401
    malformed = await client.post(
        f"{API}/products/{product_id}/questions", json={"content": 1}, headers=alice.headers
    )
    assert malformed.status_code == 422
    assert await snapshot(ctx, *CONTENT_TABLES) == before


async def test_banned_questions_are_never_public_and_return_through_appeal(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    moderator = staff
    await add_word(client, moderator, "假货", "fraud", "block")
    alice, product_id = await buyer(client, ctx, "qa-erin")
    blocked = (await ask(client, alice, product_id, "这是假货吗")).json()
    assert (blocked["status"], blocked["moderation"]["status"]) == ("rejected", "rejected")
    held = (await ask(client, alice, product_id, "可以私聊吗")).json()
    assert (held["status"], held["moderation"]["status"]) == ("pending", "held")
    assert await public_questions(client, product_id) == []
    # Not answerable while not public.
    refused = await answer(client, alice, blocked["id"], "是正品")
    assert (refused.status_code, refused.json()["code"]) == (404, "content.question_not_found")

    mine = (await client.get(f"{API}/moderation/mine", headers=alice.headers)).json()["items"]
    ours = {(x["subject_type"], x["subject_id"]): x for x in mine}
    assert ours[("question", blocked["id"])]["status"] == "rejected"
    assert ours[("question", blocked["id"])]["can_appeal"] is True
    assert "假货" in ours[("question", blocked["id"])]["reason"]
    assert ours[("question", held["id"])]["status"] == "held"

    appeal = {"subject_type": "question", "subject_id": blocked["id"], "reason": "问的是真伪"}
    appealed = await client.post(f"{API}/moderation/appeals", json=appeal, headers=alice.headers)
    assert appealed.json()["status"] == "held", appealed.text
    first = await item_id(ctx, "question", blocked["id"])
    approved = await client.post(f"{MODERATION}/items/{first}/approve", json={}, headers=staff)
    assert approved.status_code == 200, approved.text
    second = await item_id(ctx, "question", held["id"])
    await client.post(f"{MODERATION}/items/{second}/reject", json={"reason": "引流"}, headers=staff)
    await drain_outbox(ctx)
    assert [q["id"] for q in await public_questions(client, product_id)] == [blocked["id"]]
    assert (await question_row(ctx, held["id"])).status == "rejected"

    # Staff removal is final: a later verdict does not bring it back.
    removed = await client.post(f"{CONSOLE}/questions/{blocked['id']}/remove", headers=staff)
    assert removed.status_code == 204, removed.text
    assert await public_questions(client, product_id) == []
    listed = (await client.get(f"{CONSOLE}/questions?status=removed", headers=staff)).json()
    assert [q["id"] for q in listed["items"]] == [blocked["id"]]
