"""Profiles, tags, segments and clusters (docs/analytics.md, "Profiles, tags, segments,
clusters").

- A member's profile is recomputed from their paid orders (``orders.public``), coupon use
  (``promotions.public``), RFM class and tracked events: for one member in the transaction of
  their ``order.paid`` / ``order.refunded`` (events are not read there: the profile keeps its
  platform and channel), for everyone by the ``profiles`` job (batches of ``BATCH`` members,
  each its own transaction, with progress).
- Whenever a member's profile is written, their rule tags and RFM tag follow in the same
  transaction. A rule tag's edit queues a ``tag`` job that re-decides it for every profile.
- Tag rows are written with ``INSERT … ON CONFLICT DO NOTHING`` on (tag, member), so two
  recomputes at once never duplicate a row.
- Segments and rule tags are evaluated by the database: the condition language compiles to
  SQL (``repo.matching_member_ids`` over every profiled or tagged member for a segment,
  ``repo.apply_rule_tag`` over the profiles for a rule tag: one delete and one insert per tag
  and batch). ``conditions.evaluate`` in Python is their oracle in the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.analytics import ingest, rfm
from shoplet.modules.analytics.funnels import CHANNEL_SQL
from shoplet.modules.analytics.profiles import clustering, compute, conditions
from shoplet.modules.analytics.profiles import repository as repo
from shoplet.modules.analytics.profiles.errors import (
    ConditionInvalid,
    JobNotFound,
    MemberNotFound,
    ProfileNotFound,
    SegmentExists,
    SegmentNotFound,
    TagExists,
    TagNotEditable,
    TagNotFound,
)
from shoplet.modules.analytics.profiles.models import Profile, ProfileJob, Tag
from shoplet.modules.analytics.profiles.schemas import (
    ClusterOut,
    ClusterPoint,
    ClustersOut,
    JobOut,
    Member360,
    PreviewCount,
    ProfileOut,
    SegmentCouponReport,
    SegmentCreate,
    SegmentMember,
    SegmentOut,
    TagCreate,
    TagOut,
    TagUpdate,
    TimelineItem,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.analytics.profiles")

BATCH = 500
TAG_BATCH = 500
CLUSTER_POINTS = 1000
TIMELINE_ORDERS = 20
TIMELINE_EVENTS = 50
PREVIEW_SAMPLE = 20
RFM_PREFIX = "rfm_"
CLUSTER_PREFIX = "cluster_"


# -- the event store's side of a profile -------------------------------------------------


def _event_facts_query(member_ids: Sequence[int] | None) -> Any:
    def run(con: Any) -> dict[int, compute.EventFacts]:
        where = "person LIKE 'm:%'"
        params: list[Any] = []
        if member_ids is not None:
            where = "person IN (SELECT unnest(?))"
            params.append([f"m:{m}" for m in member_ids])
        sql = (
            "SELECT person, "  # noqa: S608 (the WHERE is one of two constants)
            "arg_min(platform, ts) FILTER (WHERE source = 'client'), "
            f"arg_min({CHANNEL_SQL}, ts) FILTER (WHERE source = 'client'), "
            "max(ts), bool_or(event = 'share') "
            f"FROM person_events WHERE {where} GROUP BY person"
        )
        rows = con.execute(sql, params).fetchall()
        return {
            int(person[2:]): compute.EventFacts(platform, channel, last, bool(shared))
            for person, platform, channel, last, shared in rows
        }

    return run


async def event_facts(
    ctx: AppContext, member_ids: Sequence[int] | None = None
) -> dict[int, compute.EventFacts]:
    """What the event store says of members (all when None), read in a worker thread."""
    store = ingest.store_of(ctx)
    return await asyncio.to_thread(store.read, _event_facts_query(member_ids))


# -- profiles ------------------------------------------------------------------------------


async def refresh_members(
    session: AsyncSession,
    member_ids: Sequence[int],
    *,
    events: dict[int, compute.EventFacts] | None,
    now: datetime,
) -> int:
    """Recompute the profiles of ``member_ids`` and their rule and RFM tags, in the caller's
    transaction. ``events`` None keeps each profile's event-derived fields as they were."""
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    paid = await orders.member_paid_orders(session, ids)
    by_member: dict[int, list[compute.OrderFact]] = {m: [] for m in ids}
    for o in paid:
        by_member[o.member_id].append(
            compute.OrderFact(
                o.order_no,
                o.paid_at,
                o.payable,
                o.refunded,
                o.discount,
                o.region_code,
                tuple(o.lines),
            )
        )
    products = sorted({p for o in paid for p, _ in o.lines})
    categories = await catalog.product_category_names(session, products)
    coupons = await repo.coupon_order_nos(session, [o.order_no for o in paid], now)
    classes = await repo.rfm_classes(session, ids)
    promoters = await repo.active_promoters(session, ids)
    if events is None:
        old = {p.member_id: p for p in await repo.profiles(session, ids)}
        events = {
            m: compute.EventFacts(p.platform, p.channel, None, p.has_shared) for m, p in old.items()
        }
        last_active = {m: p.last_active_at for m, p in old.items()}
    else:
        last_active = {}
    rows = []
    for m in ids:
        facts = events.get(m, compute.NO_EVENTS)
        seen = last_active.get(m)
        if seen is not None and (facts.last_seen_at is None or seen > facts.last_seen_at):
            facts = compute.EventFacts(facts.platform, facts.channel, seen, facts.has_shared)
        rows.append(
            compute.profile_row(
                m,
                by_member[m],
                categories=categories,
                coupon_orders=coupons,
                events=facts,
                default_region=await members.default_region_code(session, m),
                rfm_class=classes.get(m),
                now=now,
                promoter=m in promoters,
            )
        )
    await repo.upsert_profiles(session, rows)
    await _retag(session, rows, now)
    return len(rows)


