"""RFM, CLV and P(alive) per customer over members' paid orders (net of refunds) and imported
history, computed by runs; the console's figures; the history import.

A run: read every purchase (one read), compute in a worker thread (``rfm.summarize``, then
BG/NBD + Gamma-Gamma from ``clv``), then upsert the rows in batches, each batch in its own
transaction with the run's progress, and finally delete the rows of customers the run did not
write. Re-running converges to the same table (idempotent); a run left ``running`` by a dead
worker is resumed from the start by the next worker pass.

Days are Asia/Shanghai days: an order paid at 23:30 in Shanghai counts on that day, and the
observation ends today (Shanghai).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from shoplet.modules.analytics import clv, rfm
from shoplet.modules.analytics import repository as repo
from shoplet.modules.analytics.errors import (
    HistoryInvalid,
    RfmNotFound,
    RunNotFound,
)
from shoplet.modules.analytics.models import MemberRfm
from shoplet.modules.analytics.schemas import (
    HistoryImport,
    RfmClassFigure,
    RfmCustomer,
    RfmPoint,
    RfmRun,
    RfmSummary,
)

log = structlog.get_logger("shoplet.analytics")

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH_SIZE = 500
SCATTER_POINTS = 1000
EXPORT_LIMIT = 200_000
MAX_HISTORY_BYTES = 20 * 1024 * 1024
PREDICTION_DAYS = 365


def shanghai_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def member_key(member_id: int) -> str:
    return f"m:{member_id}"


def external_key(customer_id: str) -> str:
    return f"x:{customer_id}"


def purchases(
    orders: Sequence[tuple[int, datetime, int]],
    history: Sequence[tuple[str, int | None, date, int]],
) -> list[rfm.Transaction]:
    """One transaction list for RFM: members' orders under ``m:<id>``, history matched to a
    member under the same key, other history under ``x:<external id>``."""
    out = [rfm.Transaction(member_key(m), shanghai_day(at), fen) for m, at, fen in orders]
    out.extend(
        rfm.Transaction(member_key(m) if m is not None else external_key(c), day, fen)
        for c, m, day, fen in history
    )
    return out


@dataclass(frozen=True, slots=True)
class Computed:
    rows: list[dict[str, Any]]
    model: dict[str, Any]


def compute(
    transactions: Sequence[rfm.Transaction], observation_end: date, run_id: int, now: datetime
) -> Computed:
    """The rows of ``analytics_member_rfm`` for one run (pure; CPU-bound)."""
    customers = rfm.summarize(transactions, observation_end)
    model: dict[str, Any] = {"customers": len(customers), "observation_end": str(observation_end)}
    bgnbd: clv.BgNbdParams | None = None
    gamma: clv.GammaGammaParams | None = None
    try:
        bgnbd = clv.fit_bgnbd(
            [c.frequency for c in customers],
            [c.recency for c in customers],
            [c.T for c in customers],
        )
        gamma = clv.fit_gamma_gamma(
            [c.frequency for c in customers], [c.monetary_value for c in customers]
        )
        model["bgnbd"] = {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b}
        model["gamma_gamma"] = {"p": gamma.p, "q": gamma.q, "v": gamma.v}
    except clv.FitFailed as exc:
        model["fit_error"] = str(exc)
        bgnbd = gamma = None
    rows: list[dict[str, Any]] = []
    for c in customers:
        alive, expected, value = clv.predict(
            bgnbd, gamma, c.frequency, c.recency, c.T, c.monetary_value, days=PREDICTION_DAYS
        )
        is_member = c.customer_id.startswith("m:")
        rows.append(
            {
                "customer_key": c.customer_id,
                "member_id": int(c.customer_id[2:]) if is_member else None,
                "external_customer_id": None if is_member else c.customer_id[2:],
                "frequency": c.frequency,
                "recency": c.recency,
                "t_days": c.T,
                "monetary_value": round(c.monetary_value),
                "days_since_last": c.days_since_last,
                "orders": c.orders,
                "spend": c.spend,
                "r_score": c.r_score,
                "f_score": c.f_score,
                "m_score": c.m_score,
                "rfm_class": c.rfm_class,
                "p_alive": alive,
                "expected_purchases": expected,
                "clv": value,
                "last_purchase_on": c.last_day,
                "run_id": run_id,
                "computed_at": now,
            }
        )
    return Computed(rows, model)


# Runs


def _run_out(run: Any) -> RfmRun:
    return RfmRun.model_validate(run)


async def request_run(
    session: AsyncSession, *, trigger: str, staff_id: int | None
) -> tuple[RfmRun, bool]:
    """Queue a computation, or return the one already open: (run, whether it is new)."""
    run_id = await repo.open_run(session, trigger=trigger, staff_id=staff_id, now=utcnow())
    if run_id is None:
        run = await repo.current_open_run(session)
        if run is None:  # it finished between the two statements
            return await request_run(session, trigger=trigger, staff_id=staff_id)
        return _run_out(run), False
    created = await repo.get_run(session, run_id)
    if created is None:  # pragma: no cover (inserted by this transaction a moment ago)
        raise RunNotFound(run_id=run_id)
    return _run_out(created), True


async def get_run(session: AsyncSession, run_id: int) -> RfmRun:
    run = await repo.get_run(session, run_id)
    if run is None:
        raise RunNotFound(run_id=run_id)
    return _run_out(run)


async def run_rfm(ctx: AppContext, run_id: int, *, batch_size: int = BATCH_SIZE) -> None:
    """Work run ``run_id`` to the end (see the module docstring); any error fails the run."""
    try:
        await _work(ctx, run_id, batch_size)
    except Exception as exc:
        log.exception("rfm_run_failed", run_id=run_id)
        async with unit_of_work(ctx.sessionmaker) as session:
            error = f"{type(exc).__name__}: {exc}"[:500]
            await repo.finish_run(session, run_id, model=None, error=error, now=utcnow())


async def _work(ctx: AppContext, run_id: int, batch_size: int) -> None:
    now = utcnow()
    observation_end = shanghai_day(now)
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.start_run(session, run_id, observation_end=observation_end, now=now):
            return
    async with read_session(ctx.sessionmaker) as session:
        orders = await repo.paid_orders(session, now)
        history = await repo.history(session)
    transactions = purchases(orders, history)
    computed = await asyncio.to_thread(compute, transactions, observation_end, run_id, now)
    total = len(computed.rows)
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.set_progress(session, run_id, 0, total=total)
    log.info("rfm_run_started", run_id=run_id, customers=total, transactions=len(transactions))
    for start in range(0, total, batch_size):
        done = min(total, start + batch_size)
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.upsert_rfm(session, computed.rows[start:done])
            await repo.set_progress(session, run_id, done, total=total)
        log.info("rfm_run_progress", run_id=run_id, done=done, total=total)
    async with unit_of_work(ctx.sessionmaker) as session:
        removed = await repo.delete_other_runs(session, run_id)
        await repo.finish_run(
            session, run_id, model=json.dumps(computed.model), error=None, now=utcnow()
        )
    log.info("rfm_run_done", run_id=run_id, customers=total, removed=removed, model=computed.model)


async def work_open_runs(ctx: AppContext) -> None:
    """Work the open run, if any (queued by the console or the daily job)."""
    async with read_session(ctx.sessionmaker) as session:
        run = await repo.current_open_run(session)
    if run is not None:
        await run_rfm(ctx, run.id)


# Console figures


async def summary(session: AsyncSession) -> RfmSummary:
    figures = {c: (n, s, v) for c, n, s, v in await repo.class_figures(session)}
    customers = sum(n for n, _, _ in figures.values())
    classes = [
        RfmClassFigure.model_validate(
            {
                "code": code,
                "customers": figures.get(code, (0, 0, 0))[0],
                "share_permille": round(1000 * figures.get(code, (0, 0, 0))[0] / customers)
                if customers
                else 0,
                "spend": figures.get(code, (0, 0, 0))[1],
                "clv": figures.get(code, (0, 0, 0))[2],
            }
        )
        for code in rfm.CLASS_CODES
    ]
    points = [
        RfmPoint.model_validate(
            {
                "days_since_last": r.days_since_last,
                "orders": r.orders,
                "spend": r.spend,
                "rfm_class": r.rfm_class,
            }
        )
        for r in await repo.sample(session, SCATTER_POINTS)
    ]
    last = await repo.latest_run(session)
    done = await repo.latest_done_run(session)
    return RfmSummary(
        customers=customers,
        spend=sum(s for _, s, _ in figures.values()),
        classes=classes,
        points=points,
        last_run=None if last is None else _run_out(last),
        last_done_run=None if done is None else _run_out(done),
    )


async def list_class(
    session: AsyncSession, rfm_class: str, *, cursor: str | None, limit: int
) -> tuple[list[RfmCustomer], str | None]:
    after: tuple[int, int] | None = None
    if cursor is not None:
        spend, row_id = decode_cursor(cursor, length=2)
        if not isinstance(spend, int) or not isinstance(row_id, int):
            raise InvalidCursor("cursor is not one this API issued")
        after = (spend, row_id)
    rows = await repo.list_class(session, rfm_class, after, limit + 1)
    items = [RfmCustomer.model_validate(r) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = None if last is None else encode_cursor([last.spend, last.id])
    return items, next_cursor


async def member_rfm(session: AsyncSession, member_id: int) -> RfmCustomer:
    row = await repo.member_rfm(session, member_id)
    if row is None:
        raise RfmNotFound(member_id=member_id)
    return RfmCustomer.model_validate(row)


EXPORT_COLUMNS = (
    "customer_key",
    "member_id",
    "external_customer_id",
    "class",
    "class_name",
    "r_score",
    "f_score",
    "m_score",
    "days_since_last",
    "orders",
    "spend",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "clv",
)


def _export_row(r: MemberRfm) -> list[str]:
    return [
        r.customer_key,
        "" if r.member_id is None else str(r.member_id),
        r.external_customer_id or "",
        r.rfm_class,
        rfm.CLASS_NAMES[r.rfm_class],
        str(r.r_score),
        str(r.f_score),
        str(r.m_score),
        str(r.days_since_last),
        str(r.orders),
        rfm.fen_to_yuan(r.spend),
        str(r.frequency),
        str(r.recency),
        str(r.t_days),
        rfm.fen_to_yuan(r.monetary_value),
        "" if r.p_alive is None else f"{r.p_alive:.4f}",
        "" if r.clv is None else rfm.fen_to_yuan(r.clv),
    ]


async def export_csv(session: AsyncSession) -> str:
    """Every customer's RFM as CSV (amounts in yuan; UTF-8 with a BOM so Excel reads Chinese);
    values starting like a formula are prefixed with a quote."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in await repo.all_rows(session, EXPORT_LIMIT):
        writer.writerow([_cell(v) for v in _export_row(r)])
    return "\ufeff" + out.getvalue()


