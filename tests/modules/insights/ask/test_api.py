"""``POST /console/insights/ask`` over HTTP (SQLite and PostgreSQL): an answer, refusals that
change nothing (empty, too long, a metric the role may not see), helpful answers to what it
cannot map, and the LLM fallback with an in-repo fake provider (off by default)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import orjson
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.ask import llm
from tests.conftest import snapshot
from tests.modules.insights.ask.factories import ASK, Line, Placed, add_orders, make_store
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def operator(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "ask-operator"))


@pytest.fixture
async def support(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "ask-support", role="support"))


class FakeProvider:
    """Answers with a fixed Query JSON and remembers what it was sent."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str]] = []

    async def to_query(self, question: str, prompt: str) -> str:
        self.sent.append((question, prompt))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def no_provider() -> Iterator[None]:
    yield
    llm.set_provider(None)


async def test_answers_a_question(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    store = await make_store(ctx)
    yesterday = utcnow() - timedelta(days=1)
    async with unit_of_work(ctx.sessionmaker) as s:
        await add_orders(
            s,
            [
                Placed(1, [Line(store.tee, 2, 19800, "纯棉T恤")], yesterday),
                Placed(2, [Line(store.phone, 1, 199900, "拍照手机")], yesterday, "440305"),
            ],
            store.sku,
        )
    response = await client.post(ASK, json={"question": "近7天各品类的销量"}, headers=operator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"]["metric"] == "units"
    assert body["query"]["dimensions"] == ["category"]
    assert body["columns"] == [
        {"key": "category", "label": "品类", "kind": "dimension"},
        {"key": "units", "label": "销量", "kind": "count"},
    ]
    assert sorted(body["rows"]) == [["数码", 1], ["服饰", 2]]
    assert body["chart"]["type"] == "bar"
    assert body["description"].startswith("销量 · 按品类 · ")
    assert body["via"] == "parser"


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("", "insights.ask_empty"),
        ("   ", "insights.ask_empty"),
        ("销" * 201, "insights.ask_too_long"),
    ],
)
async def test_bad_questions_are_refused(
    client: httpx.AsyncClient,
    ctx: AppContext,
    operator: dict[str, str],
    question: str,
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.post(ASK, json={"question": question}, headers=operator)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_a_metric_the_role_may_not_see_is_refused(
    client: httpx.AsyncClient, ctx: AppContext, support: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    response = await client.post(ASK, json={"question": "上周销售额"}, headers=support)
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "insights.ask_metric_forbidden"
    assert "销售额" in problem["detail"]
    assert "dashboard:read" in problem["detail"]
    assert await snapshot(ctx) == before
    allowed = await client.post(ASK, json={"question": "上周订单数"}, headers=support)
    assert allowed.status_code == 200
    assert allowed.json()["rows"] == [[0]]


async def test_signed_out_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(ASK, json={"question": "上周订单数"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "question",
    ["上周的天气", "销额", "？？？", "新会员数按品类", "各省的新会员数", "2026年13月销售额"],
)
async def test_what_it_cannot_map_gets_a_helpful_answer(
    client: httpx.AsyncClient, operator: dict[str, str], question: str
) -> None:
    response = await client.post(ASK, json={"question": question}, headers=operator)
    assert response.status_code == 200, response.text
    body = response.json()
    if body["query"] is None:
        assert body["message"]
        assert body["suggestions"]
        assert body["via"] == "none"


QUERY = orjson.dumps(
    {
        "metric": "orders",
        "range": {"start": "2026-11-01", "end": "2026-11-30", "label": "11月"},
    }
).decode()


@pytest.mark.usefixtures("no_provider")
async def test_llm_fallback_gets_names_only(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    await make_store(ctx, "-秘")
    fake = FakeProvider(QUERY)
    llm.set_provider(fake)
    # The parser maps this one itself: the provider is not asked.
    assert (await client.post(ASK, json={"question": "上周订单数"}, headers=operator)).json()[
        "via"
    ] == "parser"
    assert fake.sent == []
    response = await client.post(
        ASK, json={"question": "帮我看看13800138000那位顾客的情况"}, headers=operator
    )
    body = response.json()
    assert body["via"] == "llm"
    assert body["query"]["metric"] == "orders"
    assert body["rows"] == [[0]]
    [(question, prompt)] = fake.sent
    assert "13800138000" not in question
    assert "***********" in question
    assert "销售额" in prompt
    assert "order_no" not in prompt
    assert "-秘" not in prompt  # nothing read from the shop's data


@pytest.mark.usefixtures("no_provider")
@pytest.mark.parametrize(
    "answer",
    [
        RuntimeError("provider down"),
        "not json",
        '{"metric": "profit", "range": {"start": "2026-11-01", "end": "2026-11-30"}}',
        '{"metric": "new_members", "dimensions": ["category"], '
        '"range": {"start": "2026-11-01", "end": "2026-11-30"}}',
        '{"metric": "gmv", "filters": [{"dimension": "category", "values": ["服饰"]}], '
        '"range": {"start": "2026-11-01", "end": "2026-11-30"}}',
        '{"metric": "gmv", "range": {"start": "2020-01-01", "end": "2026-11-30"}}',
    ],
)
async def test_an_unusable_llm_answer_falls_back_to_suggestions(
    client: httpx.AsyncClient, operator: dict[str, str], answer: str | Exception
) -> None:
    llm.set_provider(FakeProvider(answer))
    response = await client.post(ASK, json={"question": "上周的天气"}, headers=operator)
    assert response.status_code == 200
    body = response.json()
    assert body["query"] is None
    assert body["via"] == "none"
    assert body["suggestions"]
