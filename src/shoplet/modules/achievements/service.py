"""Achievements: definitions (built-ins seeded on first read, merchant edits), evaluation of a
member's figure when an event says it may have changed, unlocks (once per member and
definition, with their points and an ``achievement.unlocked`` event), what a shopper sees,
backfill jobs, and the mascot.

Evaluation recomputes the member's figure from the module that owns it (orders' paid orders,
reviews' approved reviews, loyalty's longest sign-in streak, social's groups led to success,
content's public posts) rather than counting events here: a redelivered, reordered or missed
event cannot make the figure wrong, and a backfill uses the same figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.integrations.wechat import wxacode as wx
from shoplet.modules.achievements import badges, rules
from shoplet.modules.achievements import repository as repo
from shoplet.modules.achievements.errors import (
    AchievementNotFound,
    BackfillNotFound,
    BackfillRunning,
    CodeTaken,
    InvalidDefinition,
    NotUnlocked,
)
from shoplet.modules.achievements.events import UNLOCKED
from shoplet.modules.achievements.models import BackfillJob as JobRow
from shoplet.modules.achievements.models import Definition
from shoplet.modules.achievements.schemas import (
    AchievementSummary,
    BackfillJob,
    BadgeBrief,
    Celebration,
    DefinitionAdmin,
    DefinitionWrite,
    Mascot,
    MascotWrite,
    MyAchievement,
    MyAchievements,
)
from shoplet.modules.content import public as content
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.review import public as review
from shoplet.modules.social import public as social

log = structlog.get_logger("shoplet.achievements")

API = "/api/v1"
BACKFILL_BATCH = 200

Metric = Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, int]]]


async def _paid_orders(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    stats = await orders.paid_order_stats(session, member_ids)
    return {m: s.paid_orders for m, s in stats.items()}


METRICS: dict[str, Metric] = {
    "paid_orders": _paid_orders,
    "approved_reviews": review.approved_counts,
    "signin_streak": loyalty.longest_signin_streaks,
    "group_leader": social.succeeded_groups_led,
    "posts": content.approved_post_counts,
}


def badge_url(icon: str, color: str, *, locked: bool = False) -> str:
    suffix = "-locked" if locked else ""
    return f"{API}/achievements/badges/{icon}-{color[1:].upper()}{suffix}.svg"


def figure_url(figure: str, color: str) -> str:
    return f"{API}/mascot/figures/{figure}-{color[1:].upper()}.svg"


# -- definitions -----------------------------------------------------------------------------


async def ensure_builtins(session: AsyncSession, now: datetime) -> None:
    """Seed the built-in definitions the first time any are read (a merchant edits or disables
    them afterwards; they are never deleted, so this inserts only into an empty table)."""
    if await repo.count_definitions(session) > 0:
        return
    await repo.insert_builtins(
        session,
        [
            {
                "code": b.code,
                "name": b.name,
                "description": b.description,
                "rule_kind": b.rule_kind,
                "threshold": b.threshold,
                "points": b.points,
                "badge_icon": b.badge_icon,
                "badge_color": b.badge_color,
                "is_enabled": True,
                "is_builtin": True,
                "sort": len(rules.BUILTINS) - i,
                "created_at": now,
                "updated_at": now,
            }
            for i, b in enumerate(rules.BUILTINS)
        ],
    )


def _admin(row: Definition, count: int) -> DefinitionAdmin:
    return DefinitionAdmin(
        id=row.id,
        code=row.code,
        name=row.name,
        description=row.description,
        rule_kind=row.rule_kind,  # type: ignore[arg-type]
        threshold=row.threshold,
        points=row.points,
        badge_icon=row.badge_icon,  # type: ignore[arg-type]
        badge_color=row.badge_color,
        badge_url=badge_url(row.badge_icon, row.badge_color),
        is_enabled=row.is_enabled,
        is_builtin=row.is_builtin,
        sort=row.sort,
        unlocked_count=count,
        updated_at=row.updated_at,
    )


async def list_definitions(session: AsyncSession) -> list[DefinitionAdmin]:
    await ensure_builtins(session, utcnow())
    counts = await repo.unlock_counts(session)
    return [_admin(row, counts.get(row.id, 0)) for row in await repo.list_definitions(session)]


async def _require(session: AsyncSession, definition_id: int) -> Definition:
    row = await repo.get_definition(session, definition_id)
    if row is None:
        raise AchievementNotFound(achievement_id=definition_id)
    return row


async def get_definition(session: AsyncSession, definition_id: int) -> DefinitionAdmin:
    row = await _require(session, definition_id)
    counts = await repo.unlock_counts(session)
    return _admin(row, counts.get(row.id, 0))


def _values(body: DefinitionWrite) -> dict[str, Any]:
    values = body.model_dump()
    values["badge_color"] = body.badge_color.upper()
    return values


async def create_definition(session: AsyncSession, body: DefinitionWrite) -> DefinitionAdmin:
    now = utcnow()
    await ensure_builtins(session, now)
    new_id = await repo.insert_definition(
        session, {**_values(body), "is_builtin": False, "created_at": now, "updated_at": now}
    )
    if new_id is None:
        raise CodeTaken(achievement=body.code)
    return await get_definition(session, new_id)


async def update_definition(
    session: AsyncSession, definition_id: int, body: DefinitionWrite
) -> DefinitionAdmin:
    """Replace a definition's terms. A built-in keeps its code and rule kind; a changed code
    must be free. Unlocks already made stay (a raised threshold takes nothing back)."""
    row = await _require(session, definition_id)
    if row.is_builtin and (body.code != row.code or body.rule_kind != row.rule_kind):
        raise InvalidDefinition(
            "a built-in achievement keeps its code and rule", achievement_id=definition_id
        )
    if body.code != row.code and await repo.get_definition_by_code(session, body.code):
        raise CodeTaken(achievement=body.code)
    await repo.update_definition(session, definition_id, {**_values(body), "updated_at": utcnow()})
    return await get_definition(session, definition_id)


# -- evaluation ------------------------------------------------------------------------------


async def _unlock(
    session: AsyncSession,
    *,
    member_id: int,
    definition: Definition,
    value: int,
    source: str,
    now: datetime,
) -> bool:
    """Unlock ``definition`` for the member: False when they already had it. Only the call
    that inserts the row grants the points and publishes the event, in the same transaction."""
    unlock_id = await repo.insert_unlock(
        session,
        {
            "member_id": member_id,
            "definition_id": definition.id,
            "value": value,
            "points": 0,
            "source": source[:40],
            "unlocked_at": now,
        },
    )
    if unlock_id is None:
        return False
    points = 0
    if definition.points > 0:
        points = await loyalty.award_achievement_points(
            session,
            member_id=member_id,
            achievement_id=definition.id,
            points=definition.points,
            now=now,
        )
        if points:
            await repo.set_unlock_points(session, unlock_id, points)
    await publish(
        session,
        UNLOCKED,
        {
            "member_id": member_id,
            "achievement_id": definition.id,
            "code": definition.code,
            "name": definition.name,
            "points": points,
            "unlocked_at": now,
        },
        key=str(member_id),
    )
    log.info("achievement_unlocked", member_id=member_id, code=definition.code, points=points)
    return True


async def evaluate(
    session: AsyncSession,
    *,
    member_id: int,
    rule_kind: str,
    source: str,
    now: datetime | None = None,
) -> list[str]:
    """Unlock every enabled definition of ``rule_kind`` the member's figure reaches now: the
    codes unlocked by this call (none when they had them already)."""
    now = now or utcnow()
    await ensure_builtins(session, now)
    definitions = await repo.enabled_of_kind(session, rule_kind)
    if not definitions:
        return []
    value = (await METRICS[rule_kind](session, [member_id])).get(member_id, 0)
    unlocked = []
    for definition in definitions:
        if value >= definition.threshold and await _unlock(
            session,
            member_id=member_id,
            definition=definition,
            value=value,
            source=source,
            now=now,
        ):
            unlocked.append(definition.code)
    return unlocked


# -- the shopper -----------------------------------------------------------------------------


async def my_achievements(session: AsyncSession, member_id: int) -> MyAchievements:
    """Every enabled achievement (and any unlocked one since disabled): unlocked first, newest
    first, then the locked ones by the merchant's order with progress N/M."""
    await ensure_builtins(session, utcnow())
    definitions = await repo.list_definitions(session)
    unlocks = {u.definition_id: u for u in await repo.member_unlocks(session, member_id)}
    shown = [d for d in definitions if d.is_enabled or d.id in unlocks]
    values: dict[str, int] = {}
    for kind in {d.rule_kind for d in shown if d.id not in unlocks}:
        values[kind] = (await METRICS[kind](session, [member_id])).get(member_id, 0)
    items: list[MyAchievement] = []
    for d in shown:
        unlock = unlocks.get(d.id)
        items.append(
            MyAchievement(
                code=d.code,
                name=d.name,
                description=d.description,
                rule_kind=d.rule_kind,  # type: ignore[arg-type]
                threshold=d.threshold,
                progress=d.threshold
                if unlock is not None
                else rules.progress(values.get(d.rule_kind, 0), d.threshold),
                points=unlock.points if unlock is not None else d.points,
                badge_url=badge_url(d.badge_icon, d.badge_color, locked=unlock is None),
                badge_color=d.badge_color,
                unlocked=unlock is not None,
                unlocked_at=unlock.unlocked_at if unlock is not None else None,
                seen=unlock is not None and unlock.seen_at is not None,
            )
        )
    unlocked = sorted(
        (i for i in items if i.unlocked and i.unlocked_at is not None),
        key=lambda i: (i.unlocked_at, i.code),
        reverse=True,
    )
    locked = [i for i in items if not i.unlocked]
    return MyAchievements(unlocked_count=len(unlocked), total=len(items), items=unlocked + locked)


