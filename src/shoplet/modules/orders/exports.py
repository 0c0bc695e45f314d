"""Order exports: CSV files written in the background, with progress, for Excel.

Why a scheduled job (``console.run_exports``, core/jobs.py) and not an asyncio task in the API
process: the job row is the queue, so an export survives a restart or a deploy of the API, runs
in the worker role (not on the replicas answering shoppers) and, by the job's lease, only one
export is written at a time across all replicas, which bounds the load exports put on the
database. It runs every two seconds, so an export starts at most about two seconds after it was
asked for.

An export is written in keyset batches through ``orders.public.export_rows``. Each batch becomes
one part file (``exports/<job id>-<token>/part-00001.csv`` …) in private storage; only after the
part is stored does one conditional UPDATE advance ``parts``, ``cursor_id`` and ``progress``
together. A run that dies between the two rewrites the same part on resume: no row is lost or
repeated, and nothing relies on appending to a file (so S3-like storage fits). The download
streams the parts in order: UTF-8 with a BOM and Chinese headers, as Excel expects.

Phone numbers are masked unless the staff member who asked is an owner, and a file with full
phone numbers is handed only to owners. Finished files are deleted after seven days.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.jobs import periodic
from shoplet.core.money import yuan
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import mask_phone
from shoplet.core.storage import get_storage
from shoplet.modules.staff.public import PII_REVEAL, StaffIdentity

from . import public as orders
from . import repository as repo
from .errors import ExportNotFound, InvalidExportRange, TooManyExports
from .models import ExportJob
from .schemas import ExportJobOut, OrderExportCreate

log = structlog.get_logger("shoplet.orders.exports")

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPORT_JOB = "console.run_exports"
KIND_ORDERS = "orders"
BATCH_SIZE = 500
RETENTION = timedelta(days=7)
# At most this many exports of one staff member waiting or running at once.
MAX_OPEN_PER_STAFF = 3
MAX_RANGE_DAYS = 366
OPEN_STATUSES = ("queued", "running")
BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

# The same words as the front ends' glossary (frontends/shared/src/labels.ts).
ORDER_STATUS_LABELS: dict[str, str] = {
    "pending_payment": "待付款",
    "paid": "待发货",
    "shipped": "待收货",
    "received": "待评价",
    "completed": "已完成",
    "cancelled": "已取消",
    "refunded": "已退款",
}
# A paid membership plan has nothing to ship: it is in effect.
VIRTUAL_PAID_LABEL = "已开通"
SOURCE_LABELS: dict[str, str] = {"cart": "购物车", "buy_now": "立即购买", "flashsale": "秒杀"}

HEADERS: tuple[str, ...] = (
    "订单号",
    "订单状态",
    "来源",
    "会员ID",
    "下单时间",
    "支付时间",
    "发货时间",
    "商品总额(元)",
    "运费(元)",
    "优惠(元)",
    "实付金额(元)",
    "已退款(元)",
    "收货人",
    "手机号",
    "收货地址",
    "地区编码",
    "买家备注",
    "快递公司",
    "快递单号",
    "SKU ID",
    "商品名称",
    "规格",
    "单价(元)",
    "数量",
    "商品实付(元)",
)


# -- helpers ---------------------------------------------------------------------------------


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Aware UTC [start of ``since``, end of ``until``) for Asia/Shanghai days."""
    start = datetime.combine(since, time.min, SHANGHAI) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, SHANGHAI) if until else None
    return start, end


