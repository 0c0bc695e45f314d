"""Velocity counters of the risk engine: one round trip per assessment.

An assessment asks for a list of operations on keys (count one more in a window, read a count,
add a member to a distinct set and read its size, swap the last-seen region); Redis runs them
all in one Lua script, so concurrent requests each see their own count (``INCR`` is atomic and
the script is not interleaved). Embedded, :class:`MemoryVelocity` runs the same operations in one
uninterrupted coroutine step, which is atomic for the one process it serves.

Windows are fixed (the key names the minute, hour or day): cheaper than sliding windows and
exact enough for thresholds that are tens or hundreds apart from normal traffic. The keys of one
action share a Redis Cluster hash tag (``{risk:<action>}``), as a multi-key script requires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from redis.asyncio import Redis

Op = Literal["incr", "get", "add", "region"]


@dataclass(frozen=True, slots=True)
class Operation:
    op: Op
    key: str
    arg: str = ""
    """The member to add (``add``) or the ``region|epoch`` to store (``region``)."""
    ttl: int = 0


class Velocity(Protocol):
    async def run(self, operations: Sequence[Operation]) -> list[int | str]:
        """Each operation's result, in order: a count (``incr``, ``get``, ``add``: the set's
        size after the add) or the previous ``region|epoch`` ("" if none)."""
        ...

    async def incr(self, keys: Sequence[str], ttl: int) -> None:
        """Count one more on each key (failures reported after the fact)."""
        ...


_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local op, arg, ttl = ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3])
  if op == 'incr' then
    local n = redis.call('INCR', key)
    if n == 1 then redis.call('EXPIRE', key, ttl) end
    out[i] = n
  elseif op == 'get' then
    out[i] = tonumber(redis.call('GET', key) or '0')
  elseif op == 'add' then
    if redis.call('SADD', key, arg) == 1 and redis.call('TTL', key) < 0 then
      redis.call('EXPIRE', key, ttl)
    end
    out[i] = redis.call('SCARD', key)
  else
    local old = redis.call('GET', key) or ''
    redis.call('SET', key, arg, 'EX', ttl)
    out[i] = old
  end
end
return out
"""


class RedisVelocity:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.prefix = prefix
        self._script = redis.register_script(_SCRIPT)

    async def run(self, operations: Sequence[Operation]) -> list[int | str]:
        if not operations:
            return []
        keys = [self.prefix + o.key for o in operations]
        args: list[str | int] = []
        for o in operations:
            args += [o.op, o.arg, o.ttl]
        raw = await self._script(keys=keys, args=args)
        return [
            (r.decode() if isinstance(r, bytes) else r) if o.op == "region" else int(r)
            for o, r in zip(operations, raw, strict=True)
        ]

    async def incr(self, keys: Sequence[str], ttl: int) -> None:
        await self.run([Operation("incr", key, ttl=ttl) for key in keys])


class MemoryVelocity:
    """The embedded store: a dict with expiry times, ``clock`` injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 200_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._counts: dict[str, tuple[float, int]] = {}
        self._sets: dict[str, tuple[float, set[str]]] = {}
        self._values: dict[str, tuple[float, str]] = {}

    def _prune(self, now: float) -> None:
        if len(self._counts) + len(self._sets) + len(self._values) < self.max_keys:
            return
        for table in (self._counts, self._sets, self._values):
            for key in [k for k, (exp, _) in table.items() if exp <= now]:
                del table[key]

    async def run(self, operations: Sequence[Operation]) -> list[int | str]:
        # No await below: the whole batch is one step of the event loop, hence atomic.
        now = self.clock()
        self._prune(now)
        out: list[int | str] = []
        for o in operations:
            if o.op in ("incr", "get"):
                exp, n = self._counts.get(o.key, (0.0, 0))
                if exp <= now:
                    exp, n = now + o.ttl, 0
                if o.op == "incr":
                    n += 1
                    self._counts[o.key] = (exp, n)
                out.append(n)
            elif o.op == "add":
                exp, members = self._sets.get(o.key, (0.0, set()))
                if exp <= now:
                    exp, members = now + o.ttl, set()
                members.add(o.arg)
                self._sets[o.key] = (exp, members)
                out.append(len(members))
            else:
                exp, old = self._values.get(o.key, (0.0, ""))
                out.append(old if exp > now else "")
                self._values[o.key] = (now + o.ttl, o.arg)
        return out

    async def incr(self, keys: Sequence[str], ttl: int) -> None:
        await self.run([Operation("incr", key, ttl=ttl) for key in keys])
