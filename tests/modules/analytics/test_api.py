"""RFM over members' paid orders and imported history, through the console (SQLite and
PostgreSQL): a refunded order does not count, a partial refund is netted, a run converges,
refused imports write nothing, and only ``analytics:view`` sees any of it."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import insert, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.analytics import service, tasks
from shoplet.modules.analytics.models import HistoryTransaction, MemberRfm, RfmRun
from shoplet.modules.orders.models import Order
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

BASE = "/api/v1/console/analytics"
SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "rfm-operator"))


def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def _noon(days_ago: int) -> datetime:
    day = _today() - timedelta(days=days_ago)
    return datetime.combine(day, time(12), tzinfo=SHANGHAI).astimezone(UTC)


async def add_order(
    ctx: AppContext, member_id: int, days_ago: int, payable: int, refunded: int = 0
) -> str:
    """A paid (completed, or refunded when ``refunded`` is all of it) order."""
    number = f"R{next(_numbers):012d}"
    paid_at = _noon(days_ago)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            insert(Order).values(
                order_no=number,
                member_id=member_id,
                status="refunded" if refunded and refunded == payable else "completed",
                source="cart",
                items_total=payable,
                shipping_fee=0,
                discount_total=0,
                payable_total=payable,
                refunded_total=refunded,
                aftersale_claimed_total=refunded,
                address_encrypted="x",
                phone_index="x",
                region_code="110101",
                idempotency_key=number,
                request_hash=number,
                created_at=paid_at - timedelta(minutes=5),
                expires_at=paid_at + timedelta(minutes=25),
                paid_at=paid_at,
                updated_at=paid_at,
            )
        )
    return number


async def _run(client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]) -> dict[str, Any]:
    queued = await client.post(f"{BASE}/rfm/runs", headers=staff)
    assert queued.status_code == 202, queued.text
    await tasks.work_rfm_runs(ctx)
    done = await client.get(f"{BASE}/rfm/runs/{queued.json()['id']}", headers=staff)
    body: dict[str, Any] = done.json()
    assert body["status"] == "done", body
    return body


async def _upload(
    client: httpx.AsyncClient, staff: dict[str, str], text: str, name: str = "history.csv"
) -> httpx.Response:
    return await client.post(
        f"{BASE}/history-imports",
        headers=staff,
        files={"file": (name, text.encode(), "text/csv")},
    )


async def test_rfm_from_orders_and_history(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    # Member 1: three days (40, 20, 5 days ago), two orders on day 20 (100 + 50 yuan).
    for days_ago, fen in ((40, 10000), (20, 10000), (20, 5000), (5, 30000)):
        await add_order(ctx, 1, days_ago, fen)
    # Member 2: one order 10 days ago, partly refunded; a second one refunded in full.
    await add_order(ctx, 2, 10, 8000, refunded=3000)
    await add_order(ctx, 2, 3, 9000, refunded=9000)
    # Member 3: only a refunded order: not a customer.
    await add_order(ctx, 3, 1, 5000, refunded=5000)
    first_day = (_today() - timedelta(days=100)).isoformat()
    again = (_today() - timedelta(days=50)).isoformat()
    imported = await _upload(
        client, staff, f"customer_id,date,amount\nA-7,{first_day},12.50\nA-7,{again},7.5\n"
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"rows": 2, "customers": 1, "total_rows": 2, "total_customers": 1}

    run = await _run(client, ctx, staff)
    assert (run["progress"], run["total"]) == (3, 3)
    assert run["observation_end"] == _today().isoformat()

    one = (await client.get(f"{BASE}/rfm/members/1", headers=staff)).json()
    assert {k: one[k] for k in ("frequency", "recency", "t_days", "monetary_value")} == {
        "frequency": 2,
        "recency": 35,
        "t_days": 40,
        "monetary_value": (15000 + 30000) // 2,
    }
    assert (one["orders"], one["spend"], one["days_since_last"]) == (4, 55000, 5)
    assert one["customer_key"] == "m:1"
    two = (await client.get(f"{BASE}/rfm/members/2", headers=staff)).json()
    assert (two["orders"], two["spend"], two["frequency"], two["days_since_last"]) == (
        1,
        5000,
        0,
        10,
    )
    missing = await client.get(f"{BASE}/rfm/members/3", headers=staff)
    assert missing.status_code == 404
    assert missing.json()["code"] == "analytics.rfm_not_found"

    summary = (await client.get(f"{BASE}/rfm", headers=staff)).json()
    assert summary["customers"] == 3
    assert summary["spend"] == 55000 + 5000 + 2000
    assert [c["code"] for c in summary["classes"]][:2] == ["important_value", "important_develop"]
    assert sum(c["customers"] for c in summary["classes"]) == 3
    assert len(summary["points"]) == 3
    assert summary["last_done_run"]["id"] == run["id"]

    async with unit_of_work(ctx.sessionmaker) as s:
        rows = {r.customer_key: r for r in await s.scalars(select(MemberRfm))}
    assert set(rows) == {"m:1", "m:2", "x:A-7"}
    external = rows["x:A-7"]
    assert (external.frequency, external.recency, external.t_days) == (1, 50, 100)
    assert (external.orders, external.spend, external.monetary_value) == (2, 2000, 750)
    # The classes follow the scores: member 1 leads on every measure.
    assert (rows["m:1"].r_score, rows["m:1"].f_score, rows["m:1"].m_score) == (4, 4, 4)
    assert rows["m:1"].rfm_class == "important_value"

    # A class's customers page by keyset, biggest spender first.
    code = rows["m:1"].rfm_class
    page = (
        await client.get(
            f"{BASE}/rfm/customers", headers=staff, params={"rfm_class": code, "limit": 1}
        )
    ).json()
    assert [i["customer_key"] for i in page["items"]] == ["m:1"]
    assert page["next_cursor"] is None

    export = await client.get(f"{BASE}/rfm/export", headers=staff)
    assert export.status_code == 200
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("customer_key,member_id,external_customer_id,class,class_name")
    assert len(lines) == 4
    assert any(
        line.startswith("m:1,1,,important_value,重要价值客户,4,4,4,5,4,550.00,") for line in lines
    )


async def test_a_rerun_converges_and_drops_customers_gone(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await add_order(ctx, 11, 30, 10000)
    await add_order(ctx, 11, 2, 20000)
    gone = await add_order(ctx, 12, 4, 6000)
    await add_order(ctx, 13, 8, 7000)
    await _run(client, ctx, staff)
    async with unit_of_work(ctx.sessionmaker) as s:
        first = {
            r.customer_key: (r.id, r.spend, r.rfm_class) for r in await s.scalars(select(MemberRfm))
        }
    await _run(client, ctx, staff)
    async with unit_of_work(ctx.sessionmaker) as s:
        second = {
            r.customer_key: (r.id, r.spend, r.rfm_class) for r in await s.scalars(select(MemberRfm))
        }
        assert first == second
        # Member 12's order is refunded in full: the next run drops them.
        await s.execute(
            update(Order)
            .where(Order.order_no == gone)
            .values(status="refunded", refunded_total=6000)
        )
    await _run(client, ctx, staff)
    async with unit_of_work(ctx.sessionmaker) as s:
        keys = set(await s.scalars(select(MemberRfm.customer_key)))
    assert keys == {"m:11", "m:13"}


async def test_one_open_run_at_a_time(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    a = (await client.post(f"{BASE}/rfm/runs", headers=staff)).json()
    b = (await client.post(f"{BASE}/rfm/runs", headers=staff)).json()
    assert a["id"] == b["id"]
    assert a["status"] == "queued"
    await tasks.work_rfm_runs(ctx)
    c = (await client.post(f"{BASE}/rfm/runs", headers=staff)).json()
    assert c["id"] != a["id"]
    async with unit_of_work(ctx.sessionmaker) as s:
        statuses = sorted((r.id, r.status, r.open_slot) for r in await s.scalars(select(RfmRun)))
    assert statuses == [(a["id"], "done", None), (c["id"], "queued", 1)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("customer_id,date,amount\nA,2026-01-01,1\nB,2026-02-30,1\n", 3),
        ("customer_id,day,amount\nA,2026-01-01,1\n", 1),
        ("customer_id,date,amount\n", 2),
        ("customer_id,date,amount\nA,2026-01-01,1\nB,2026-01-02,-3\n", 3),
    ],
)
async def test_a_bad_history_file_is_400_and_writes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], text: str, line: int
) -> None:
    await _upload(client, staff, "customer_id,date,amount\nkept,2026-01-01,1\n")
    before = await snapshot(ctx)
    response = await _upload(client, staff, text)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "analytics.history_invalid"
    assert body["line"] == line
    assert await snapshot(ctx) == before
    async with unit_of_work(ctx.sessionmaker) as s:
        assert list(await s.scalars(select(HistoryTransaction.external_customer_id))) == ["kept"]


async def test_only_analytics_view_sees_rfm(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "rfm-support", role="support"))
    owner = bearer(await token_for(client, ctx, "rfm-owner", role="owner"))
    before = await snapshot(ctx)
    for method, url in (
        ("GET", f"{BASE}/rfm"),
        ("GET", f"{BASE}/rfm/customers?rfm_class=important_value"),
        ("GET", f"{BASE}/rfm/members/1"),
        ("POST", f"{BASE}/rfm/runs"),
        ("GET", f"{BASE}/rfm/runs/1"),
        ("GET", f"{BASE}/rfm/export"),
    ):
        response = await client.request(method, url, headers=support)
        assert response.status_code == 403, url
        assert response.json()["code"] == "console.permission_denied"
    refused = await _upload(client, support, "customer_id,date,amount\nA,2026-01-01,1\n")
    assert refused.status_code == 403
    assert await snapshot(ctx) == before
    assert (await client.get(f"{BASE}/rfm", headers=owner)).status_code == 200
    assert (await client.get(f"{BASE}/rfm")).status_code == 401


async def test_cursor_and_class_are_checked(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    bad_class = await client.get(
        f"{BASE}/rfm/customers", headers=staff, params={"rfm_class": "vip"}
    )
    assert bad_class.status_code == 422
    bad_cursor = await client.get(
        f"{BASE}/rfm/customers",
        headers=staff,
        params={"rfm_class": "important_value", "cursor": "nonsense"},
    )
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["code"] == "pagination.invalid_cursor"


def test_days_are_shanghai_days() -> None:
    late = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 00:30 on the 5th in Shanghai
    assert service.shanghai_day(late) == date(2026, 12, 5)
