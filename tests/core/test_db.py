"""Transactions: the unit of work, short and read-only sessions, after-commit callbacks, and the
request transaction that keeps a business failure's writes when asked to."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import (
    DbSession,
    claim_unused,
    keep_writes_on_error,
    on_commit,
    one_snapshot,
    read_session,
    short_transaction,
    unit_of_work,
    utcnow,
)
from shoplet.core.errors import Conflict
from shoplet.core.events import OutboxEvent, publish
from shoplet.modules.content.models import PostImage


async def _event_types(ctx: AppContext) -> list[str]:
    async with read_session(ctx.sessionmaker) as session:
        return list(await session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id)))


async def test_on_commit_runs_after_commit_in_order(ctx: AppContext) -> None:
    ran: list[str] = []
    async with unit_of_work(ctx.sessionmaker) as session:
        on_commit(session, lambda: ran.append("first"))
        on_commit(session, lambda: ran.append("second"))
        await publish(session, "test.db", {})
        assert ran == []
    assert ran == ["first", "second"]


async def test_on_commit_dropped_on_rollback(ctx: AppContext) -> None:
    ran: list[str] = []

    async def fail_after_writing() -> None:
        async with unit_of_work(ctx.sessionmaker) as session:
            on_commit(session, lambda: ran.append("never"))
            await publish(session, "test.db", {})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_after_writing()
    assert ran == []
    assert await _event_types(ctx) == []
    # The next transaction of a reused session does not inherit the dropped callback.
    async with unit_of_work(ctx.sessionmaker) as session:
        await publish(session, "test.db", {})
    assert ran == []


async def test_on_commit_key_returns_the_registered_callback(ctx: AppContext) -> None:
    batches: list[list[int]] = []

    class Batch:
        def __init__(self) -> None:
            self.items: list[int] = []

        def __call__(self) -> None:
            batches.append(self.items)

    async with short_transaction(ctx.sessionmaker) as session:
        on_commit(session, Batch(), key="batch").items.append(1)
        on_commit(session, Batch(), key="batch").items.append(2)
    assert batches == [[1, 2]]


async def test_a_failing_callback_does_not_undo_the_commit(ctx: AppContext) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("side effect failed")

    async with unit_of_work(ctx.sessionmaker) as session:
        on_commit(session, broken)
        on_commit(session, lambda: ran.append("after"))
        await publish(session, "test.db", {})
    assert ran == ["after"]
    assert await _event_types(ctx) == ["test.db"]


async def test_read_session_never_keeps_writes(ctx: AppContext) -> None:
    async with read_session(ctx.sessionmaker) as session:
        await publish(session, "test.db", {})
    assert await _event_types(ctx) == []


async def test_one_snapshot_keeps_reads_in_step_while_others_commit(
    ctx: AppContext, backend: str
) -> None:
    count = select(func.count()).select_from(OutboxEvent)
    async with read_session(ctx.sessionmaker) as session:
        await one_snapshot(session)
        before = await session.scalar(count)
        async with unit_of_work(ctx.sessionmaker) as other:
            await publish(other, "test.db", {})
        # PostgreSQL's second read sees the first one's database; SQLite is left as it is.
        assert await session.scalar(count) == (before if backend == "postgres" else 1)
    assert await _event_types(ctx) == ["test.db"]


class _Refused(Conflict):
    code = "test.refused"
    title = "Refused"


@pytest.fixture
def probe(app: FastAPI) -> None:
    router = APIRouter()

    @router.post("/test-db/{mode}")
    async def write_then_fail(mode: str, session: DbSession) -> None:
        await publish(session, f"test.{mode}", {})
        if mode == "keep":
            keep_writes_on_error(session)
        if mode in ("keep", "refuse"):
            raise _Refused()
        if mode == "crash":
            keep_writes_on_error(session)
            raise RuntimeError("not a business error")

    app.include_router(router)


@pytest.mark.usefixtures("probe")
async def test_request_transaction_rolls_back_unless_asked(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    refused = await client.post("/test-db/refuse")
    assert refused.status_code == 409
    assert refused.json()["code"] == "test.refused"
    assert await _event_types(ctx) == []

    kept = await client.post("/test-db/keep")
    assert kept.status_code == 409
    assert await _event_types(ctx) == ["test.keep"]

    with pytest.raises(RuntimeError):
        await client.post("/test-db/crash")
    assert await _event_types(ctx) == ["test.keep"]

    ok = await client.post("/test-db/ok")
    assert ok.status_code == 200
    assert await _event_types(ctx) == ["test.keep", "test.ok"]


async def test_claim_unused_takes_all_or_nothing_in_the_order_asked(ctx: AppContext) -> None:
    """The shared claim (posts' images, reviews' photos): the owner's unused rows, attached in
    one conditional update and read back in the order asked; any foreign or used id gives []."""
    async with unit_of_work(ctx.sessionmaker) as session:
        rows = [
            PostImage(member_id=owner, url=f"/m/{n}.jpg", created_at=utcnow())
            for n, owner in enumerate([1, 1, 1, 2])
        ]
        session.add_all(rows)
        await session.flush()
        mine_a, mine_b, mine_c, theirs = (r.id for r in rows)

    def claim(session: AsyncSession, ids: list[int], post_id: int) -> Any:
        return claim_unused(
            session,
            PostImage,
            ids,
            owner=PostImage.member_id,
            owner_id=1,
            target=PostImage.post_id,
            target_id=post_id,
        )

    async def claim_or_fail(ids: list[int], post_id: int) -> None:
        async with unit_of_work(ctx.sessionmaker) as session:
            if not await claim(session, ids, post_id):
                raise LookupError  # as the services do: the partial claim rolls back

    with pytest.raises(LookupError):
        await claim_or_fail([mine_a, theirs], 7)
    async with unit_of_work(ctx.sessionmaker) as session:
        got = await claim(session, [mine_c, mine_a, mine_c], 7)
        assert [(r.id, r.post_id) for r in got] == [(mine_c, 7), (mine_a, 7)]
    with pytest.raises(LookupError):
        await claim_or_fail([mine_b, mine_a], 8)
    async with read_session(ctx.sessionmaker) as session:
        stmt = select(PostImage.id, PostImage.post_id).order_by(PostImage.id)
        assert list(await session.execute(stmt)) == [
            (mine_a, 7),
            (mine_b, None),
            (mine_c, 7),
            (theirs, None),
        ]
