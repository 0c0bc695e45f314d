"""Every query of promotions. Claims and redemptions are conditional UPDATEs, never
read-modify-write: ``claimed = claimed + 1 WHERE claimed < total_quota`` (the template row's
lock serialises the claims of one template, so a shopper's copy count read after it is exact),
and a coupon moves ``WHERE state = :expected``, so two orders can never both lock one coupon."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.promotions.models import (
    POLICY_ROW_ID,
    CodeBatch,
    Coupon,
    CouponCode,
    CouponTemplate,
    JobMember,
    MemberGift,
    OrderRule,
    PackCount,
    PackSlot,
    Promotion,
    PromotionPolicy,
    PromotionsJob,
    PromotionUsage,
    Redemption,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- templates -------------------------------------------------------------------------------


async def insert_template(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(CouponTemplate).values(**values).returning(CouponTemplate.id))
    ).scalar_one()
    return new_id


async def get_template(session: AsyncSession, template_id: int) -> CouponTemplate | None:
    stmt = select(CouponTemplate).where(CouponTemplate.id == template_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def update_template_if(
    session: AsyncSession, template_id: int, expected_status: str, values: Mapping[str, Any]
) -> bool:
    """Change a template only while it has ``expected_status``: whether it did."""
    stmt = (
        update(CouponTemplate)
        .where(CouponTemplate.id == template_id, CouponTemplate.status == expected_status)
        .values(**values)
        .returning(CouponTemplate.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_templates(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[CouponTemplate]:
    stmt = select(CouponTemplate).order_by(CouponTemplate.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(CouponTemplate.status == status)
    if before_id is not None:
        stmt = stmt.where(CouponTemplate.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


async def list_centre_templates(
    session: AsyncSession, *, now: datetime, before_id: int | None, limit: int
) -> Sequence[CouponTemplate]:
    """Active, claimable templates whose fixed window has not ended, newest first."""
    stmt = (
        select(CouponTemplate)
        .where(
            CouponTemplate.status == "active",
            CouponTemplate.is_claimable.is_(True),
            or_(CouponTemplate.valid_to.is_(None), CouponTemplate.valid_to > now),
        )
        .order_by(CouponTemplate.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(CouponTemplate.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


async def held_counts(
    session: AsyncSession, member_id: int, template_ids: Sequence[int]
) -> dict[int, int]:
    if not template_ids:
        return {}
    stmt = (
        select(Coupon.template_id, func.count())
        .where(Coupon.member_id == member_id, Coupon.template_id.in_(sorted(set(template_ids))))
        .group_by(Coupon.template_id)
    )
    return {int(t): int(n) for t, n in (await session.execute(stmt)).all()}


# -- claiming --------------------------------------------------------------------------------


async def take_quota(session: AsyncSession, template_id: int) -> bool:
    """One more claim of an active template, if any is left: whether it was taken. The row
    stays locked to the end of the transaction, which serialises the template's claims."""
    stmt = (
        update(CouponTemplate)
        .where(
            CouponTemplate.id == template_id,
            CouponTemplate.status == "active",
            CouponTemplate.claimed < CouponTemplate.total_quota,
        )
        .values(claimed=CouponTemplate.claimed + 1)
        .returning(CouponTemplate.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def give_back_quota(session: AsyncSession, template_id: int) -> None:
    await session.execute(
        update(CouponTemplate)
        .where(CouponTemplate.id == template_id, CouponTemplate.claimed > 0)
        .values(claimed=CouponTemplate.claimed - 1)
    )


async def copies_held(session: AsyncSession, template_id: int, member_id: int) -> int:
    stmt = select(func.coalesce(func.max(Coupon.seq), 0)).where(
        Coupon.template_id == template_id, Coupon.member_id == member_id
    )
    return int((await session.execute(stmt)).scalar_one())


async def insert_coupon_if_new(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """Insert a copy unless (template, member, seq) exists: the new id, or None."""
    stmt = _insert(session, Coupon).values(**values).on_conflict_do_nothing().returning(Coupon.id)
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


# -- a shopper's coupons ---------------------------------------------------------------------


def _tab(tab: str, now: datetime) -> ColumnElement[bool]:
    if tab == "usable":
        return and_(Coupon.state == "unused", Coupon.valid_to > now)
    if tab == "used":
        return Coupon.state.in_(("locked", "used"))
    return or_(
        Coupon.state.in_(("expired", "void")),
        and_(Coupon.state == "unused", Coupon.valid_to <= now),
    )


async def list_member_coupons(
    session: AsyncSession,
    *,
    member_id: int,
    tab: str,
    now: datetime,
    before_id: int | None,
    limit: int,
) -> list[tuple[Coupon, CouponTemplate]]:
    """(Coupon, CouponTemplate) pairs of one tab, newest first."""
    stmt = (
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.member_id == member_id, _tab(tab, now))
        .order_by(Coupon.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Coupon.id < before_id)
    return [(c, t) for c, t in (await session.execute(_fresh(stmt))).all()]


async def get_member_coupon(
    session: AsyncSession, coupon_id: int, member_id: int
) -> tuple[Coupon, CouponTemplate] | None:
    stmt = (
        select(Coupon, CouponTemplate)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.id == coupon_id, Coupon.member_id == member_id)
    )
    row = (await session.execute(_fresh(stmt))).one_or_none()
    return None if row is None else (row[0], row[1])


async def list_claims(
    session: AsyncSession, *, template_id: int, before_id: int | None, limit: int
) -> Sequence[Coupon]:
    stmt = (
        select(Coupon)
        .where(Coupon.template_id == template_id)
        .order_by(Coupon.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Coupon.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


# -- redeeming and giving back ---------------------------------------------------------------


async def lock_coupon(
    session: AsyncSession, *, coupon_id: int, member_id: int, order_no: str, now: datetime
) -> bool:
    """unused -> locked for ``order_no`` if valid now: whether this call won. Of two orders
    racing for one coupon, the second waits for the first's row lock, re-reads the row and
    finds it locked already."""
    stmt = (
        update(Coupon)
        .where(
            Coupon.id == coupon_id,
            Coupon.member_id == member_id,
            Coupon.state == "unused",
            Coupon.valid_from <= now,
            Coupon.valid_to > now,
        )
        .values(state="locked", order_no=order_no, locked_at=now, updated_at=now)
        .returning(Coupon.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def insert_redemption(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(Redemption).values(**values))


async def get_redemption(session: AsyncSession, order_no: str) -> Redemption | None:
    stmt = select(Redemption).where(Redemption.order_no == order_no)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def mark_used(
    session: AsyncSession, *, order_no: str, now: datetime
) -> list[tuple[int, int, int]]:
    """locked -> used for the coupon of ``order_no``; (id, template_id, member_id) of each."""
    stmt = (
        update(Coupon)
        .where(Coupon.order_no == order_no, Coupon.state == "locked")
        .values(state="used", used_at=now, updated_at=now)
        .returning(Coupon.id, Coupon.template_id, Coupon.member_id)
    )
    return [(a, b, c) for a, b, c in (await session.execute(stmt)).all()]


async def add_used(session: AsyncSession, template_id: int, delta: int) -> None:
    await session.execute(
        update(CouponTemplate)
        .where(CouponTemplate.id == template_id)
        .values(used=CouponTemplate.used + delta)
    )


async def give_back(
    session: AsyncSession, *, order_no: str, from_state: str, now: datetime
) -> list[tuple[int, int, int, str]]:
    """``from_state`` -> unused (still valid) or expired, for the coupon of ``order_no``:
    (id, template_id, member_id, state) of each."""
    stmt = (
        update(Coupon)
        .where(Coupon.order_no == order_no, Coupon.state == from_state)
        .values(
            state=case((Coupon.valid_to > now, "unused"), else_="expired"),
            order_no=None,
            locked_at=None,
            used_at=None,
            updated_at=now,
        )
        .returning(Coupon.id, Coupon.template_id, Coupon.member_id, Coupon.state)
    )
    return [(a, b, c, d) for a, b, c, d in (await session.execute(stmt)).all()]


async def mark_redemption_returned(session: AsyncSession, order_no: str, now: datetime) -> None:
    await session.execute(
        update(Redemption)
        .where(Redemption.order_no == order_no, Redemption.returned_at.is_(None))
        .values(returned_at=now)
    )


async def expire_due(session: AsyncSession, now: datetime, limit: int = 1000) -> int:
    """unused coupons past their window -> expired, at most ``limit`` per call."""
    due = (
        select(Coupon.id)
        .where(Coupon.state == "unused", Coupon.valid_to <= now)
        .order_by(Coupon.id)
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.execute(
        update(Coupon)
        .where(Coupon.id.in_(due), Coupon.state == "unused")
        .values(state="expired", updated_at=now)
        .returning(Coupon.id)
    )
    return len(result.all())


# -- codes -------------------------------------------------------------------------------------


async def insert_code_batch(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(CodeBatch).values(**values).returning(CodeBatch.id))
    ).scalar_one()
    return new_id


async def insert_codes(session: AsyncSession, batch_id: int, codes: Sequence[str]) -> int:
    """Insert the codes (one multi-row INSERT per 1,000, ``insertmanyvalues``), skipping any
    that exist: how many were new."""
    if not codes:
        return 0
    stmt = _insert(session, CouponCode).on_conflict_do_nothing().returning(CouponCode.id)
    result = await session.execute(
        stmt, [{"batch_id": batch_id, "code": c, "redeemed_by": None} for c in codes]
    )
    return len(result.all())


async def set_batch_count(session: AsyncSession, batch_id: int, count: int) -> None:
    await session.execute(update(CodeBatch).where(CodeBatch.id == batch_id).values(count=count))


async def find_code(session: AsyncSession, code: str) -> tuple[CouponCode, CodeBatch] | None:
    stmt = (
        select(CouponCode, CodeBatch)
        .join(CodeBatch, CodeBatch.id == CouponCode.batch_id)
        .where(CouponCode.code == code)
    )
    row = (await session.execute(_fresh(stmt))).one_or_none()
    return None if row is None else (row[0], row[1])


async def spend_code(session: AsyncSession, code_id: int, member_id: int, now: datetime) -> bool:
    """A one-time code, once: whether this call spent it (a racing second call waits for the
    first's row lock, then finds ``redeemed_by`` set)."""
    stmt = (
        update(CouponCode)
        .where(CouponCode.id == code_id, CouponCode.redeemed_by.is_(None))
        .values(redeemed_by=member_id, redeemed_at=now)
        .returning(CouponCode.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_code_coupon(session: AsyncSession, code_id: int, coupon_id: int) -> None:
    await session.execute(
        update(CouponCode).where(CouponCode.id == code_id).values(coupon_id=coupon_id)
    )


async def count_batch_redemption(session: AsyncSession, batch_id: int, now: datetime) -> bool:
    """One more redemption of an active batch: whether it is (still) active."""
    stmt = (
        update(CodeBatch)
        .where(CodeBatch.id == batch_id, CodeBatch.status == "active")
        .values(redeemed=CodeBatch.redeemed + 1, updated_at=now)
        .returning(CodeBatch.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_code_batches(
    session: AsyncSession, template_id: int, *, before_id: int | None, limit: int
) -> list[tuple[CodeBatch, str | None]]:
    """(batch, shared code or None), newest first."""
    shared = (
        select(CouponCode.code)
        .where(CouponCode.batch_id == CodeBatch.id, CodeBatch.kind == "shared")
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(CodeBatch, shared)
        .where(CodeBatch.template_id == template_id)
        .order_by(CodeBatch.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(CodeBatch.id < before_id)
    return [(b, c) for b, c in (await session.execute(_fresh(stmt))).all()]


async def get_code_batch(
    session: AsyncSession, template_id: int, batch_id: int
) -> CodeBatch | None:
    stmt = select(CodeBatch).where(CodeBatch.id == batch_id, CodeBatch.template_id == template_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def set_batch_status(
    session: AsyncSession, batch_id: int, status: str, now: datetime
) -> None:
    await session.execute(
        update(CodeBatch).where(CodeBatch.id == batch_id).values(status=status, updated_at=now)
    )


async def code_page(
    session: AsyncSession, batch_id: int, *, after_id: int, limit: int
) -> list[tuple[int, str, int | None, datetime | None]]:
    """(id, code, redeemed_by, redeemed_at) of a batch, ascending ids after ``after_id``."""
    stmt = (
        select(CouponCode.id, CouponCode.code, CouponCode.redeemed_by, CouponCode.redeemed_at)
        .where(CouponCode.batch_id == batch_id, CouponCode.id > after_id)
        .order_by(CouponCode.id)
        .limit(limit)
    )
    return [(a, b, c, d) for a, b, c, d in (await session.execute(stmt)).all()]


# -- voiding -----------------------------------------------------------------------------------


async def void_coupon(
    session: AsyncSession, coupon_id: int, *, reason: str, actor: str, now: datetime
) -> bool:
    """unused -> void: whether it was unused."""
    stmt = (
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.state == "unused")
        .values(state="void", void_reason=reason, voided_by=actor, voided_at=now, updated_at=now)
        .returning(Coupon.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get_coupon_row(session: AsyncSession, coupon_id: int) -> Coupon | None:
    return (
        await session.scalars(_fresh(select(Coupon).where(Coupon.id == coupon_id)))
    ).one_or_none()


async def void_unused_page(
    session: AsyncSession,
    template_id: int,
    *,
    after_id: int,
    limit: int,
    reason: str,
    actor: str,
    now: datetime,
) -> tuple[int, int | None]:
    """Void the next ``limit`` unused copies of a template after ``after_id``: (how many were
    voided, the last id looked at, None when there were none left)."""
    ids = list(
        (
            await session.scalars(
                select(Coupon.id)
                .where(
                    Coupon.template_id == template_id,
                    Coupon.id > after_id,
                    Coupon.state == "unused",
                )
                .order_by(Coupon.id)
                .limit(limit)
            )
        ).all()
    )
    if not ids:
        return 0, None
    result = await session.execute(
        update(Coupon)
        .where(Coupon.id.in_(ids), Coupon.state == "unused")
        .values(state="void", void_reason=reason, voided_by=actor, voided_at=now, updated_at=now)
        .returning(Coupon.id)
    )
    return len(result.all()), max(ids)


async def count_unused(session: AsyncSession, template_id: int) -> int:
    stmt = select(func.count()).where(Coupon.template_id == template_id, Coupon.state == "unused")
    return int((await session.execute(stmt)).scalar_one())


# -- jobs --------------------------------------------------------------------------------------


async def insert_job(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(PromotionsJob).values(**values).returning(PromotionsJob.id))
    ).scalar_one()
    return new_id


async def get_job(session: AsyncSession, job_id: int) -> PromotionsJob | None:
    stmt = select(PromotionsJob).where(PromotionsJob.id == job_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def list_jobs(
    session: AsyncSession, template_id: int, *, limit: int
) -> Sequence[PromotionsJob]:
    stmt = (
        select(PromotionsJob)
        .where(PromotionsJob.template_id == template_id)
        .order_by(PromotionsJob.id.desc())
        .limit(limit)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def next_open_job(session: AsyncSession) -> int | None:
    stmt = (
        select(PromotionsJob.id)
        .where(PromotionsJob.status.in_(("queued", "running")))
        .order_by(PromotionsJob.id)
        .limit(1)
    )
    found: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def advance_job(
    session: AsyncSession,
    job_id: int,
    *,
    cursor_from: int,
    values: Mapping[str, Any],
) -> bool:
    """Move an open job on from ``cursor_from`` (and lock its row): whether this run still
    owned that step (a racing run that moved it first wins)."""
    stmt = (
        update(PromotionsJob)
        .where(
            PromotionsJob.id == job_id,
            PromotionsJob.cursor == cursor_from,
            PromotionsJob.status.in_(("queued", "running")),
        )
        .values(**values)
        .returning(PromotionsJob.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def fail_job(session: AsyncSession, job_id: int, error: str, now: datetime) -> None:
    await session.execute(
        update(PromotionsJob)
        .where(PromotionsJob.id == job_id, PromotionsJob.status.in_(("queued", "running")))
        .values(status="failed", error=error, finished_at=now, updated_at=now)
    )


async def mark_job_member(session: AsyncSession, job_id: int, member_id: int) -> bool:
    """Record that the job deals with ``member_id``: False when it already had."""
    stmt = (
        _insert(session, JobMember)
        .values(job_id=job_id, member_id=member_id, outcome="pending")
        .on_conflict_do_nothing()
        .returning(JobMember.member_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_job_members_outcome(
    session: AsyncSession, job_id: int, member_ids: Sequence[int], outcome: str
) -> None:
    if not member_ids:
        return
    await session.execute(
        update(JobMember)
        .where(JobMember.job_id == job_id, JobMember.member_id.in_(sorted(member_ids)))
        .values(outcome=outcome)
    )


async def get_member_redemption(
    session: AsyncSession, order_no: str, member_id: int | None
) -> Redemption | None:
    stmt = select(Redemption).where(Redemption.order_no == order_no)
    if member_id is not None:
        stmt = stmt.where(Redemption.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


# -- store-wide promotions -------------------------------------------------------------------


async def insert_promotion(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(Promotion).values(**values).returning(Promotion.id))
    ).scalar_one()
    return new_id


async def get_promotion(session: AsyncSession, promotion_id: int) -> Promotion | None:
    stmt = select(Promotion).where(Promotion.id == promotion_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def update_promotion_if(
    session: AsyncSession, promotion_id: int, expected_status: str, values: Mapping[str, Any]
) -> bool:
    """Change a promotion only while it has ``expected_status``: whether it did."""
    stmt = (
        update(Promotion)
        .where(Promotion.id == promotion_id, Promotion.status == expected_status)
        .values(**values)
        .returning(Promotion.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_promotions(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[Promotion]:
    stmt = select(Promotion).order_by(Promotion.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Promotion.status == status)
    if before_id is not None:
        stmt = stmt.where(Promotion.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


async def running_promotions(session: AsyncSession, now: datetime) -> Sequence[Promotion]:
    """Active promotions whose window contains ``now``, by id."""
    stmt = (
        select(Promotion)
        .where(Promotion.status == "active", Promotion.starts_at <= now, Promotion.ends_at > now)
        .order_by(Promotion.id)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def live_promotions(session: AsyncSession, now: datetime) -> Sequence[Promotion]:
    """Active promotions not over at ``now`` (running or still to start), by id: what the
    checkout's cached rules hold (each filtered by its window when read)."""
    stmt = (
        select(Promotion)
        .where(Promotion.status == "active", Promotion.ends_at > now)
        .order_by(Promotion.id)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def get_policy(session: AsyncSession) -> PromotionPolicy | None:
    stmt = select(PromotionPolicy).where(PromotionPolicy.id == POLICY_ROW_ID)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def save_policy(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = _insert(session, PromotionPolicy).values(id=POLICY_ROW_ID, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=[PromotionPolicy.id], set_=dict(values))
    )


async def used_units(
    session: AsyncSession, member_id: int, promotion_ids: Sequence[int]
) -> dict[int, int]:
    if not promotion_ids:
        return {}
    stmt = select(PromotionUsage.promotion_id, PromotionUsage.used).where(
        PromotionUsage.member_id == member_id,
        PromotionUsage.promotion_id.in_(sorted(set(promotion_ids))),
    )
    return {int(p): int(u) for p, u in (await session.execute(stmt)).all()}


async def take_units(
    session: AsyncSession,
    *,
    promotion_id: int,
    member_id: int,
    units: int,
    limit: int,
    now: datetime,
) -> bool:
    """Count ``units`` more against the shopper's limit, if they fit: whether they did. The
    row (created at 0 first) is locked by the UPDATE until commit, so concurrent orders of one
    shopper queue and each sees the count the previous one left."""
    await session.execute(
        _insert(session, PromotionUsage)
        .values(promotion_id=promotion_id, member_id=member_id, used=0, updated_at=now)
        .on_conflict_do_nothing()
    )
    stmt = (
        update(PromotionUsage)
        .where(
            PromotionUsage.promotion_id == promotion_id,
            PromotionUsage.member_id == member_id,
            PromotionUsage.used + units <= limit,
        )
        .values(used=PromotionUsage.used + units, updated_at=now)
        .returning(PromotionUsage.used)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def give_back_units(
    session: AsyncSession, *, promotion_id: int, member_id: int, units: int, now: datetime
) -> None:
    await session.execute(
        update(PromotionUsage)
        .where(
            PromotionUsage.promotion_id == promotion_id,
            PromotionUsage.member_id == member_id,
            PromotionUsage.used >= units,
        )
        .values(used=PromotionUsage.used - units, updated_at=now)
    )


async def insert_order_rules(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(OrderRule), [dict(r) for r in rows])


async def order_rules(session: AsyncSession, order_no: str) -> Sequence[OrderRule]:
    stmt = select(OrderRule).where(OrderRule.order_no == order_no).order_by(OrderRule.seq)
    return (await session.scalars(_fresh(stmt))).all()


async def return_order_rules(
    session: AsyncSession, order_no: str, now: datetime
) -> list[tuple[int, int, int]]:
    """Mark the order's rules returned (once): (promotion_id, member_id, units) of each."""
    stmt = (
        update(OrderRule)
        .where(OrderRule.order_no == order_no, OrderRule.returned_at.is_(None))
        .values(returned_at=now)
        .returning(OrderRule.promotion_id, OrderRule.member_id, OrderRule.units)
    )
    return [(a, b, c) for a, b, c in (await session.execute(stmt)).all()]


# -- tier gifts ------------------------------------------------------------------------------


async def claim_gift(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the new row's id when this call is the
    first to give the gift (a concurrent run waits on the unique index, then gets None)."""
    stmt = (
        _insert(session, MemberGift)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id", "kind", "period", "template_id"])
        .returning(MemberGift.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def take_pack_slot(
    session: AsyncSession, *, level: int, period: str, member_id: int, cap: int, now: datetime
) -> bool:
    """Count ``member_id`` against tier ``level``'s pack cap for ``period``: True when they
    hold a slot (now or from an earlier run), False when the month's ``cap`` is taken. The
    slot row is claimed first (``ON CONFLICT DO NOTHING``: a member counts once); the counter
    then moves with ``UPDATE … WHERE taken < :cap`` (the row lock serialises concurrent runs,
    which re-check the condition on the committed value), and a slot the cap refuses is
    deleted again in the same transaction."""
    slot_id = (
        await session.execute(
            _insert(session, PackSlot)
            .values(level=level, period=period, member_id=member_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["level", "period", "member_id"])
            .returning(PackSlot.id)
        )
    ).scalar_one_or_none()
    if slot_id is None:
        return True
    await session.execute(
        _insert(session, PackCount)
        .values(level=level, period=period, taken=0)
        .on_conflict_do_nothing(index_elements=["level", "period"])
    )
    moved = await session.execute(
        update(PackCount)
        .where(PackCount.level == level, PackCount.period == period, PackCount.taken < cap)
        .values(taken=PackCount.taken + 1)
        .returning(PackCount.taken)
    )
    if moved.scalar_one_or_none() is not None:
        return True
    await session.execute(delete(PackSlot).where(PackSlot.id == slot_id))
    return False


async def pack_taken(session: AsyncSession, level: int, period: str) -> int:
    stmt = select(PackCount.taken).where(PackCount.level == level, PackCount.period == period)
    return int((await session.execute(stmt)).scalar_one_or_none() or 0)


async def set_gift_outcome(
    session: AsyncSession, gift_id: int, *, coupon_id: int | None, code: str | None
) -> None:
    await session.execute(
        update(MemberGift).where(MemberGift.id == gift_id).values(coupon_id=coupon_id, code=code)
    )


async def member_gifts(
    session: AsyncSession, member_id: int, periods: Sequence[str]
) -> Sequence[MemberGift]:
    stmt = (
        select(MemberGift)
        .where(MemberGift.member_id == member_id, MemberGift.period.in_(list(periods)))
        .order_by(MemberGift.id)
    )
    return (await session.scalars(stmt)).all()


async def latest_coupon_id(session: AsyncSession, template_id: int, member_id: int) -> int | None:
    stmt = select(func.max(Coupon.id)).where(
        Coupon.template_id == template_id, Coupon.member_id == member_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def order_savings(since: datetime, until: datetime) -> Any:
    """A subquery, one row per order with a promotion or coupon snapshot created in
    ``[since, until)``: ``order_no``, ``promotion_saving`` (the promotions' ``saving``),
    ``coupon_discount`` and ``coupon_shipping`` (the coupon's goods and shipping discount), for
    reports that join it to orders in SQL."""
    rules = select(
        OrderRule.order_no.label("order_no"),
        OrderRule.saving.label("promotion_saving"),
        literal(0).label("coupon_discount"),
        literal(0).label("coupon_shipping"),
    ).where(OrderRule.created_at >= since, OrderRule.created_at < until)
    coupons = select(
        Redemption.order_no.label("order_no"),
        literal(0).label("promotion_saving"),
        Redemption.discount.label("coupon_discount"),
        Redemption.shipping_discount.label("coupon_shipping"),
    ).where(Redemption.created_at >= since, Redemption.created_at < until)
    both = union_all(rules, coupons).subquery("snapshots")
    return (
        select(
            both.c.order_no,
            func.sum(both.c.promotion_saving).label("promotion_saving"),
            func.sum(both.c.coupon_discount).label("coupon_discount"),
            func.sum(both.c.coupon_shipping).label("coupon_shipping"),
        )
        .group_by(both.c.order_no)
        .subquery("order_savings")
    )


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: the absorbed account's coupons (every state: unused, locked on an
    order, used, expired) and redemptions become the survivor's, each exactly once. A copy's
    ``seq`` is shifted past the survivor's copies of the same template, so the unique (template,
    member, seq) holds and the per-shopper limit counts both accounts' copies from now on."""
    templates = list(
        await session.scalars(
            select(Coupon.template_id).where(Coupon.member_id == from_id).distinct()
        )
    )
    moved = 0
    for template_id in sorted(templates):
        offset = await session.scalar(
            select(func.coalesce(func.max(Coupon.seq), 0)).where(
                Coupon.member_id == into_id, Coupon.template_id == template_id
            )
        )
        result = await session.execute(
            update(Coupon)
            .where(Coupon.member_id == from_id, Coupon.template_id == template_id)
            .values(member_id=into_id, seq=Coupon.seq + int(offset or 0))
        )
        moved += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(Redemption).where(Redemption.member_id == from_id).values(member_id=into_id)
    )
    # A promotion both accounts bought at: one usage row with both counts (the limit then
    # counts both, as for coupons).
    both = await merge.duplicates(
        session,
        PromotionUsage.member_id,
        from_id,
        into_id,
        (PromotionUsage.promotion_id,),
        returning=PromotionUsage.promotion_id,
    )
    for promotion_id in both:
        used = (
            select(PromotionUsage.used)
            .where(PromotionUsage.promotion_id == promotion_id, PromotionUsage.member_id == from_id)
            .scalar_subquery()
        )
        await session.execute(
            update(PromotionUsage)
            .where(PromotionUsage.promotion_id == promotion_id, PromotionUsage.member_id == into_id)
            .values(used=PromotionUsage.used + used)
        )
    await merge.reassign(
        session, PromotionUsage.member_id, from_id, into_id, key=(PromotionUsage.promotion_id,)
    )
    await merge.reassign(session, OrderRule.member_id, from_id, into_id)
    # Gifts, pack slots and job outcomes record that a gift went out; the coupon itself moved
    # above. When both accounts got one, the survivor's record stays (it is not given again).
    await merge.reassign(
        session,
        MemberGift.member_id,
        from_id,
        into_id,
        key=(MemberGift.kind, MemberGift.period, MemberGift.template_id),
    )
    await merge.reassign(
        session, PackSlot.member_id, from_id, into_id, key=(PackSlot.level, PackSlot.period)
    )
    await merge.reassign(session, JobMember.member_id, from_id, into_id, key=(JobMember.job_id,))
    return moved


def coupon_order_facts() -> Any:
    """A subquery, one row per order a coupon was applied to (a redemption, unique by order,
    kept when the coupon was later given back): ``order_no``, ``template_id``,
    ``template_name``."""
    return (
        select(
            Redemption.order_no,
            Coupon.template_id,
            CouponTemplate.name.label("template_name"),
        )
        .join(Coupon, Coupon.id == Redemption.coupon_id)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .subquery("coupon_order_facts")
    )