async def summary(session: AsyncSession, member_id: int, *, limit: int) -> AchievementSummary:
    """The newest ``limit`` unlocked badges and the counts of 我的成就, without the progress
    figures (no metric is computed: the member's unlocks and the definitions, two small reads),
    so 会员中心 can show it on every visit."""
    await ensure_builtins(session, utcnow())
    definitions = {d.id: d for d in await repo.list_definitions(session)}
    unlocks = [
        (u, d)
        for u in await repo.member_unlocks(session, member_id)
        if (d := definitions.get(u.definition_id)) is not None
    ]
    unlocked_ids = {u.definition_id for u, _ in unlocks}
    newest = sorted(unlocks, key=lambda pair: (pair[0].unlocked_at, pair[1].code), reverse=True)
    return AchievementSummary(
        unlocked_count=len(unlocks),
        total=sum(1 for d in definitions.values() if d.is_enabled or d.id in unlocked_ids),
        latest=[
            BadgeBrief(
                code=d.code,
                name=d.name,
                badge_url=badge_url(d.badge_icon, d.badge_color),
                badge_color=d.badge_color,
                unlocked_at=u.unlocked_at,
            )
            for u, d in newest[:limit]
        ],
    )


async def celebrations(session: AsyncSession, member_id: int) -> list[Celebration]:
    """Unlocks the storefront has not celebrated yet, oldest first."""
    unlocks = [u for u in await repo.member_unlocks(session, member_id) if u.seen_at is None]
    if not unlocks:
        return []
    definitions = {d.id: d for d in await repo.list_definitions(session)}
    return [
        Celebration(
            code=d.code,
            name=d.name,
            description=d.description,
            points=u.points,
            badge_url=badge_url(d.badge_icon, d.badge_color),
            unlocked_at=u.unlocked_at,
        )
        for u in unlocks
        if (d := definitions.get(u.definition_id)) is not None
    ]


