"""Points for achievements (成就奖励): one ledger entry per member and achievement, ref
``achievement:<member>:<achievement>`` (unique per kind), so the grant happens once however
often the unlock is evaluated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.loyalty import programme, service
from shoplet.modules.loyalty import rules as r

REASON = "achievement"


async def award_achievement_points(
    session: AsyncSession, *, member_id: int, achievement_id: int, points: int, now: datetime
) -> int:
    """Credit ``points`` for an unlocked achievement in the caller's transaction: the points
    credited (0 when the programme is off, ``points`` is 0, or they were credited before)."""
    rules = await programme.get_rules(session)
    if not rules.enabled or points <= 0:
        return 0
    credited = await service.credit_batch(
        session,
        member_id=member_id,
        kind="earn",
        reason=REASON,
        points=points,
        ref=f"achievement:{member_id}:{achievement_id}",
        expires_at=r.expires_at(rules, now),
        now=now,
        detail={"achievement_id": achievement_id},
    )
    return points if credited else 0
