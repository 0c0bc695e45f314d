"""Every query of profiles, tags and segments. Paid orders come through ``orders.public``,
coupon use through ``promotions.public.order_savings``, RFM classes from the RFM table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.analytics.models import MemberRfm
from shoplet.modules.analytics.profiles import conditions
from shoplet.modules.analytics.profiles.models import (
    MemberTag,
    Profile,
    ProfileJob,
    PromoterRole,
    Segment,
    SegmentCoupon,
    Tag,
)
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
OPEN_STATUSES = ("queued", "running")
CHUNK = 1000


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


# What profiles are computed from


async def buyer_ids(session: AsyncSession, until: datetime) -> list[int]:
    """Members with a paid order before ``until``, ascending."""
    facts = orders.paid_order_facts(EPOCH, until)
    stmt = select(facts.c.member_id).distinct().order_by(facts.c.member_id)
    return [int(m) for m in await session.scalars(stmt)]


async def coupon_order_nos(
    session: AsyncSession, order_nos: Sequence[str], until: datetime
) -> set[str]:
    """Those of ``order_nos`` that a coupon took something off."""
    if not order_nos:
        return set()
    savings = promotions.order_savings(EPOCH, until)
    found: set[str] = set()
    names = sorted(set(order_nos))
    for i in range(0, len(names), CHUNK):
        stmt = select(savings.c.order_no).where(
            savings.c.order_no.in_(names[i : i + CHUNK]),
            (savings.c.coupon_discount + savings.c.coupon_shipping) > 0,
        )
        found.update(str(n) for n in await session.scalars(stmt))
    return found


async def rfm_classes(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(member_ids):
        stmt = select(MemberRfm.member_id, MemberRfm.rfm_class).where(
            MemberRfm.member_id.in_(chunk)
        )
        out.update({int(m): str(c) for m, c in await session.execute(stmt) if m is not None})
    return out


# Profiles


async def upsert_profiles(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(session, Profile).values(list(rows))
    columns = [k for k in rows[0] if k != "member_id"]
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["member_id"], set_={k: getattr(stmt.excluded, k) for k in columns}
        )
    )


async def profiles(session: AsyncSession, member_ids: Sequence[int] | None = None) -> list[Profile]:
    """The profiles of ``member_ids`` (all when None), by member id."""
    if member_ids is None:
        return list(await session.scalars(select(Profile).order_by(Profile.member_id)))
    out: list[Profile] = []
    for chunk in _chunks(member_ids):
        stmt = select(Profile).where(Profile.member_id.in_(chunk)).order_by(Profile.member_id)
        out.extend(await session.scalars(stmt))
    return out


async def get_profile(session: AsyncSession, member_id: int) -> Profile | None:
    return await session.get(Profile, member_id)


async def cluster_features(session: AsyncSession) -> list[Profile]:
    stmt = select(Profile).where(Profile.order_count > 0).order_by(Profile.member_id)
    return list(await session.scalars(stmt))


# Tags


async def list_tags(session: AsyncSession) -> list[Tag]:
    return list(await session.scalars(select(Tag).order_by(Tag.kind, Tag.code)))


async def get_tag(session: AsyncSession, tag_id: int) -> Tag | None:
    return await session.get(Tag, tag_id)


async def tags_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Tag]:
    if not codes:
        return {}
    stmt = select(Tag).where(Tag.code.in_(sorted(set(codes))))
    return {t.code: t for t in await session.scalars(stmt)}


async def rule_tags(session: AsyncSession) -> list[Tag]:
    return list(await session.scalars(select(Tag).where(Tag.kind == "rule").order_by(Tag.id)))


async def add_tag(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert a tag unless its code exists (None then)."""
    stmt = (
        _insert(session, Tag)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Tag.id)
    )
    tag_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if tag_id is None else int(tag_id)


