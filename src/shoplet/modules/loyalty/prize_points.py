"""Points for prizes of growth plays (a topic challenge's rank): one ledger entry per ``ref``
(unique per kind), so however often or concurrently a settlement runs, the grant happens once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.loyalty import programme, service
from shoplet.modules.loyalty import rules as r

REASON = "challenge"


async def award_prize_points(
    session: AsyncSession,
    *,
    member_id: int,
    ref: str,
    points: int,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Credit ``points`` for a prize in the caller's transaction, idempotent on ``ref``
    (``challenge:<challenge>:<rank>``): the points credited (0 when the programme is off,
    ``points`` is 0, or this ``ref`` was credited before)."""
    rules = await programme.get_rules(session)
    if not rules.enabled or points <= 0:
        return 0
    credited = await service.credit_batch(
        session,
        member_id=member_id,
        kind="earn",
        reason=REASON,
        points=points,
        ref=ref,
        expires_at=r.expires_at(rules, now),
        now=now,
        detail=dict(detail or {}),
    )
    return points if credited else 0
