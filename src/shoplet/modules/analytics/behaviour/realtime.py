"""The real-time overview's counters, updated where the facts arrive so that a read is a few
O(1) operations, never a scan of the event store.

- **online now**: distinct persons (``m:<member>`` or ``a:<device>``) with an event in the
  last 5 minutes. The collector adds each accepted batch's persons to the HyperLogLog of its
  10-second bucket (``PFADD``, expiring after 10 minutes); a read is ``PFCOUNT`` over the last 31
  buckets (their union, 0.81 % standard error). Embedded: a set per bucket.
- **orders paid in the last minute**: ``order.paid`` adds the order number to a sorted set
  scored by the paid time (``ZADD``: a redelivery re-adds the same member); a read is ``ZCOUNT``.
- **GMV and orders today by province**: ``order.paid`` increments two hashes of the shop day
  (Asia/Shanghai), province → fen and province → orders, in one Lua script guarded by ``SET NX``
  on the outbox event id, so a redelivered event counts once; kept 3 days.

The province is the delivery address's (its GB/T 2260 code's first two digits); a virtual
order (no address) counts under ``00`` (无收货地址).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

SHOP_TZ = ZoneInfo("Asia/Shanghai")
BUCKET_SECONDS: Final = 10
ONLINE_WINDOW: Final = timedelta(minutes=5)
PAID_WINDOW: Final = timedelta(minutes=1)
NO_ADDRESS: Final = "00"

# GB/T 2260 province-level codes (the first two digits of a region code).
PROVINCES: Final[dict[str, str]] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
    NO_ADDRESS: "无收货地址",
}


def province_of(region_code: str | None) -> str:
    code = (region_code or "")[:2]
    return code if code in PROVINCES and code != NO_ADDRESS else NO_ADDRESS


def shop_day(moment: datetime) -> date:
    return moment.astimezone(SHOP_TZ).date()


def bucket_of(moment: datetime) -> int:
    return math.floor(moment.timestamp()) // BUCKET_SECONDS


def online_buckets(now: datetime) -> list[int]:
    """The buckets a read unions: the current one and those of the last 5 minutes (so a person
    seen 5:00 to 5:10 ago may still count: the window is 5 minutes at 10-second resolution)."""
    last = bucket_of(now)
    span = int(ONLINE_WINDOW.total_seconds()) // BUCKET_SECONDS
    return list(range(last - span, last + 1))


@dataclass(frozen=True, slots=True)
class ProvinceFigure:
    code: str
    orders: int
    gmv: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    online: int
    paid_last_minute: int
    orders_today: int
    gmv_today: int
    provinces: list[ProvinceFigure]


def _provinces(orders: dict[str, int], gmv: dict[str, int]) -> list[ProvinceFigure]:
    figures = [ProvinceFigure(code, orders.get(code, 0), gmv.get(code, 0)) for code in gmv]
    return sorted(figures, key=lambda f: (-f.gmv, -f.orders, f.code))


class Counters(Protocol):
    async def seen(self, persons: Iterable[str], at: datetime) -> None: ...

    async def paid(
        self, event_id: str, order_no: str, amount: int, province: str, at: datetime
    ) -> None: ...

    async def snapshot(self, now: datetime) -> Snapshot: ...


@dataclass
class LocalCounters:
    """The embedded counters: this process is the collector, the outbox handler and the
    console's API at once, so plain dicts are the truth."""

    buckets: dict[int, set[str]] = field(default_factory=dict)
    recent_paid: dict[str, datetime] = field(default_factory=dict)
    days: dict[date, tuple[dict[str, int], dict[str, int]]] = field(default_factory=dict)
    applied: dict[str, date] = field(default_factory=dict)

    async def seen(self, persons: Iterable[str], at: datetime) -> None:
        self.buckets.setdefault(bucket_of(at), set()).update(persons)

    async def paid(
        self, event_id: str, order_no: str, amount: int, province: str, at: datetime
    ) -> None:
        self.recent_paid[order_no] = at
        if event_id in self.applied:
            return
        day = shop_day(at)
        self.applied[event_id] = day
        orders, gmv = self.days.setdefault(day, ({}, {}))
        orders[province] = orders.get(province, 0) + 1
        gmv[province] = gmv.get(province, 0) + amount

    async def snapshot(self, now: datetime) -> Snapshot:
        wanted = online_buckets(now)
        for key in [k for k in self.buckets if k < wanted[0]]:
            del self.buckets[key]
        online: set[str] = set()
        for key in wanted:
            online |= self.buckets.get(key, set())
        since = now - PAID_WINDOW
        for no in [no for no, at in self.recent_paid.items() if at < now - 2 * PAID_WINDOW]:
            del self.recent_paid[no]
        today = shop_day(now)
        for day in [d for d in self.days if d < today - timedelta(days=2)]:
            del self.days[day]
        for event_id in [e for e, d in self.applied.items() if d < today - timedelta(days=2)]:
            del self.applied[event_id]
        orders, gmv = self.days.get(today, ({}, {}))
        return Snapshot(
            online=len(online),
            paid_last_minute=sum(1 for at in self.recent_paid.values() if since <= at <= now),
            orders_today=sum(orders.values()),
            gmv_today=sum(gmv.values()),
            provinces=_provinces(orders, gmv),
        )


