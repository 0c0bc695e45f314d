"""Database plumbing: declarative base, engine, and the only places that commit.

- ``DbSession``: one transaction per request. The dependency commits when the endpoint returns
  and rolls back on error; services and repositories only ``flush()``. ``keep_writes_on_error``
  asks it to commit although the endpoint fails with a business error (a counted wrong guess).
- ``unit_of_work``: the transaction of a background job, event handler or stream consumer.
- ``short_transaction``: a request that must not hold a transaction across an outside call
  (WeChat Pay) writes before and after it in short transactions of its own.
- ``read_session``: reads outside any unit of work; never commits.
- ``on_commit``: run a side effect (cache invalidation, a WeChat call, waking the relay) only
  once the transaction has committed; a rollback drops it.
- ``claim_unused``: the one conditional claim that modules share (a shopper's uploaded photos
  taken by the review or post they write), so each repository does not spell it again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

import structlog
from fastapi import Depends, Request
from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, SessionTransaction
from sqlalchemy.types import TypeDecorator

from shoplet.core.errors import ShopletError

log = structlog.get_logger("shoplet.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Big integer ids on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Shoplet stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def greatest(session: AsyncSession, a: Any, b: Any) -> Any:
    """The larger of two SQL values: ``greatest`` on PostgreSQL, SQLite's two-argument
    ``max``."""
    if session.get_bind().dialect.name == "sqlite":
        return func.max(a, b)
    return func.greatest(a, b)


def least(session: AsyncSession, a: Any, b: Any) -> Any:
    """The smaller of two SQL values: ``least`` on PostgreSQL, SQLite's two-argument ``min``."""
    if session.get_bind().dialect.name == "sqlite":
        return func.min(a, b)
    return func.least(a, b)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 20, echo: bool = False
) -> AsyncEngine:
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        # One writer at a time; WAL and a busy timeout let readers and the writer overlap.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# -- shared claims --------------------------------------------------------------------------

ModelT = TypeVar("ModelT", bound=Base)


async def claim_unused(
    session: AsyncSession,
    model: type[ModelT],
    ids: Sequence[int],
    *,
    owner: InstrumentedAttribute[int],
    owner_id: int,
    target: InstrumentedAttribute[int | None],
    target_id: int,
) -> list[ModelT]:
    """Attach the rows ``ids`` of ``model`` that ``owner_id`` owns and nothing uses yet
    (``target`` is NULL) to ``target_id``, in one conditional ``UPDATE … RETURNING``: a row is
    used once, also under concurrent claims. All or nothing for the caller: the rows in the
    order asked (a repeated id once), or [] when any was not the owner's or already used; the
    rows claimed meanwhile stay written, so a caller given [] fails its transaction (a business
    error rolls the request back)."""
    mapper = inspect(model)
    (pk,) = mapper.primary_key
    pk_key = mapper.get_property_by_column(pk).key
    stmt = (
        update(model)
        .where(pk.in_(ids), owner == owner_id, target.is_(None))
        .values({target: target_id})
        .returning(pk)
    )
    claimed: set[int] = set((await session.execute(stmt)).scalars())
    if len(claimed) != len(set(ids)):
        return []
    reread = select(model).where(pk.in_(claimed)).execution_options(populate_existing=True)
    by_id = {getattr(row, pk_key): row for row in await session.scalars(reread)}
    return [by_id[i] for i in dict.fromkeys(ids)]


# -- after-commit callbacks ------------------------------------------------------------------

_ON_COMMIT = "shoplet.on_commit"
_KEEP_ON_ERROR = "shoplet.keep_writes_on_error"

OnCommit = TypeVar("OnCommit", bound=Callable[[], object])


def on_commit(
    session: AsyncSession | Session, callback: OnCommit, *, key: Hashable | None = None
) -> OnCommit:
    """Run ``callback()`` once ``session``'s outermost transaction has committed; a rollback
    (or a session closed without commit) drops it. Callbacks run in the order registered, on
    the event loop thread, and must not block: schedule async work as a task.

    With ``key``, one callback per key and transaction: the one already registered is returned
    (so callers can batch work into it, e.g. cache keys to invalidate).
    """
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    pending: dict[Hashable, Callable[[], object]] = sync.info.setdefault(_ON_COMMIT, {})
    slot: Hashable = object() if key is None else key
    existing = pending.get(slot)
    if existing is not None:
        return cast("OnCommit", existing)
    pending[slot] = callback
    return callback


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    callbacks: dict[Hashable, Callable[[], object]] = session.info.pop(_ON_COMMIT, None) or {}
    for callback in callbacks.values():
        try:
            callback()
        except Exception:
            # The data is committed: a failed side effect must not turn it into an error.
            log.exception("db.on_commit_failed", callback=repr(callback))


@event.listens_for(Session, "after_transaction_end")
def _drop_on_rollback(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (after_commit pops first): forget.
    if transaction.parent is None:
        session.info.pop(_ON_COMMIT, None)
        session.info.pop(_KEEP_ON_ERROR, None)


# -- transactions ----------------------------------------------------------------------------


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """The transaction of a job, event handler, consumer or script: commit on success, roll
    back on error. Request paths use ``DbSession`` (or, around an outside call,
    ``short_transaction``), never this."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def short_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A transaction of its own inside a request, for the one case that needs it: no
    transaction (and no row lock) may stay open across a call to the outside world (WeChat Pay
    prepay, refund, close), so such a request reads or writes in one short transaction, makes
    the call with none open, then records the answer in another. The endpoint then takes no
    ``DbSession``. Commits on success, rolls back on error."""
    async with unit_of_work(sessionmaker) as session:
        yield session


@asynccontextmanager
async def read_session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for reads outside any unit of work (a cache fill shared by concurrent
    requests, a job's scan before it works item by item): never committed, so nothing written
    through it can be kept. Closing it ends the transaction on the connection without expiring
    the rows read, which stay usable (detached) afterwards."""
    async with sessionmaker() as session:
        yield session


async def one_snapshot(session: AsyncSession) -> None:
    """Let every read left in ``session``'s transaction see the database as its first read does
    (PostgreSQL: ``REPEATABLE READ READ ONLY``, allowed on a hot standby too), so a count and the
    list it counts agree while orders are paid meanwhile. Call it before the first statement;
    SQLite (embedded mode) is left as it is."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))


def keep_writes_on_error(session: AsyncSession) -> None:
    """Ask the request's ``DbSession`` to commit although the endpoint fails with a business
    error (``ShopletError``): the failure itself must be stored (a wrong code counted against
    its attempts, a replayed token's family revoked, a locked account). Any other exception
    still rolls back."""
    session.info[_KEEP_ON_ERROR] = True


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except ShopletError:
            if session.info.get(_KEEP_ON_ERROR):
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit happens before the response is sent, so a failed commit is a 5xx,
# never a success the client saw for data that was not stored.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
