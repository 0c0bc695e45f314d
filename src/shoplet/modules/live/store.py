"""A room's running figures and the comment rate limit: one Redis round trip each, atomic.

Redis (production) runs each step as one Lua script, so concurrent senders on any number of API
processes each see their own outcome; embedded, :class:`MemoryRoomStore` runs the same steps in
one uninterrupted coroutine step (no ``await`` inside), which is atomic for its one process.

Keys of one session share the hash tag ``{live:<id>}`` (a multi-key script needs one slot):

- ``…:gap:<member>``: set for ``gap`` seconds after a comment (1 per ``gap`` s);
- ``…:minute:<member>``: the times of the comments of the last 60 s, a sliding window
  (``per_minute`` at most), timed by Redis's clock;
- ``…:likes``, ``…:online``, ``…:peak``: counters; ``…:viewers``: the set of members who joined.

A refused comment charges nothing (both windows are checked before either is charged).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import uuid4

from redis.asyncio import Redis

Verdict = Literal["ok", "too_fast", "minute_full"]
COUNTER_TTL = 7 * 24 * 3600
MAX_MEMORY_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class Counters:
    online: int
    viewers: int
    likes: int
    peak: int


class RoomStore(Protocol):
    async def take_comment(
        self, session_id: int, member_id: int, *, gap: int, per_minute: int
    ) -> Verdict: ...

    async def add_likes(self, session_id: int, count: int) -> int: ...

    async def join(self, session_id: int, member_id: int) -> Counters: ...

    async def leave(self, session_id: int) -> Counters: ...

    async def counters(self, session_id: int) -> Counters: ...


# KEYS: gap, minute (a sorted set of this minute's comment times); ARGV: gap, per_minute, a
# unique member. Redis's own clock, so every API process agrees on the window.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] ~= '0' and redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 2 end
if ARGV[1] ~= '0' then redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1])) end
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], 60000)
return 0
"""

# KEYS: online, viewers, peak, likes; ARGV: online delta, member ('' on leave), ttl.
_PRESENCE = """
local online = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
if online < 0 then redis.call('SET', KEYS[1], '0') online = 0 end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
end
local peak = tonumber(redis.call('GET', KEYS[3]) or '0')
if online > peak then
  peak = online
  redis.call('SET', KEYS[3], peak, 'EX', tonumber(ARGV[3]))
end
return {online, redis.call('SCARD', KEYS[2]), tonumber(redis.call('GET', KEYS[4]) or '0'), peak}
"""


def _keys(prefix: str, session_id: int) -> str:
    return f"{prefix}live:{{{session_id}}}:"


class RedisRoomStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.prefix = prefix
        self.redis = redis
        self._take = redis.register_script(_TAKE)
        self._presence = redis.register_script(_PRESENCE)

    async def take_comment(
        self, session_id: int, member_id: int, *, gap: int, per_minute: int
    ) -> Verdict:
        base = _keys(self.prefix, session_id)
        result = int(
            await self._take(
                keys=[f"{base}gap:{member_id}", f"{base}minute:{member_id}"],
                args=[gap, per_minute, uuid4().hex],
            )
        )
        return ("ok", "too_fast", "minute_full")[result]

    async def add_likes(self, session_id: int, count: int) -> int:
        key = _keys(self.prefix, session_id) + "likes"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, count)
            pipe.expire(key, COUNTER_TTL)
            total, _ = await pipe.execute()
        return int(total)

    async def _run(self, session_id: int, delta: int, member: str) -> Counters:
        base = _keys(self.prefix, session_id)
        raw = await self._presence(
            keys=[f"{base}online", f"{base}viewers", f"{base}peak", f"{base}likes"],
            args=[delta, member, COUNTER_TTL],
        )
        online, viewers, likes, peak = (int(v) for v in raw)
        return Counters(online=online, viewers=viewers, likes=likes, peak=peak)

    async def join(self, session_id: int, member_id: int) -> Counters:
        return await self._run(session_id, 1, str(member_id))

    async def leave(self, session_id: int) -> Counters:
        return await self._run(session_id, -1, "")

    async def counters(self, session_id: int) -> Counters:
        return await self._run(session_id, 0, "")


class MemoryRoomStore:
    """The embedded twin; ``clock`` injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._gap: dict[tuple[int, int], float] = {}
        self._minute: dict[tuple[int, int], deque[float]] = {}
        self._likes: dict[int, int] = {}
        self._online: dict[int, int] = {}
        self._peak: dict[int, int] = {}
        self._viewers: dict[int, set[int]] = {}

    async def take_comment(
        self, session_id: int, member_id: int, *, gap: int, per_minute: int
    ) -> Verdict:
        # No await below: one step of the event loop.
        now = self.clock()
        if len(self._minute) > MAX_MEMORY_KEYS:
            self._prune(now)
        key = (session_id, member_id)
        if gap and self._gap.get(key, 0.0) > now:
            return "too_fast"
        times = self._minute.setdefault(key, deque())
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= per_minute:
            return "minute_full"
        if gap:
            self._gap[key] = now + gap
        times.append(now)
        return "ok"

    def _prune(self, now: float) -> None:
        """Forget shoppers with nothing in their windows (the embedded process lives long)."""
        for key in [k for k, times in self._minute.items() if not times or times[-1] <= now - 60]:
            del self._minute[key]
            if self._gap.get(key, 0.0) <= now:
                self._gap.pop(key, None)

    async def add_likes(self, session_id: int, count: int) -> int:
        total = self._likes.get(session_id, 0) + count
        self._likes[session_id] = total
        return total

    def _counters(self, session_id: int) -> Counters:
        online = self._online.get(session_id, 0)
        peak = max(self._peak.get(session_id, 0), online)
        self._peak[session_id] = peak
        return Counters(
            online=online,
            viewers=len(self._viewers.get(session_id, ())),
            likes=self._likes.get(session_id, 0),
            peak=peak,
        )

    async def join(self, session_id: int, member_id: int) -> Counters:
        self._online[session_id] = self._online.get(session_id, 0) + 1
        self._viewers.setdefault(session_id, set()).add(member_id)
        return self._counters(session_id)

    async def leave(self, session_id: int) -> Counters:
        self._online[session_id] = max(0, self._online.get(session_id, 0) - 1)
        return self._counters(session_id)

    async def counters(self, session_id: int) -> Counters:
        return self._counters(session_id)