async def _retag(session: AsyncSession, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """The rule tags and the RFM tag of the members of ``rows`` (their new profiles)."""
    scope = [r["member_id"] for r in rows]
    for tag in await repo.rule_tags(session):
        node = conditions.parse(tag.condition, allow_tags=False)
        await repo.apply_rule_tag(session, tag.id, node, scope, now=now)
    names = {f"{RFM_PREFIX}{c}": rfm.CLASS_NAMES[c] for c in rfm.CLASS_CODES}
    ids = await repo.ensure_computed_tags(session, names, now)
    for code, tag_id in ids.items():
        holders = [r["member_id"] for r in rows if f"{RFM_PREFIX}{r['rfm_class']}" == code]
        await repo.set_tag_holders(session, tag_id, scope, holders, added_by="rfm", now=now)


async def on_promoter_changed(
    session: AsyncSession, member_id: int, status: str, at: datetime
) -> None:
    """``distribution.promoter_changed``: keep the newest status (an older announcement
    delivered late changes nothing), then the member's profile and tags."""
    if await repo.record_promoter(session, member_id, status, at):
        await refresh_members(session, [member_id], events=None, now=utcnow())


async def on_order_event(session: AsyncSession, member_id: int) -> None:
    """``order.paid`` / ``order.refunded``: the member's profile and tags, in the event's
    transaction (so a failure retries the delivery)."""
    await refresh_members(session, [member_id], events=None, now=utcnow())


def _profile_out(p: Profile, nickname: str | None = None) -> ProfileOut:
    out = ProfileOut.model_validate(p)
    out.nickname = nickname
    return out


def _tag_out(t: Tag, counts: dict[int, int] | None = None) -> TagOut:
    out = TagOut.model_validate(t)
    out.members = (counts or {}).get(t.id, 0)
    return out


async def member_360(ctx: AppContext, session: AsyncSession, member_id: int) -> Member360:
    """会员画像: the profile, the tags, the latest orders and tracked events, newest first."""
    profile = await repo.get_profile(session, member_id)
    if profile is None:
        raise ProfileNotFound(member_id=member_id)
    nickname = await members.get_nickname(session, member_id)
    tags = [_tag_out(t) for t in await repo.tags_of_member(session, member_id)]
    timeline = [
        TimelineItem(
            at=o.paid_at,
            kind="order",
            title=o.order_no,
            detail="refunded" if o.refunded >= o.payable else "paid",
            amount=o.payable - o.refunded,
        )
        for o in (await orders.member_paid_orders(session, [member_id]))[-TIMELINE_ORDERS:]
    ]

    def run(con: Any) -> list[tuple[datetime, str, str | None, str | None]]:
        rows: list[tuple[datetime, str, str | None, str | None]] = con.execute(
            "SELECT ts, event, page, platform FROM person_events WHERE person = ? "
            "ORDER BY ts DESC LIMIT ?",
            [f"m:{member_id}", TIMELINE_EVENTS],
        ).fetchall()
        return rows

    events = await asyncio.to_thread(ingest.store_of(ctx).read, run)
    timeline.extend(
        TimelineItem(
            at=ts, kind="event", title=event, detail=" ".join(filter(None, (page, platform)))
        )
        for ts, event, page, platform in events
    )
    timeline.sort(key=lambda item: item.at, reverse=True)
    return Member360(profile=_profile_out(profile, nickname), tags=tags, timeline=timeline)


# -- the condition language ---------------------------------------------------------------


def parse(raw: Any, *, allow_tags: bool) -> conditions.Node:
    try:
        return conditions.parse(raw, allow_tags=allow_tags)
    except conditions.ConditionError as exc:
        raise ConditionInvalid(str(exc), path=exc.path) from None


async def _check_tags(session: AsyncSession, node: conditions.Node) -> None:
    codes = conditions.tag_codes(node)
    missing = sorted(codes - set(await repo.tags_by_code(session, sorted(codes))))
    if missing:
        raise ConditionInvalid(f"unknown tag {missing[0]!r}", path="tag")


async def _universe(
    session: AsyncSession, now: datetime
) -> tuple[dict[int, conditions.Facts], dict[int, set[str]]]:
    """Every profiled or tagged member's facts and tags."""
    tags = await repo.member_tag_codes(session)
    empty = dict.fromkeys(conditions.FIELDS)
    facts: dict[int, conditions.Facts] = {m: {**empty, "categories": ()} for m in tags}
    for p in await repo.profiles(session):
        facts[p.member_id] = compute.facts(_row(p), now)
    return facts, tags


def _row(p: Profile) -> dict[str, Any]:
    return {c: getattr(p, c) for c in compute_columns()}


def compute_columns() -> tuple[str, ...]:
    return tuple(c.key for c in Profile.__table__.columns)


async def matching_members(session: AsyncSession, node: conditions.Node) -> list[int]:
    """Members meeting ``node``: compiled to SQL (``repo.matching_member_ids``); the Python
    evaluation (:func:`python_matching_members`) is its oracle in the tests."""
    return await repo.matching_member_ids(session, node, utcnow())


async def python_matching_members(
    session: AsyncSession, node: conditions.Node, now: datetime
) -> list[int]:
    facts, tags = await _universe(session, now)
    return conditions.matching(node, facts, tags)


async def preview(session: AsyncSession, raw: dict[str, Any], *, kind: str) -> PreviewCount:
    """The live count of an unsaved rule or segment, and the first member ids."""
    node = parse(raw, allow_tags=kind == "segment")
    await _check_tags(session, node)
    found = await matching_members(session, node)
    return PreviewCount(members=len(found), sample=found[:PREVIEW_SAMPLE])


# -- tags ----------------------------------------------------------------------------------


async def list_tags(session: AsyncSession) -> list[TagOut]:
    counts = await repo.tag_counts(session)
    return [_tag_out(t, counts) for t in await repo.list_tags(session)]


async def _tag(session: AsyncSession, tag_id: int) -> Tag:
    tag = await repo.get_tag(session, tag_id)
    if tag is None:
        raise TagNotFound(tag_id=tag_id)
    return tag


async def create_tag(
    session: AsyncSession, body: TagCreate, *, staff_id: int | None
) -> tuple[TagOut, JobOut | None]:
    """A rule tag (its condition checked; a job decides it for every member) or a manual tag."""
    if body.code.startswith((RFM_PREFIX, CLUSTER_PREFIX)):
        raise TagExists("rfm_ and cluster_ codes are kept for computed tags", code=body.code)
    condition: dict[str, Any] | None = None
    if body.kind == "rule":
        if body.condition is None:
            raise ConditionInvalid("a rule tag needs a condition", path="condition")
        condition = conditions.to_json(parse(body.condition, allow_tags=False))
    elif body.condition is not None:
        raise ConditionInvalid("a manual tag has no condition", path="condition")
    now = utcnow()
    tag_id = await repo.add_tag(
        session,
        {
            "code": body.code,
            "name": body.name,
            "kind": body.kind,
            "condition": condition,
            "description": body.description,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    if tag_id is None:
        raise TagExists(code=body.code)
    job = (
        await request_job(session, "tag", target_id=tag_id, staff_id=staff_id)
        if condition
        else None
    )
    return _tag_out(await _tag(session, tag_id)), None if job is None else job[0]


async def update_tag(
    session: AsyncSession, tag_id: int, body: TagUpdate, *, staff_id: int | None
) -> tuple[TagOut, JobOut | None]:
    """Rename a rule or manual tag, or change a rule tag's condition (then every member is
    re-decided by a job)."""
    tag = await _tag(session, tag_id)
    if tag.kind == "computed":
        raise TagNotEditable(tag_id=tag_id)
    values: dict[str, Any] = {}
    if body.condition is not None:
        if tag.kind != "rule":
            raise ConditionInvalid("a manual tag has no condition", path="condition")
        values["condition"] = conditions.to_json(parse(body.condition, allow_tags=False))
        values["version"] = tag.version + 1
    if body.name is not None:
        values["name"] = body.name
    if body.description is not None:
        values["description"] = body.description
    job: JobOut | None = None
    if values:
        values["updated_at"] = utcnow()
        await repo.update_tag(session, tag_id, values)
        if "condition" in values:
            job = (await request_job(session, "tag", target_id=tag_id, staff_id=staff_id))[0]
    await session.refresh(tag)
    return _tag_out(tag, await repo.tag_counts(session)), job


async def change_manual_members(
    session: AsyncSession, tag_id: int, member_ids: Sequence[int], *, add: bool, actor: str
) -> int:
    """Staff add members to (or remove them from) a manual tag; the number changed."""
    tag = await _tag(session, tag_id)
    if tag.kind != "manual":
        raise TagNotEditable("only manual tags take members by hand", tag_id=tag_id)
    if add:
        known = await members.get_nicknames(session, member_ids)
        unknown = sorted(set(member_ids) - set(known))
        if unknown:
            raise MemberNotFound(member_id=unknown[0])
        return await repo.add_member_tags(
            session, tag_id, member_ids, added_by=actor[:64], now=utcnow()
        )
    return await repo.remove_member_tags(session, tag_id, member_ids)


async def retag_all(ctx: AppContext, job: ProfileJob) -> dict[str, Any]:
    """A ``tag`` job: decide the rule tag for every profile (and take it from holders with no
    profile left), ``TAG_BATCH`` members a transaction; the database evaluates the rule (one
    delete and one insert per batch over an id range, ``repo.apply_rule_tag``)."""
    async with read_session(ctx.sessionmaker) as session:
        tag = await repo.get_tag(session, job.target_id or 0)
        if tag is None or tag.kind != "rule":
            return {"members": 0}
        node = conditions.parse(tag.condition, allow_tags=False)
        profiled = await repo.profile_member_ids(session)
        holders_before = await repo.tag_holders(session, tag.id)
    now = utcnow()
    scope = sorted(set(profiled) | holders_before)
    for start in range(0, len(scope), TAG_BATCH):
        chunk = scope[start : start + TAG_BATCH]
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.apply_rule_tag(session, tag.id, node, (chunk[0], chunk[-1]), now=now)
            done = min(len(scope), start + TAG_BATCH)
            await repo.set_job_progress(session, job.id, done, len(scope))
    async with read_session(ctx.sessionmaker) as session:
        matched = await repo.tag_holder_count(session, tag.id)
    return {"members": matched, "scope": len(scope)}


# -- jobs ----------------------------------------------------------------------------------


def _job_out(job: ProfileJob) -> JobOut:
    return JobOut.model_validate(job)


async def request_job(
    session: AsyncSession, kind: str, *, target_id: int | None = None, staff_id: int | None
) -> tuple[JobOut, bool]:
    """Queue a job, or return the open one of the same kind (and tag): (job, whether new)."""
    open_kind = kind if target_id is None else f"{kind}:{target_id}"
    job_id = await repo.open_job(
        session,
        kind=kind,
        open_kind=open_kind,
        target_id=target_id,
        staff_id=staff_id,
        now=utcnow(),
    )
    if job_id is None:
        job = await repo.job_by_open_kind(session, open_kind)
        if job is None:  # it finished between the two statements
            return await request_job(session, kind, target_id=target_id, staff_id=staff_id)
        return _job_out(job), False
    created = await repo.get_job(session, job_id)
    if created is None:  # pragma: no cover
        raise JobNotFound(job_id=job_id)
    return _job_out(created), True


async def get_job(session: AsyncSession, job_id: int) -> JobOut:
    job = await repo.get_job(session, job_id)
    if job is None:
        raise JobNotFound(job_id=job_id)
    return _job_out(job)


async def refresh_all(ctx: AppContext, job: ProfileJob) -> dict[str, Any]:
    """A ``profiles`` job: every buyer's profile and tags, ``BATCH`` members a transaction."""
    now = utcnow()
    async with read_session(ctx.sessionmaker) as session:
        ids = sorted(
            set(await repo.buyer_ids(session, now))
            | {p.member_id for p in await repo.profiles(session)}
        )
    events = await event_facts(ctx)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        async with unit_of_work(ctx.sessionmaker) as session:
            await refresh_members(session, chunk, events=events, now=now)
            await repo.set_job_progress(session, job.id, min(len(ids), start + BATCH), len(ids))
        log.info(
            "profiles_progress", job_id=job.id, done=min(len(ids), start + BATCH), total=len(ids)
        )
    return {"members": len(ids)}


async def work_job(ctx: AppContext, job: ProfileJob) -> None:
    """Run a job to its end; any error fails it (its open slot is freed either way)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.start_job(session, job.id):
            return
    try:
        if job.kind == "profiles":
            result = await refresh_all(ctx, job)
        elif job.kind == "tag":
            result = await retag_all(ctx, job)
        else:
            result = await recluster(ctx, job)
    except Exception as exc:
        log.exception("profile_job_failed", job_id=job.id, kind=job.kind)
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.finish_job(
                session,
                job.id,
                result=None,
                error=f"{type(exc).__name__}: {exc}"[:500],
                now=utcnow(),
            )
        return
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.finish_job(session, job.id, result=result, error=None, now=utcnow())


async def work_open_jobs(ctx: AppContext) -> int:
    async with read_session(ctx.sessionmaker) as session:
        jobs = await repo.open_jobs(session)
    for job in jobs:
        await work_job(ctx, job)
    return len(jobs)


# -- clusters ------------------------------------------------------------------------------


def features(p: Profile, now: datetime) -> list[float]:
    last = p.last_purchase_at or now
    return [
        float(max(0, (now - last).days)),
        float(p.order_count),
        float(p.spend),
        float(p.aov),
        float(p.price_sensitivity),
    ]


async def recluster(ctx: AppContext, job: ProfileJob) -> dict[str, Any]:
    """A ``clusters`` job: k-means in a worker thread, then each cluster a computed tag
    ``cluster_<n>`` named by its centroid; the old cluster tags are replaced."""
    now = utcnow()
    async with read_session(ctx.sessionmaker) as session:
        buyers = await repo.cluster_features(session)
    rows = [features(p, now) for p in buyers]
    try:
        result = await asyncio.to_thread(clustering.cluster, rows)
    except clustering.TooFewMembers as exc:
        return {"k": None, "error": str(exc), "clusters": [], "points": []}
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for c in result.clusters:
        seen[c.name] = seen.get(c.name, 0) + 1
        label = c.name if seen[c.name] == 1 else f"{c.name}{seen[c.name]}"
        names[f"{CLUSTER_PREFIX}{c.number}"] = label
    ids = [p.member_id for p in buyers]
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.delete_tags_with_prefix(session, CLUSTER_PREFIX, list(names))
        tag_ids = await repo.ensure_computed_tags(session, names, now)
        for c in result.clusters:
            holders = [m for m, label in zip(ids, result.labels, strict=True) if label == c.number]
            code = f"{CLUSTER_PREFIX}{c.number}"
            await repo.set_tag_holders(
                session, tag_ids[code], ids, holders, added_by="cluster", now=now
            )
        await repo.set_job_progress(session, job.id, len(ids), len(ids))
    step = max(1, len(rows) // CLUSTER_POINTS)
    return {
        "k": result.k,
        "silhouette": result.silhouette,
        "clusters": [
            {
                "number": c.number,
                "tag_code": f"{CLUSTER_PREFIX}{c.number}",
                "name": names[f"{CLUSTER_PREFIX}{c.number}"],
                "size": c.size,
                "mean_spend": c.mean_spend,
                "centroid": c.centroid,
            }
            for c in result.clusters
        ],
        "points": [
            {"recency": r[0], "frequency": r[1], "spend": r[2], "cluster": label}
            for r, label in list(zip(rows, result.labels, strict=True))[::step][:CLUSTER_POINTS]
        ],
    }


async def clusters(session: AsyncSession) -> ClustersOut:
    """The last clustering: k, silhouette, clusters with sizes and mean spend, sample points."""
    last = await repo.latest_job(session, "clusters")
    done = await repo.latest_job(session, "clusters", done=True)
    result = (done.result if done is not None else None) or {}
    return ClustersOut(
        job=None if last is None else _job_out(last),
        k=result.get("k"),
        silhouette=result.get("silhouette"),
        clusters=[ClusterOut.model_validate(c) for c in result.get("clusters", [])],
        points=[ClusterPoint.model_validate(p) for p in result.get("points", [])],
    )


# -- segments ------------------------------------------------------------------------------


async def _segment(session: AsyncSession, segment_id: int) -> Any:
    segment = await repo.get_segment(session, segment_id)
    if segment is None:
        raise SegmentNotFound(segment_id=segment_id)
    return segment


async def create_segment(
    session: AsyncSession, body: SegmentCreate, *, staff_id: int | None
) -> SegmentOut:
    node = parse(body.definition, allow_tags=True)
    await _check_tags(session, node)
    now = utcnow()
    segment_id = await repo.add_segment(
        session,
        {
            "name": body.name,
            "definition": conditions.to_json(node),
            "created_by": staff_id,
            "created_at": now,
            "updated_at": now,
        },
    )
    if segment_id is None:
        raise SegmentExists(name=body.name)
    out = SegmentOut.model_validate(await _segment(session, segment_id))
    out.members = len(await matching_members(session, node))
    return out


async def list_segments(session: AsyncSession) -> list[SegmentOut]:
    facts, tags = await _universe(session, utcnow())
    out = []
    for s in await repo.list_segments(session):
        item = SegmentOut.model_validate(s)
        item.members = len(conditions.matching(conditions.parse(s.definition), facts, tags))
        out.append(item)
    return out


async def segment_member_ids(session: AsyncSession, segment_id: int) -> list[int]:
    """The members of a saved segment now, ascending (404 ``analytics.segment_not_found``)."""
    segment = await _segment(session, segment_id)
    return await matching_members(session, conditions.parse(segment.definition))


async def audience_member_ids(
    session: AsyncSession,
    *,
    segment_id: int | None = None,
    rfm_class: str | None = None,
    tag: str | None = None,
    dormant_days: int | None = None,
) -> list[int] | None:
    """The members of one audience now, ascending, for campaigns: a saved segment, an RFM
    class, holders of a tag, or buyers whose last purchase is at least ``dormant_days`` old.
    None when the segment, the class or the tag does not exist (the caller says so in its own
    words); exactly one of the arguments is given."""
    node: conditions.Node
    if segment_id is not None:
        segment = await repo.get_segment(session, segment_id)
        if segment is None:
            return None
        node = conditions.parse(segment.definition)
    elif rfm_class is not None:
        if rfm_class not in rfm.CLASS_NAMES:
            return None
        node = conditions.parse({"field": "rfm_class", "op": "eq", "value": rfm_class})
    elif tag is not None:
        if tag not in await repo.tags_by_code(session, [tag]):
            return None
        node = conditions.parse({"tag": tag}, allow_tags=True)
    elif dormant_days is not None:
        node = conditions.parse(
            {"field": "days_since_last_purchase", "op": "gte", "value": dormant_days}
        )
    else:
        return None
    return await matching_members(session, node)


async def member_segments(
    session: AsyncSession, member_id: int, segment_ids: frozenset[int]
) -> frozenset[int]:
    """Which of ``segment_ids`` the member is in now (unknown ids: none), from the member's own
    profile and tags only: experiments' and flags' segment targeting asks it per member."""
    segments = await repo.segments_by_ids(session, sorted(segment_ids))
    if not segments:
        return frozenset()
    profile = await repo.get_profile(session, member_id)
    tags = {t.code for t in await repo.tags_of_member(session, member_id)}
    if profile is None and not tags:
        return frozenset()  # outside the universe segments are drawn from
    facts: conditions.Facts = (
        compute.facts(_row(profile), utcnow())
        if profile is not None
        else {**dict.fromkeys(conditions.FIELDS), "categories": ()}
    )
    return frozenset(
        s.id for s in segments if conditions.evaluate(conditions.parse(s.definition), facts, tags)
    )


async def segment_members(
    ctx: AppContext, session: AsyncSession, segment_id: int, *, cursor: str | None, limit: int
) -> tuple[list[SegmentMember], str | None]:
    """A page of the segment's members by id (keyset), phones masked."""
    after = decode_id_cursor(cursor) or 0
    ids = [m for m in await segment_member_ids(session, segment_id) if m > after][: limit + 1]
    page = ids[:limit]
    profiles = {p.member_id: p for p in await repo.profiles(session, page)}
    names = await members.get_nicknames(session, page)
    phones = await members.masked_phones(session, ctx.pii, page)
    items = [
        SegmentMember(
            member_id=m,
            nickname=names.get(m),
            phone=phones.get(m),
            spend=profiles[m].spend if m in profiles else 0,
            order_count=profiles[m].order_count if m in profiles else 0,
            last_purchase_at=profiles[m].last_purchase_at if m in profiles else None,
            rfm_class=profiles[m].rfm_class if m in profiles else None,
        )
        for m in page
    ]
    return items, (encode_id_cursor(page[-1]) if len(ids) > limit else None)


async def issue_coupon(
    session: AsyncSession, segment_id: int, template_id: int, *, actor: str
) -> SegmentCouponReport:
    """发券: one copy of the template to each member of the segment, once per (segment,
    template, member): the members are claimed first (unique rows), so a second press, even at
    the same moment, issues nothing twice. Promotions' refusals (draft template: 409) undo the
    whole press; a member promotions skips (quota, per-shopper limit) is reported."""
    member_ids = await segment_member_ids(session, segment_id)
    fresh = await repo.claim_coupons(
        session, segment_id, template_id, member_ids, actor=actor, now=utcnow()
    )
    issued: list[int] = []
    skipped: list[dict[str, int | str]] = []
    if fresh:
        report = await promotions.issue(
            session, template_id=template_id, member_ids=fresh, actor=actor
        )
        issued, skipped = list(report.issued), list(report.skipped)
        await repo.mark_issued(session, segment_id, template_id, issued)
    return SegmentCouponReport(
        members=len(member_ids),
        issued=len(issued),
        already=len(member_ids) - len(fresh),
        skipped=skipped,
    )