def _parse_filters(filters: dict[str, Any]) -> tuple[str | None, datetime | None, datetime | None]:
    since = date.fromisoformat(filters["since"]) if filters.get("since") else None
    until = date.fromisoformat(filters["until"]) if filters.get("until") else None
    start, end = day_bounds(since, until)
    return filters.get("status"), start, end


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else ""


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    """Shopper-typed text (remarks, names) must not run as a spreadsheet formula."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _digits(value: str | None) -> str:
    """Long digit strings (order and tracking numbers, phones) stay text in Excel, which would
    otherwise show 2.02406E+19 and drop the digits past 15: a trailing tab is the usual fix."""
    if not value:
        return ""
    return value + "\t" if value.isdigit() and len(value) > 11 else _text(value)


def render_csv(rows: Sequence[orders.OrderExportRow], *, header: bool, mask_phones: bool) -> bytes:
    out = io.StringIO()
    if header:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(HEADERS)
    for row in rows:
        phone = mask_phone(row.phone) if mask_phones else row.phone
        writer.writerow(
            (
                _digits(row.order_no),
                VIRTUAL_PAID_LABEL
                if row.is_virtual and row.status == "paid"
                else ORDER_STATUS_LABELS.get(row.status, row.status),
                SOURCE_LABELS.get(row.source, row.source),
                row.member_id,
                _local(row.created_at),
                _local(row.paid_at),
                _local(row.shipped_at),
                yuan(row.items_total),
                yuan(row.shipping_fee),
                yuan(row.discount_total),
                yuan(row.payable_total),
                yuan(row.refunded_total),
                _text(row.recipient),
                _digits(phone),
                _text(row.address),
                row.region_code,
                _text(row.remark),
                _text(row.carrier),
                _digits(row.tracking_no),
                row.sku_id,
                _text(row.title),
                _text(row.spec_text),
                yuan(row.unit_price),
                row.quantity,
                yuan(row.line_payable),
            )
        )
    return out.getvalue().encode("utf-8")


def part_key(file_key: str, number: int) -> str:
    return f"{file_key}/part-{number:05d}.csv"


def download_path(job_id: int) -> str:
    return f"/api/v1/console/exports/{job_id}/download"


def job_out(job: ExportJob) -> ExportJobOut:
    return ExportJobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,  # type: ignore[arg-type]
        filters=job.filters,
        phones_masked=job.mask_phones,
        progress=job.progress,
        total=job.total,
        size_bytes=job.size_bytes,
        error=job.error,
        created_by=job.staff_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        download_url=download_path(job.id) if job.status == "done" else None,
    )


# -- service ---------------------------------------------------------------------------------


async def request_order_export(
    session: AsyncSession, staff: StaffIdentity, body: OrderExportCreate
) -> ExportJob:
    if body.since and body.until:
        if body.since > body.until:
            raise InvalidExportRange("since must not be after until")
        if (body.until - body.since).days >= MAX_RANGE_DAYS:
            raise InvalidExportRange(f"export at most {MAX_RANGE_DAYS} days at once")
    open_count = await repo.count_open_exports(session, staff.id, OPEN_STATUSES)
    if open_count >= MAX_OPEN_PER_STAFF:
        raise TooManyExports(f"at most {MAX_OPEN_PER_STAFF} exports may wait or run at once")
    now = utcnow()
    job = ExportJob(
        staff_id=staff.id,
        kind=KIND_ORDERS,
        status="queued",
        filters={
            "status": body.status,
            "since": body.since.isoformat() if body.since else None,
            "until": body.until.isoformat() if body.until else None,
        },
        mask_phones=not reveals_phones(staff),
        created_at=now,
        updated_at=now,
    )
    return await repo.add_export(session, job)


def reveals_phones(staff: StaffIdentity) -> bool:
    """Whether this staff member's exports carry full phone numbers (the ``pii:reveal`` roles);
    such an export is created and downloaded only with a step-up grant."""
    return PII_REVEAL in staff.permissions


def may_see(staff: StaffIdentity, job: ExportJob) -> bool:
    """Owners see every export; others their own, and never a file with full phone numbers."""
    if staff.role == "owner":
        return True
    return job.staff_id == staff.id and job.mask_phones


async def get_visible_job(session: AsyncSession, staff: StaffIdentity, job_id: int) -> ExportJob:
    job = await repo.get_export(session, job_id)
    if job is None or not may_see(staff, job):
        raise ExportNotFound()
    return job


async def list_jobs(
    session: AsyncSession, staff: StaffIdentity, *, cursor: str | None, limit: int
) -> tuple[list[ExportJob], str | None]:
    before_id = decode_id_cursor(cursor)
    jobs = await repo.list_exports(
        session,
        staff_id=None if staff.role == "owner" else staff.id,
        before_id=before_id,
        limit=limit + 1,
    )
    next_cursor = encode_id_cursor(jobs[limit - 1].id) if len(jobs) > limit else None
    return jobs[:limit], next_cursor


# -- the background writer -------------------------------------------------------------------


async def _start(ctx: AppContext, job_id: int) -> ExportJob | None:
    """Move a queued job to running (counting its rows); return the job if it is running."""
    async with unit_of_work(ctx.sessionmaker) as session:
        job = await repo.get_export(session, job_id)
        if job is None or job.status not in OPEN_STATUSES:
            return None
        if job.status == "queued":
            status_filter, since, until = _parse_filters(job.filters)
            total = await orders.count_export_rows(
                session, status=status_filter, since=since, until=until
            )
            now = utcnow()
            token = secrets.token_hex(8)
            # Unguessable per job, so part files are not found by counting ids.
            file_key = f"exports/{job_id}-{token}"
            if not await repo.start_export(session, job, total=total, file_key=file_key, now=now):
                return None
        return job


async def export_step(ctx: AppContext, job_id: int, *, batch_size: int = BATCH_SIZE) -> bool:
    """Write the next part of export ``job_id``; return True once the export is finished (or
    there is nothing to do). Safe to repeat after a crash at any point."""
    job = await _start(ctx, job_id)
    if job is None or job.file_key is None:
        return True
    status_filter, since, until = _parse_filters(job.filters)
    async with read_session(ctx.sessionmaker) as session:
        rows = await orders.export_rows(
            session,
            ctx.pii,
            status=status_filter,
            since=since,
            until=until,
            after_id=job.cursor_id,
            batch=batch_size,
        )
    storage = get_storage(ctx, "private")
    now = utcnow()
    if rows or job.parts == 0:
        # The first part always exists and carries the BOM and headers (an empty export too).
        data = render_csv(rows, header=job.parts == 0, mask_phones=job.mask_phones)
        await storage.put(part_key(job.file_key, job.parts + 1), data)
        async with unit_of_work(ctx.sessionmaker) as session:
            advanced = await repo.advance_export(
                session,
                job,
                rows=len(rows),
                cursor_id=rows[-1].id if rows else job.cursor_id,
                size=len(data),
                now=now,
            )
        if not advanced:
            # Another run moved this export on meanwhile; look again on the next step.
            return False
    if len(rows) == batch_size:
        return False
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.finish_export(session, job.id, now=now)
    log.info("export_done", job_id=job.id, rows=job.progress + len(rows))
    return True


async def _fail(ctx: AppContext, job_id: int, error: str) -> None:
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.fail_export(
            session, job_id, error=error[:500], open_statuses=OPEN_STATUSES, now=now
        )


async def run_export(ctx: AppContext, job_id: int, *, batch_size: int = BATCH_SIZE) -> None:
    """Write export ``job_id`` to the end; a failure marks it failed (the staff member asks
    again) rather than retrying a broken export forever."""
    try:
        while not await export_step(ctx, job_id, batch_size=batch_size):
            pass
    except Exception as exc:
        log.exception("export_failed", job_id=job_id)
        # Staff see the kind of failure; the details (paths, SQL) stay in the worker's log.
        await _fail(ctx, job_id, f"{type(exc).__name__}: the export failed, ask again later")


async def expire_exports(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Delete the files of exports finished more than ``RETENTION`` ago; return how many."""
    cutoff = (now or utcnow()) - RETENTION
    async with read_session(ctx.sessionmaker) as session:
        old = await repo.finished_exports_before(session, cutoff, limit=100)
    storage = get_storage(ctx, "private")
    for job_id, file_key, parts in old:
        if file_key is None:
            continue
        # Mark first: a crash after it leaves files, never a "done" export without its file.
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.expire_export(session, job_id, now=utcnow())
        # One more part than recorded: a run may have stored it without committing.
        for number in range(1, parts + 2):
            await storage.delete(part_key(file_key, number))
    return len(old)


async def _next_open_job(ctx: AppContext) -> int | None:
    async with read_session(ctx.sessionmaker) as session:
        return await repo.next_open_export(session, OPEN_STATUSES)


@periodic(every_seconds=2, name=EXPORT_JOB)
async def run_exports(ctx: AppContext) -> None:
    """Write every waiting export, oldest first (one at a time across replicas: the job's
    lease), resuming any a dead worker left running; then drop expired files."""
    while (job_id := await _next_open_job(ctx)) is not None:
        await run_export(ctx, job_id)
    await expire_exports(ctx)


async def stream_export(ctx: AppContext, file_key: str, parts: int) -> AsyncIterator[bytes]:
    storage = get_storage(ctx, "private")
    for number in range(1, parts + 1):
        async for chunk in storage.stream(part_key(file_key, number)):
            yield chunk