async def _unlocked_definition(
    session: AsyncSession, member_id: int, code: str
) -> tuple[Definition, Any]:
    definition = await repo.get_definition_by_code(session, code)
    if definition is None:
        raise AchievementNotFound(achievement=code)
    unlock = await repo.get_unlock(session, member_id, definition.id)
    if unlock is None:
        raise NotUnlocked(achievement=code)
    return definition, unlock


async def mark_seen(session: AsyncSession, member_id: int, code: str) -> None:
    """The celebration of ``code`` was shown (once: a second call changes nothing)."""
    definition = await repo.get_definition_by_code(session, code)
    if definition is None:
        raise AchievementNotFound(achievement=code)
    if not await repo.mark_seen(session, member_id, definition.id, utcnow()):
        raise NotUnlocked(achievement=code)


async def poster(
    ctx: AppContext,
    client: wx.WxacodeClient | None,
    *,
    member_id: int,
    code: str,
    platform: str,
    h5_origin: str,
) -> social.SharePoster:
    """The share card of an unlocked badge, drawn by social's poster pipeline."""
    async with read_session(ctx.sessionmaker) as session:
        definition, unlock = await _unlocked_definition(session, member_id, code)
        mascot = await get_mascot(session)
    day = unlock.unlocked_at.astimezone(_shanghai()).strftime("%Y-%m-%d")
    card = social.CardPoster(
        key=f"achievement:{definition.code}",
        picture=badges.badge_png(definition.badge_icon, definition.badge_color),
        accent=badges.rgb(definition.badge_color),
        title=definition.name,
        subtitle=f"成就解锁 · {day}",
        lines=(definition.description, f"{mascot.name}：{mascot.messages['unlock']}"),
        tagline="邀你一起来解锁成就",
    )
    return await social.make_card_poster(
        ctx, client, member_id=member_id, card=card, platform=platform, h5_origin=h5_origin
    )