# KEYS: seen-guard, orders hash, gmv hash. ARGV: province, amount, ttl seconds.
_APPLY_PAID = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('HINCRBY', KEYS[3], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[3])
  return 1
end
return 0
"""
_DAY_TTL = 3 * 86400


class RedisCounters:
    """The counters in Redis, shared by every API and worker process."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._r = redis
        self._prefix = prefix
        self._apply_paid: Any = redis.register_script(_APPLY_PAID)

    def _key(self, *parts: object) -> str:
        return self._prefix + ":".join(str(p) for p in parts)

    async def seen(self, persons: Iterable[str], at: datetime) -> None:
        members = list(persons)
        if not members:
            return
        key = self._key("online", bucket_of(at))
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.pfadd(key, *members)
            pipe.expire(key, 600)
            await pipe.execute()

    async def paid(
        self, event_id: str, order_no: str, amount: int, province: str, at: datetime
    ) -> None:
        day = shop_day(at).isoformat()
        paid_key = self._key("paid")
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.zadd(paid_key, {order_no: at.timestamp()})
            oldest = at.timestamp() - 2 * PAID_WINDOW.total_seconds()
            pipe.zremrangebyscore(paid_key, "-inf", oldest)
            pipe.expire(paid_key, 600)
            await pipe.execute()
        await self._apply_paid(
            keys=[
                self._key("applied", event_id),
                self._key("orders", day),
                self._key("gmv", day),
            ],
            args=[province, amount, _DAY_TTL],
        )

    async def snapshot(self, now: datetime) -> Snapshot:
        day = shop_day(now).isoformat()
        since = (now - PAID_WINDOW).timestamp()
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.pfcount(*(self._key("online", b) for b in online_buckets(now)))
            pipe.zcount(self._key("paid"), since, now.timestamp())
            pipe.hgetall(self._key("orders", day))
            pipe.hgetall(self._key("gmv", day))
            online, paid, orders_raw, gmv_raw = await pipe.execute()
        orders = _ints(orders_raw)
        gmv = _ints(gmv_raw)
        return Snapshot(
            online=int(online),
            paid_last_minute=int(paid),
            orders_today=sum(orders.values()),
            gmv_today=sum(gmv.values()),
            provinces=_provinces(orders, gmv),
        )


def _ints(raw: dict[Any, Any]) -> dict[str, int]:
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in (raw or {}).items()
    }


def persons_of(rows: Sequence[dict[str, Any]]) -> set[str]:
    """The persons of collector rows: the member when signed in, else the device."""
    out = set()
    for row in rows:
        member = row.get("member_id")
        out.add(f"m:{member}" if member is not None else f"a:{row.get('anonymous_id')}")
    return out


def now_utc() -> datetime:
    return datetime.now(UTC)
