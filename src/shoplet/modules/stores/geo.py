"""Pure store arithmetic: distances, the bounding box that narrows the SQL, opening hours and
the same-city fee. No I/O and no clock (``now`` is passed in)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")
EARTH_RADIUS_M = 6_371_000.0
E6 = 1_000_000


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle distance in whole metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))))


@dataclass(frozen=True, slots=True)
class Box:
    """Micro-degree bounds that contain every point within the radius (a superset: the exact
    distance is checked after)."""

    lat_min: int
    lat_max: int
    lng_min: int
    lng_max: int


def bounding_box(lat: float, lng: float, radius_m: int) -> Box:
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    # Near the poles a longitude degree shrinks to nothing: take the whole circle there.
    cos_lat = math.cos(math.radians(min(89.0, abs(lat))))
    dlng = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return Box(
        lat_min=math.floor((lat - dlat) * E6),
        lat_max=math.ceil((lat + dlat) * E6),
        lng_min=math.floor((lng - dlng) * E6),
        lng_max=math.ceil((lng + dlng) * E6),
    )


def same_city_fee(distance_m: int, fee_per_km: int) -> int:
    """Fen for a delivery ``distance_m`` away: every started kilometre costs ``fee_per_km``."""
    return math.ceil(distance_m / 1000) * fee_per_km


def _clock(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def day_hours(hours: Sequence[Mapping[str, Any]], day: datetime) -> tuple[time, time] | None:
    """(open, close) of ``day``'s weekday in shop time, None when closed that day."""
    entry = hours[day.astimezone(SHOP_TZ).weekday()]
    if entry.get("closed"):
        return None
    return _clock(str(entry["open"])), _clock(str(entry["close"]))


def is_open(hours: Sequence[Mapping[str, Any]], now: datetime) -> bool:
    span = day_hours(hours, now)
    if span is None:
        return False
    local = now.astimezone(SHOP_TZ).time()
    return span[0] <= local < span[1]


def within_hours(hours: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> bool:
    """Whether ``[start, end]`` lies inside one day's opening hours."""
    span = day_hours(hours, start)
    if span is None:
        return False
    local_start, local_end = start.astimezone(SHOP_TZ), end.astimezone(SHOP_TZ)
    if local_end.date() != local_start.date() and local_end.time() != time(0, 0):
        return False
    opens = local_start.replace(hour=span[0].hour, minute=span[0].minute, second=0, microsecond=0)
    closes = local_start.replace(hour=span[1].hour, minute=span[1].minute, second=0, microsecond=0)
    return opens <= local_start and local_end <= closes


PICKUP_WINDOW = timedelta(hours=1)