def _shanghai() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


# -- backfill --------------------------------------------------------------------------------


def _job(row: JobRow) -> BackfillJob:
    return BackfillJob.model_validate(row)


async def start_backfill(session: AsyncSession, definition_id: int, staff_id: int) -> BackfillJob:
    """Queue evaluating a definition for every existing member (the worker's
    ``achievements.run_backfills`` works through them); one open job per definition."""
    definition = await _require(session, definition_id)
    if not definition.is_enabled:
        raise InvalidDefinition("enable the achievement first", achievement_id=definition_id)
    if await repo.open_job_of(session, definition_id) is not None:
        raise BackfillRunning(achievement_id=definition_id)
    now = utcnow()
    job_id = await repo.insert_job(
        session,
        {
            "definition_id": definition_id,
            "staff_id": staff_id,
            "status": "queued",
            "total": await members.count_active_members(session),
            "processed": 0,
            "unlocked": 0,
            "after_member_id": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    return await get_backfill(session, job_id)


async def get_backfill(session: AsyncSession, job_id: int) -> BackfillJob:
    row = await repo.get_job(session, job_id)
    if row is None:
        raise BackfillNotFound(job_id=job_id)
    return _job(row)


async def backfill_step(session: AsyncSession, job_id: int) -> bool:
    """One page of members of a backfill job (under its row lock): whether more are left."""
    job = await repo.lock_job(session, job_id)
    if job is None or job.status not in ("queued", "running"):
        return False
    now = utcnow()
    definition = await repo.get_definition(session, job.definition_id)
    if definition is None or not definition.is_enabled:
        await repo.update_job(
            session,
            job_id,
            {
                "status": "failed",
                "error": "the achievement is gone or disabled",
                "updated_at": now,
                "finished_at": now,
            },
        )
        return False
    member_ids = await members.active_member_ids(
        session, after_id=job.after_member_id, limit=BACKFILL_BATCH
    )
    if not member_ids:
        await repo.update_job(
            session,
            job_id,
            {
                "status": "done",
                "processed": max(job.processed, job.total),
                "updated_at": now,
                "finished_at": now,
            },
        )
        return False
    figures = await METRICS[definition.rule_kind](session, member_ids)
    have = await repo.unlocked_ids(session, member_ids, definition.id)
    made = 0
    for member_id in member_ids:
        value = figures.get(member_id, 0)
        if member_id in have or value < definition.threshold:
            continue
        if await _unlock(
            session,
            member_id=member_id,
            definition=definition,
            value=value,
            source=f"backfill:{job_id}",
            now=now,
        ):
            made += 1
    await repo.update_job(
        session,
        job_id,
        {
            "status": "running",
            "processed": job.processed + len(member_ids),
            "unlocked": job.unlocked + made,
            "after_member_id": member_ids[-1],
            "updated_at": now,
        },
    )
    return True


async def run_backfills(ctx: AppContext, *, max_batches: int = 50) -> None:
    """Work through open backfill jobs, one page of members per transaction."""
    for _ in range(max_batches):
        async with read_session(ctx.sessionmaker) as session:
            job = await repo.next_open_job(session)
        if job is None:
            return
        async with unit_of_work(ctx.sessionmaker) as session:
            await backfill_step(session, job.id)


# -- mascot ----------------------------------------------------------------------------------


async def get_mascot(session: AsyncSession) -> Mascot:
    row = await repo.get_mascot(session)
    name = row.name if row else rules.DEFAULT_MASCOT_NAME
    figure = row.figure if row else rules.DEFAULT_MASCOT_FIGURE
    color = row.color if row else rules.DEFAULT_MASCOT_COLOR
    return Mascot(
        name=name,
        figure=figure,  # type: ignore[arg-type]
        color=color,
        figure_url=figure_url(figure, color),
        messages=rules.messages_with_defaults(row.messages if row else {}),
    )


async def set_mascot(session: AsyncSession, body: MascotWrite) -> Mascot:
    await repo.upsert_mascot(
        session,
        {
            "name": body.name,
            "figure": body.figure,
            "color": body.color.upper(),
            "messages": {k: v for k, v in body.messages.items() if v},
            "updated_at": utcnow(),
        },
    )
    return await get_mascot(session)