def _cell(value: str) -> str:
    formula = value[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _numeric(value)
    return "'" + value if formula else value


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# History


def decode_history(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GBK (Excel in Chinese saves CSV in GBK)."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HistoryInvalid("the file is neither UTF-8 nor GBK text", line=1)


async def import_history(session: AsyncSession, data: bytes, *, source: str) -> HistoryImport:
    """Add a ``customer_id,date,amount`` CSV to the history: every row is checked first; the
    first bad one is 400 ``analytics.history_invalid`` with its ``line``, and nothing is
    written."""
    try:
        rows = rfm.parse_transactions(decode_history(data))
    except rfm.TransactionsInvalid as exc:
        raise HistoryInvalid(f"line {exc.line}: {exc.message}", line=exc.line) from None
    if not rows:
        raise HistoryInvalid("the file has no rows", line=2)
    now = utcnow()
    await repo.add_history(
        session,
        [
            {
                "external_customer_id": t.customer_id,
                "member_id": None,
                "day": t.day,
                "amount": t.amount,
                "source": source[:200],
                "imported_at": now,
            }
            for t in rows
        ],
    )
    total_rows, total_customers = await repo.history_counts(session)
    return HistoryImport(
        rows=len(rows),
        customers=len({t.customer_id for t in rows}),
        total_rows=total_rows,
        total_customers=total_customers,
    )
