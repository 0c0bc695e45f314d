"""What experiments asks of the modules above it, through hooks they fill at start-up (they
may import ``experiments.public``; experiments may not import them):

- **the pre-period** (orders): ``(session, member id, start, end) -> (orders, revenue fen)``
  paid in ``[start, end)``, read once per exposure for CUPED;
- **segment membership** (analytics): ``(session, member id, segment ids) -> the ones the
  member is in``, answered through :class:`SegmentMembership`, a per-process cache with a TTL,
  so a member's segments are computed at most once per TTL and a change in analytics takes
  effect within it.

No hook: no pre-period (CUPED reports nothing to adjust) and no member in any segment.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext

PrePeriodSource = Callable[[AsyncSession, int, datetime, datetime], Awaitable[tuple[int, int]]]
SegmentSource = Callable[[AsyncSession, int, frozenset[int]], Awaitable[frozenset[int]]]

PRE_PERIOD_KEY = "experiments.pre_period_source"
SEGMENTS_KEY = "experiments.segment_membership"
MAX_CACHED_MEMBERS = 50_000


def set_pre_period_source(ctx: AppContext, source: PrePeriodSource) -> None:
    ctx.extras[PRE_PERIOD_KEY] = source


def pre_period_source(ctx: AppContext) -> PrePeriodSource | None:
    found = ctx.extras.get(PRE_PERIOD_KEY)
    return found if callable(found) else None


@dataclass(slots=True)
class _Entry:
    expires: float
    asked: frozenset[int]
    found: frozenset[int]


class SegmentMembership:
    """Which of some segments a member is in, cached ``ttl`` seconds per member (``clock`` is
    injectable for tests). A request that asks about a segment the cached answer did not cover
    asks the source again."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.source: SegmentSource | None = None
        self._entries: dict[int, _Entry] = {}

    async def of(
        self, session: AsyncSession, member_id: int, segment_ids: Collection[int]
    ) -> frozenset[int]:
        wanted = frozenset(segment_ids)
        if not wanted or self.source is None:
            return frozenset()
        now = self.clock()
        entry = self._entries.get(member_id)
        if entry is not None and entry.expires > now and wanted <= entry.asked:
            return entry.found & wanted
        found = frozenset(await self.source(session, member_id, wanted)) & wanted
        self._entries.pop(member_id, None)
        if len(self._entries) >= MAX_CACHED_MEMBERS:
            # Oldest first (insertion order): a bounded cache, not an LRU; good enough for a TTL.
            self._entries.pop(next(iter(self._entries)))
        self._entries[member_id] = _Entry(now + self.ttl, wanted, found)
        return found

    def clear(self) -> None:
        self._entries.clear()


def segment_membership(ctx: AppContext) -> SegmentMembership:
    found = ctx.extras.get(SEGMENTS_KEY)
    if not isinstance(found, SegmentMembership):
        found = SegmentMembership(ctx.settings.experiments_segment_ttl_seconds)
        ctx.extras[SEGMENTS_KEY] = found
    return found


def set_segment_source(ctx: AppContext, source: SegmentSource) -> None:
    segment_membership(ctx).source = source
