"""Impossible travel from IP addresses, looked up offline in ip2region's xdb: the look-up of
known addresses, the distance and speed rules, and the engine challenging a staff sign-in that
moved from Beijing to Shenzhen in half an hour (both backends) while a hop to Hebei does not
count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shoplet.core.context import AppContext
from shoplet.modules.risk import config, engine, iplocation
from shoplet.modules.risk.public import RiskRequest, assess

START = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)
BEIJING, SHENZHEN, SHIJIAZHUANG, NANJING = (
    "61.135.169.121",
    "113.108.81.189",
    "121.28.0.1",
    "114.114.114.114",
)


@pytest.fixture(scope="module")
def locator() -> iplocation.IpLocator:
    path = iplocation.bundled_database()
    assert path is not None, "the xdb file ships with the XdbSearchIP package"
    return iplocation.IpLocator(path)


def test_addresses_resolve_to_provinces_and_countries(locator: iplocation.IpLocator) -> None:
    assert locator.locate(NANJING) == iplocation.Place("中国", "32", "南京市")
    assert locator.locate(BEIJING) == iplocation.Place("中国", "11", "北京市")
    assert locator.locate(SHENZHEN) == iplocation.Place("中国", "44", "深圳市")
    assert locator.locate("1.36.0.1") == iplocation.Place("中国", "81", "")  # Hong Kong
    us = locator.locate("8.8.8.8")
    assert us is not None
    assert (us.country, us.key) == ("美国", "c:美国")
    # Private, loopback, documentation ranges, IPv6 with an IPv4 database, garbage: nowhere.
    for ip in ("127.0.0.1", "10.1.2.3", "192.168.0.9", "203.0.113.5", "::1", "2001:db8::1", "x"):
        assert locator.locate(ip) is None


def test_region_names_and_answers_parse() -> None:
    assert iplocation.province_code("广西壮族自治区") == "45"
    assert iplocation.province_code("新疆维吾尔自治区") == "65"
    assert iplocation.province_code("上海") == "31"
    assert iplocation.province_code("上海市") == "31"
    assert iplocation.province_code("火星") == ""
    assert iplocation.parse_region("中国|0|内蒙古|呼和浩特市|联通") == iplocation.Place(
        "中国", "15", "呼和浩特市"
    )
    assert iplocation.parse_region("0|0|0|内网IP|内网IP") is None
    assert iplocation.parse_region("garbage") is None


def test_travel_needs_distance_and_speed() -> None:
    minutes = 60.0
    # Beijing → Shanghai (1,067 km) in an hour: faster than an airliner.
    impossible, kmh = iplocation.travel("11", "31", 60 * minutes)
    assert impossible
    assert kmh > 1000
    # ... in 80 minutes it is possible (800 km/h).
    assert iplocation.travel("11", "31", 80 * minutes)[0] is False
    # Beijing → Hebei in 5 minutes: fast, but neighbours are never travel (< 500 km).
    assert iplocation.travel("11", "13", 5 * minutes)[0] is False
    # Codes of any level compare by province; the same province is no move.
    assert iplocation.travel("310000", "440300", 30 * minutes)[0] is True
    assert iplocation.travel("440100", "440300", 1.0) == (False, 0.0)
    # Another country: no distances, two hours decide.
    assert iplocation.travel("c:美国", "11", 90 * minutes) == (True, 0.0)
    assert iplocation.travel("c:美国", "11", 3 * 60 * minutes) == (False, 0.0)
    assert iplocation.travel("", "11", 1.0) == (False, 0.0)
    assert iplocation.distance_km("11", "44") == pytest.approx(1890, rel=0.02)


def test_the_database_setting(ctx: AppContext, tmp_path: Path) -> None:
    config.use_settings(ctx, ip_region_db="off")
    ctx.extras.pop(engine.LOCATOR_KEY, None)
    assert engine.locator_of(ctx) is None
    bad = tmp_path / "broken.xdb"
    bad.write_bytes(b"not an xdb")
    config.use_settings(ctx, ip_region_db=str(bad))
    ctx.extras.pop(engine.LOCATOR_KEY, None)
    assert engine.locator_of(ctx) is None  # logged, and travel needs callers' regions
    config.use_settings(ctx)
    ctx.extras.pop(engine.LOCATOR_KEY, None)
    assert engine.locator_of(ctx) is not None


async def test_a_staff_sign_in_that_flew_too_fast_is_challenged(ctx: AppContext) -> None:
    ctx.extras.pop(engine.LOCATOR_KEY, None)

    def signin(ip: str) -> RiskRequest:
        return RiskRequest(
            action="staff_signin", subject="staff:7", ip=ip, device_id="laptop", staff_id=7
        )

    async with ctx.sessionmaker() as session:
        home = await assess(session, ctx, signin(BEIJING), now=START)
        nearby = await assess(session, ctx, signin(SHIJIAZHUANG), now=START + timedelta(minutes=5))
        back = await assess(session, ctx, signin(BEIJING), now=START + timedelta(minutes=10))
        flew = await assess(session, ctx, signin(SHENZHEN), now=START + timedelta(minutes=40))
        await session.commit()
    assert home.outcome == "allow"
    assert home.signals["ip_place"] == "中国 北京市"
    assert nearby.outcome == "allow"  # 270 km: neighbours never count
    assert nearby.signals["impossible_travel"] is False
    assert back.outcome == "allow"
    # 1,890 km in 30 minutes.
    assert flew.outcome == "challenge"
    assert flew.rule == "异地登录"
    assert flew.signals["impossible_travel"] is True
    assert float(flew.signals["travel_kmh"] or 0) > 3000
    assert flew.signals["ip_place"] == "中国 深圳市"
    assert flew.id > 0  # in the decision log with its reasons


async def test_a_callers_region_wins_over_the_address(ctx: AppContext) -> None:
    ctx.extras.pop(engine.LOCATOR_KEY, None)

    def login(ip: str, region: str | None) -> RiskRequest:
        return RiskRequest(action="login", subject="member:9", ip=ip, member_id=9, region=region)

    async with ctx.sessionmaker() as session:
        first = await assess(session, ctx, login(BEIJING, "440300"), now=START)
        later = START + timedelta(minutes=20)
        second = await assess(session, ctx, login(SHENZHEN, None), now=later)
        await session.commit()
    assert "ip_place" not in first.signals
    assert second.signals["impossible_travel"] is False  # Shenzhen both times