async def ensure_computed_tags(
    session: AsyncSession, names: dict[str, str], now: datetime
) -> dict[str, int]:
    """{code: id} of computed tags, created when missing and renamed to ``names``."""
    for code, name in names.items():
        await add_tag(
            session,
            {
                "code": code,
                "name": name,
                "kind": "computed",
                "condition": None,
                "description": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        await session.execute(
            update(Tag).where(Tag.code == code, Tag.name != name).values(name=name, updated_at=now)
        )
    found = await tags_by_code(session, list(names))
    return {code: t.id for code, t in found.items()}


async def update_tag(session: AsyncSession, tag_id: int, values: dict[str, Any]) -> None:
    await session.execute(update(Tag).where(Tag.id == tag_id).values(**values))


async def delete_tags_with_prefix(session: AsyncSession, prefix: str, keep: Sequence[str]) -> None:
    """Drop computed tags ``<prefix>*`` not in ``keep`` and who held them."""
    stmt = select(Tag.id).where(
        Tag.code.startswith(prefix, autoescape=True), Tag.kind == "computed"
    )
    if keep:
        stmt = stmt.where(Tag.code.not_in(sorted(keep)))
    ids = [int(i) for i in await session.scalars(stmt)]
    if ids:
        await session.execute(delete(MemberTag).where(MemberTag.tag_id.in_(ids)))
        await session.execute(delete(Tag).where(Tag.id.in_(ids)))


async def tag_counts(session: AsyncSession) -> dict[int, int]:
    stmt = select(MemberTag.tag_id, func.count()).group_by(MemberTag.tag_id)
    return {int(t): int(n) for t, n in await session.execute(stmt)}


async def member_tag_codes(
    session: AsyncSession, member_ids: Sequence[int] | None = None
) -> dict[int, set[str]]:
    """{member id: codes of their tags} (every tagged member when ``member_ids`` is None)."""
    out: dict[int, set[str]] = defaultdict(set)
    base = select(MemberTag.member_id, Tag.code).join(Tag, Tag.id == MemberTag.tag_id)
    if member_ids is None:
        for m, code in await session.execute(base):
            out[int(m)].add(str(code))
        return dict(out)
    for chunk in _chunks(member_ids):
        for m, code in await session.execute(base.where(MemberTag.member_id.in_(chunk))):
            out[int(m)].add(str(code))
    return dict(out)


async def tags_of_member(session: AsyncSession, member_id: int) -> list[Tag]:
    stmt = (
        select(Tag)
        .join(MemberTag, MemberTag.tag_id == Tag.id)
        .where(MemberTag.member_id == member_id)
        .order_by(Tag.kind, Tag.code)
    )
    return list(await session.scalars(stmt))


async def add_member_tags(
    session: AsyncSession, tag_id: int, member_ids: Sequence[int], *, added_by: str, now: datetime
) -> int:
    """Give the tag to ``member_ids``; a member who holds it already is left alone (ON CONFLICT
    DO NOTHING: concurrent recomputes never duplicate a row). The number added."""
    added = 0
    for chunk in _chunks(member_ids):
        stmt = (
            _insert(session, MemberTag)
            .values(
                [
                    {"tag_id": tag_id, "member_id": m, "added_by": added_by, "created_at": now}
                    for m in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["tag_id", "member_id"])
            .returning(MemberTag.member_id)
        )
        added += len((await session.execute(stmt)).all())
    return added


async def remove_member_tags(session: AsyncSession, tag_id: int, member_ids: Sequence[int]) -> int:
    removed = 0
    for chunk in _chunks(member_ids):
        result = await session.execute(
            delete(MemberTag).where(MemberTag.tag_id == tag_id, MemberTag.member_id.in_(chunk))
        )
        removed += _rowcount(result)
    return removed


async def tag_holders(session: AsyncSession, tag_id: int) -> set[int]:
    stmt = select(MemberTag.member_id).where(MemberTag.tag_id == tag_id)
    return {int(m) for m in await session.scalars(stmt)}


async def set_tag_holders(
    session: AsyncSession,
    tag_id: int,
    scope: Sequence[int],
    holders: Sequence[int],
    *,
    added_by: str,
    now: datetime,
) -> None:
    """Within ``scope`` (member ids), exactly ``holders`` hold the tag afterwards."""
    keep = set(holders)
    await remove_member_tags(session, tag_id, [m for m in scope if m not in keep])
    await add_member_tags(session, tag_id, sorted(keep), added_by=added_by, now=now)


# Segments


async def add_segment(session: AsyncSession, values: dict[str, Any]) -> int | None:
    stmt = (
        _insert(session, Segment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(Segment.id)
    )
    segment_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if segment_id is None else int(segment_id)


async def get_segment(session: AsyncSession, segment_id: int) -> Segment | None:
    return await session.get(Segment, segment_id)


async def segments_by_ids(session: AsyncSession, segment_ids: Sequence[int]) -> list[Segment]:
    stmt = select(Segment).where(Segment.id.in_(sorted(segment_ids))).order_by(Segment.id)
    return list(await session.scalars(stmt))


async def list_segments(session: AsyncSession) -> list[Segment]:
    return list(await session.scalars(select(Segment).order_by(Segment.id.desc())))


async def claim_coupons(
    session: AsyncSession,
    segment_id: int,
    template_id: int,
    member_ids: Sequence[int],
    *,
    actor: str,
    now: datetime,
) -> list[int]:
    """Claim (segment, template, member) for the members not claimed before, atomically: a
    concurrent press waits on the unique index and then finds the rows taken. The members
    claimed now."""
    fresh: list[int] = []
    for chunk in _chunks(member_ids):
        stmt = (
            _insert(session, SegmentCoupon)
            .values(
                [
                    {
                        "segment_id": segment_id,
                        "template_id": template_id,
                        "member_id": m,
                        "is_issued": False,
                        "issued_by": actor[:64],
                        "created_at": now,
                    }
                    for m in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["segment_id", "template_id", "member_id"])
            .returning(SegmentCoupon.member_id)
        )
        fresh.extend(int(m) for m in await session.scalars(stmt))
    return sorted(fresh)


async def mark_issued(
    session: AsyncSession, segment_id: int, template_id: int, member_ids: Sequence[int]
) -> None:
    for chunk in _chunks(member_ids):
        await session.execute(
            update(SegmentCoupon)
            .where(
                SegmentCoupon.segment_id == segment_id,
                SegmentCoupon.template_id == template_id,
                SegmentCoupon.member_id.in_(chunk),
            )
            .values(is_issued=True)
        )


# Jobs


async def open_job(
    session: AsyncSession,
    *,
    kind: str,
    open_kind: str,
    target_id: int | None,
    staff_id: int | None,
    now: datetime,
) -> int | None:
    """Queue a job unless one of ``open_kind`` is open (the unique index decides): its id."""
    stmt = (
        _insert(session, ProfileJob)
        .values(
            kind=kind,
            open_kind=open_kind,
            target_id=target_id,
            status="queued",
            progress=0,
            total=0,
            staff_id=staff_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["open_kind"])
        .returning(ProfileJob.id)
    )
    job_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if job_id is None else int(job_id)


async def job_by_open_kind(session: AsyncSession, open_kind: str) -> ProfileJob | None:
    stmt = select(ProfileJob).where(ProfileJob.open_kind == open_kind)
    return (await session.scalars(stmt)).one_or_none()


async def get_job(session: AsyncSession, job_id: int) -> ProfileJob | None:
    return await session.get(ProfileJob, job_id)


async def open_jobs(session: AsyncSession) -> list[ProfileJob]:
    stmt = select(ProfileJob).where(ProfileJob.status.in_(OPEN_STATUSES)).order_by(ProfileJob.id)
    return list(await session.scalars(stmt))


async def latest_job(session: AsyncSession, kind: str, *, done: bool = False) -> ProfileJob | None:
    stmt = select(ProfileJob).where(ProfileJob.kind == kind)
    if done:
        stmt = stmt.where(ProfileJob.status == "done")
    stmt = stmt.order_by(ProfileJob.id.desc()).limit(1)
    return (await session.scalars(stmt)).one_or_none()


async def start_job(session: AsyncSession, job_id: int) -> bool:
    result = await session.execute(
        update(ProfileJob)
        .where(ProfileJob.id == job_id, ProfileJob.status.in_(OPEN_STATUSES))
        .values(status="running", progress=0, total=0)
    )
    return _rowcount(result) == 1


async def set_job_progress(session: AsyncSession, job_id: int, progress: int, total: int) -> None:
    await session.execute(
        update(ProfileJob).where(ProfileJob.id == job_id).values(progress=progress, total=total)
    )


async def finish_job(
    session: AsyncSession,
    job_id: int,
    *,
    result: dict[str, Any] | None,
    error: str | None,
    now: datetime,
) -> None:
    await session.execute(
        update(ProfileJob)
        .where(ProfileJob.id == job_id, ProfileJob.status.in_(OPEN_STATUSES))
        .values(
            status="failed" if error else "done",
            open_kind=None,
            result=result,
            error=error,
            finished_at=now,
        )
    )


# Promoters (social's distribution, by event)


async def record_promoter(session: AsyncSession, member_id: int, status: str, at: datetime) -> bool:
    """Upsert the member's promoter status unless a newer one is stored; True when written."""
    stmt = _insert(session, PromoterRole).values(member_id=member_id, status=status, changed_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id"],
        set_={"status": stmt.excluded.status, "changed_at": stmt.excluded.changed_at},
        where=PromoterRole.changed_at <= stmt.excluded.changed_at,
    )
    return _rowcount(await session.execute(stmt)) > 0


async def active_promoters(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    out: set[int] = set()
    for chunk in _chunks(member_ids):
        rows = await session.scalars(
            select(PromoterRole.member_id).where(
                PromoterRole.member_id.in_(chunk), PromoterRole.status == "active"
            )
        )
        out.update(int(m) for m in rows)
    return out


# Segments in SQL: the condition language (conditions.py) compiled to one query over the
# universe of profiled or tagged members; conditions.evaluate stays the oracle (hypothesis test).

_COLUMNS = {
    "order_count": "order_count",
    "orders_90d": "orders_90d",
    "spend": "spend",
    "spend_90d": "spend_90d",
    "aov": "aov",
    "price_sensitivity": "price_sensitivity",
    "coupon_count": "coupon_count",
    "region": "region_code",
    "platform": "platform",
    "channel": "channel",
    "rfm_class": "rfm_class",
    "social_role": "social_role",
}
_SINCE = {
    "days_since_last_purchase": "last_purchase_at",
    "days_since_first_purchase": "first_purchase_at",
    "days_since_active": "last_active_at",
}


def _texts(value: conditions.Value) -> list[str]:
    return list(value) if isinstance(value, list) else [str(value)]


def _days_at_least(since: Any, days: int, now: datetime) -> ColumnElement[bool]:
    """``max(0, floor((now − since) / 1 day)) >= days``, never NULL."""
    known: ColumnElement[bool] = since.isnot(None)
    if days <= 0:
        return known
    return and_(since.isnot(None), since <= now - timedelta(days=days))


def _days_leaf(since: Any, op: str, value: int, now: datetime) -> ColumnElement[bool]:
    ge = _days_at_least(since, value, now)
    gt = _days_at_least(since, value + 1, now)
    known = since.isnot(None)
    if op == "gte":
        return ge
    if op == "gt":
        return gt
    if op == "lt":
        return and_(known, not_(ge))
    if op == "lte":
        return and_(known, not_(gt))
    equal = and_(ge, not_(gt))
    return equal if op == "eq" else or_(since.is_(None), not_(equal))  # ne


def _categories_contain(profile: Any, value: str, dialect: str) -> ColumnElement[bool]:
    column = profile.c.categories
    if dialect == "postgresql":
        return and_(column.isnot(None), column.op("@>")(literal([value], type_=JSONB)))
    entries = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(entries).where(entries.c.value == value))


def _leaf_sql(
    leaf: conditions.Leaf, profile: Any, now: datetime, dialect: str
) -> ColumnElement[bool]:
    op, value = leaf.op, leaf.value
    if leaf.field in _SINCE:
        assert isinstance(value, int)  # noqa: S101 (parse checked the kind)
        return _days_leaf(profile.c[_SINCE[leaf.field]], op, value, now)
    if leaf.field == "categories":
        assert isinstance(value, str)  # noqa: S101
        contained = _categories_contain(profile, value, dialect)
        return contained if op == "contains" else not_(contained)
    column = profile.c[_COLUMNS[leaf.field]]
    known = column.isnot(None)
    if op == "ne":
        return or_(column.is_(None), column != value)
    if op == "not_in":
        return or_(column.is_(None), column.not_in(_texts(value)))
    if op == "in":
        return and_(known, column.in_(_texts(value)))
    if op == "prefix":
        assert isinstance(value, str)  # noqa: S101
        return and_(known, func.substr(column, 1, len(value)) == value)
    compare = {
        "eq": column == value,
        "gt": column > value,
        "gte": column >= value,
        "lt": column < value,
        "lte": column <= value,
    }[op]
    return and_(known, compare)


def _node_sql(
    node: conditions.Node, member: Any, profile: Any, now: datetime, dialect: str
) -> ColumnElement[bool]:
    if isinstance(node, conditions.Group):
        parts = [_node_sql(c, member, profile, now, dialect) for c in node.children]
        return and_(*parts) if node.kind == "all" else or_(*parts)
    if isinstance(node, conditions.TagRef):
        return exists(
            select(literal(1))
            .select_from(MemberTag)
            .join(Tag, Tag.id == MemberTag.tag_id)
            .where(MemberTag.member_id == member, Tag.code == node.code)
        )
    return _leaf_sql(node, profile, now, dialect)


async def matching_member_ids(
    session: AsyncSession, node: conditions.Node, now: datetime
) -> list[int]:
    """The profiled or tagged members meeting ``node``, ascending: one query, both databases."""
    dialect = session.get_bind().dialect.name
    universe = union(
        select(Profile.member_id.label("member_id")),
        select(MemberTag.member_id.label("member_id")),
    ).subquery("universe")
    profile = Profile.__table__
    stmt = (
        select(universe.c.member_id)
        .select_from(universe.outerjoin(profile, profile.c.member_id == universe.c.member_id))
        .where(_node_sql(node, universe.c.member_id, profile, now, dialect))
        .order_by(universe.c.member_id)
    )
    return [int(m) for m in await session.scalars(stmt)]


# Rule tags in SQL: the same compiler over the profiles alone (a rule reads facts, never tags,
# and a member with no profile holds no rule tag); conditions.matching stays the oracle.


def _within(column: Any, scope: Sequence[int] | tuple[int, int]) -> ColumnElement[bool]:
    if isinstance(scope, tuple):
        low, high = scope
        in_range: ColumnElement[bool] = column.between(low, high)
        return in_range
    listed: ColumnElement[bool] = column.in_(scope)
    return listed


async def apply_rule_tag(
    session: AsyncSession,
    tag_id: int,
    node: conditions.Node,
    scope: Sequence[int] | tuple[int, int],
    *,
    now: datetime,
) -> None:
    """Within ``scope`` (member ids, or an inclusive id range), exactly the profiled members
    meeting ``node`` hold the tag afterwards: one ``DELETE`` of the holders who no longer meet
    it and one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` of those who do (concurrent
    recomputes never duplicate a row), both evaluated by the database."""
    if isinstance(scope, tuple):
        ranges: list[Sequence[int] | tuple[int, int]] = [scope]
    else:
        ranges = list(_chunks(scope))
    dialect = session.get_bind().dialect.name
    profile = Profile.__table__
    meets = _node_sql(node, profile.c.member_id, profile, now, dialect)
    for part in ranges:
        matching = select(profile.c.member_id).where(_within(profile.c.member_id, part), meets)
        await session.execute(
            delete(MemberTag).where(
                MemberTag.tag_id == tag_id,
                _within(MemberTag.member_id, part),
                MemberTag.member_id.not_in(matching),
            )
        )
        rows = select(
            literal(tag_id, MemberTag.tag_id.type),
            profile.c.member_id,
            literal("rule", MemberTag.added_by.type),
            literal(now, MemberTag.created_at.type),
        ).where(_within(profile.c.member_id, part), meets)
        await session.execute(
            _insert(session, MemberTag)
            .from_select(["tag_id", "member_id", "added_by", "created_at"], rows)
            .on_conflict_do_nothing(index_elements=["tag_id", "member_id"])
        )


async def profile_member_ids(session: AsyncSession) -> list[int]:
    stmt = select(Profile.member_id).order_by(Profile.member_id)
    return [int(m) for m in await session.scalars(stmt)]


async def tag_holder_count(session: AsyncSession, tag_id: int) -> int:
    stmt = select(func.count()).select_from(MemberTag).where(MemberTag.tag_id == tag_id)
    return int(await session.scalar(stmt) or 0)
