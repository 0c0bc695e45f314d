"""热门 for a signed-in shopper: the hot feed re-ranked by the shopper's interests.

The blend is ``rules.personal_score`` (hot × (1 + w × affinity)); the affinities come from
whichever module offers them through ``core.interests`` (recommend, a sibling content may not
import). Nothing offered, or no post touching the shopper's interests: the plain hot feed.

Paging stays stable while likes and comments move the scores: the first page ranks the
:data:`SNAPSHOT_SIZE` hottest public posts once and keeps that order (ids only) for
:data:`SNAPSHOT_TTL` under a random token; the cursor is (token, offset), so every later page
reads the same order: no post twice, none skipped. A post withdrawn or pinned since is left
out of its page; posts published since appear on the next first page. The snapshot lives in
Redis when there is one (any API replica serves the next page), else in this process (the
embedded mode is one process). An expired or foreign cursor is 400 ``content.feed_expired``:
the client reloads the feed."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.interests import affinity_provider
from shoplet.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from shoplet.modules.content import repository as repo
from shoplet.modules.content import rules as r
from shoplet.modules.content.errors import FeedExpired
from shoplet.modules.content.models import Post as PostRow

SNAPSHOT_SIZE = 500
SNAPSHOT_TTL = 30 * 60
MAX_MEMORY_SNAPSHOTS = 10_000
MEMORY_KEY = "content.feed_snapshots"
CURSOR_TAG = "p"


def is_personal_cursor(cursor: str | None) -> bool:
    if cursor is None:
        return False
    try:
        values = decode_cursor(cursor, length=3)
    except InvalidCursor:
        return False
    return bool(values[0] == CURSOR_TAG)


class Snapshots:
    """Ranked post ids by key, for :data:`SNAPSHOT_TTL` seconds: Redis, or this process."""

    def __init__(self, ctx: AppContext) -> None:
        self._redis = ctx.redis
        self._prefix = f"{ctx.settings.redis_prefix}content:feed:"
        self._memory: OrderedDict[str, tuple[float, list[int]]] = ctx.extras.setdefault(
            MEMORY_KEY, OrderedDict()
        )

    async def save(self, key: str, ids: list[int]) -> None:
        if self._redis is not None:
            await self._redis.set(self._prefix + key, orjson.dumps(ids), ex=SNAPSHOT_TTL)
            return
        self._memory[key] = (time.monotonic() + SNAPSHOT_TTL, ids)
        while len(self._memory) > MAX_MEMORY_SNAPSHOTS:
            self._memory.popitem(last=False)

    async def load(self, key: str) -> list[int] | None:
        if self._redis is not None:
            raw = await self._redis.get(self._prefix + key)
            return [int(i) for i in orjson.loads(raw)] if raw else None
        found = self._memory.get(key)
        if found is None or found[0] < time.monotonic():
            self._memory.pop(key, None)
            return None
        return found[1]


def _key(viewer: int, topic_id: int | None, token: str) -> str:
    return f"{viewer}:{topic_id or 0}:{token}"


async def personal_page(
    session: AsyncSession,
    ctx: AppContext,
    *,
    viewer: int,
    topic_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PostRow], str | None] | None:
    """A page of the shopper's personal hot feed and the next cursor, or None when the plain
    hot feed applies (nothing offers affinities, or none of the posts touches them)."""
    snapshots = Snapshots(ctx)
    if cursor is not None:
        _, token, offset = decode_cursor(cursor, length=3)
        if not isinstance(token, str) or not isinstance(offset, int) or offset < 0:
            raise InvalidCursor("cursor is not one this API issued")
        key = _key(viewer, topic_id, token)
        ranked = await snapshots.load(key)
        if ranked is None:
            raise FeedExpired("this feed's order has expired: load it again")
    else:
        provider = affinity_provider(ctx)
        if provider is None:
            return None
        candidates = await repo.hot_candidates(session, topic_id=topic_id, limit=SNAPSHOT_SIZE)
        products = sorted({p for _, _, ids in candidates for p in ids})
        affinity = await provider(session, viewer, products) if products else {}
        if not any(affinity.get(p, 0.0) > 0 for p in products):
            return None
        ranked = r.personal_order(candidates, affinity)
        token, offset = uuid.uuid4().hex[:16], 0
        key = _key(viewer, topic_id, token)
        await snapshots.save(key, ranked)
    page_ids = ranked[offset : offset + limit]
    rows = await repo.public_posts(session, page_ids)
    end = offset + len(page_ids)
    next_cursor = encode_cursor([CURSOR_TAG, token, end]) if end < len(ranked) else None
    return rows, next_cursor
