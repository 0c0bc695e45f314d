"""Issuing a template to a member segment: filters answered by ``members.public`` (sign-up
dates) and ``orders.public`` (paid orders, spend, last order), a dry-run count, then a job.

The dry run and the job page through the same function (members in id order, ``PAGE`` at a
time, each page filtered by its paid-order figures), with the spend window fixed when the job is
asked for (``as_of``), so the preview counts exactly the members the job goes through.
Each member a job deals with is recorded once (``promotions_job_member``, primary key (job,
member)) in the transaction that issues their coupon, so a job run again, or resumed after a
crash, never issues twice; its result counts ``issued``, ``skipped`` and the skip ``reasons``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import InvalidSegment, TemplateNotActive
from shoplet.modules.promotions.models import PromotionsJob
from shoplet.modules.promotions.schemas import Job, Segment, SegmentPreview

from ._common import MAX_FEN, MAX_VALID_DAYS, _template
from .claiming import issue
from .jobs import begin_step, end_step, job_view, new_job

PAGE = 500
MAX_ORDERS = 1_000_000


def check_segment(segment: Segment) -> None:
    """400 ``promotions.invalid_segment`` for filters that cannot hold or make no sense."""
    s = segment
    if s.registered_from and s.registered_to and s.registered_to <= s.registered_from:
        raise InvalidSegment("registered_to must be after registered_from")
    if s.min_paid_orders is not None and not 1 <= s.min_paid_orders <= MAX_ORDERS:
        raise InvalidSegment("min_paid_orders must be 1..1000000")
    if (s.min_spent is None) != (s.spent_days is None):
        raise InvalidSegment("give min_spent and spent_days together")
    if s.min_spent is not None and not 1 <= s.min_spent <= MAX_FEN:
        raise InvalidSegment("min_spent must be 1..10000000000 fen")
    if s.spent_days is not None and not 1 <= s.spent_days <= MAX_VALID_DAYS:
        raise InvalidSegment("spent_days must be 1..3650")
    needs_order = bool(s.min_paid_orders or s.min_spent or s.last_order_before)
    if s.has_paid_order is False and needs_order:
        raise InvalidSegment("has_paid_order false cannot go with order filters")


def _matches(s: Segment, stats: orders.PaidStats | None) -> bool:
    if stats is None:
        return not (s.has_paid_order or s.min_paid_orders or s.min_spent or s.last_order_before)
    if s.has_paid_order is False:
        return False
    if s.min_paid_orders is not None and stats.paid_orders < s.min_paid_orders:
        return False
    if s.min_spent is not None and stats.spent < s.min_spent:
        return False
    return s.last_order_before is None or stats.last_paid_at < s.last_order_before


async def segment_page(
    session: AsyncSession, s: Segment, *, after_id: int, as_of: datetime
) -> tuple[list[int], int | None]:
    """The segment's members among the next ``PAGE`` active members after ``after_id``, and
    the last id looked at (None: no member left)."""
    ids = await members.active_member_ids(
        session,
        registered_from=s.registered_from,
        registered_to=s.registered_to,
        after_id=after_id,
        limit=PAGE,
    )
    if not ids:
        return [], None
    needs_orders = s.has_paid_order is not None or bool(
        s.min_paid_orders or s.min_spent or s.last_order_before
    )
    if needs_orders:
        since = as_of - timedelta(days=s.spent_days) if s.spent_days else None
        stats = await orders.paid_order_stats(session, ids, spent_since=since)
        return [m for m in ids if _matches(s, stats.get(m))], ids[-1]
    return ids, ids[-1]


async def count_segment(session: AsyncSession, s: Segment, as_of: datetime) -> int:
    total, after = 0, 0
    while True:
        found, last = await segment_page(session, s, after_id=after, as_of=as_of)
        if last is None:
            return total
        total, after = total + len(found), last


async def issue_to_segment(
    session: AsyncSession, template_id: int, s: Segment, *, dry_run: bool, actor: str
) -> SegmentPreview | Job:
    """``dry_run``: how many members the segment holds; else a queued job issuing one copy to
    each (409 ``promotions.template_not_active`` unless the template is active)."""
    template = await _template(session, template_id)
    check_segment(s)
    as_of = utcnow()
    count = await count_segment(session, s, as_of)
    if dry_run:
        return SegmentPreview(count=count)
    if template.status != "active":
        raise TemplateNotActive(template_id=template_id, template_status=template.status)
    job = await new_job(
        session,
        template_id=template_id,
        kind="issue_segment",
        params={"segment": s.model_dump(mode="json"), "as_of": as_of.isoformat()},
        total=count,
        result={"issued": 0, "skipped": 0, "reasons": {}},
        actor=actor,
    )
    return job_view(job)


async def issue_step(session: AsyncSession, job_id: int) -> bool:
    """One page of an issue job; True once the job is finished (or not open)."""
    job = await begin_step(session, job_id)
    if job is None:
        return not await _is_open(session, job_id)
    s = Segment.model_validate(job.params["segment"])
    as_of = datetime.fromisoformat(str(job.params["as_of"]))
    found, last = await segment_page(session, s, after_id=job.cursor, as_of=as_of)
    result = _result(job)
    new = [m for m in found if await repo.mark_job_member(session, job.id, m)]
    if new:
        report = await issue(
            session, template_id=job.template_id, member_ids=new, actor=job.created_by
        )
        await repo.set_job_members_outcome(session, job.id, report.issued, "issued")
        reasons: Counter[str] = Counter(result["reasons"])
        for skip in report.skipped:
            reasons[str(skip["code"])] += 1
            await repo.set_job_members_outcome(
                session, job.id, [int(skip["member_id"])], str(skip["code"])
            )
        result = {
            "issued": result["issued"] + len(report.issued),
            "skipped": result["skipped"] + len(report.skipped),
            "reasons": dict(reasons),
        }
    await end_step(session, job, cursor=last, done=len(found), result=result)
    return last is None


def _result(job: PromotionsJob) -> dict[str, Any]:
    r = dict(job.result)
    return {
        "issued": int(r.get("issued", 0)),
        "skipped": int(r.get("skipped", 0)),
        "reasons": dict(r.get("reasons", {})),
    }


async def _is_open(session: AsyncSession, job_id: int) -> bool:
    job = await repo.get_job(session, job_id)
    return job is not None and job.status in ("queued", "running")
