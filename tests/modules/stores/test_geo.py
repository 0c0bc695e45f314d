"""Pure store arithmetic: distances, the bounding box, opening hours, the same-city fee."""

from __future__ import annotations

from datetime import UTC, datetime

from shoplet.modules.stores import geo

WEEK = [{"closed": False, "open": "09:00", "close": "21:00"}] * 6 + [{"closed": True}]


def test_haversine_matches_a_known_distance() -> None:
    # One degree along a meridian is pi * R / 180 = 111,195 m on the 6,371 km sphere, and one
    # degree of longitude at 60° north half of that.
    assert geo.haversine_m(30.0, 121.0, 31.0, 121.0) == 111_195
    assert geo.haversine_m(60.0, 10.0, 60.0, 11.0) == 55_597
    assert geo.haversine_m(31.2, 121.4, 31.2, 121.4) == 0


def test_the_box_holds_every_point_within_the_radius() -> None:
    box = geo.bounding_box(31.232, 121.475, 5000)
    for bearing_lat, bearing_lng in ((0.0449, 0), (-0.0449, 0), (0, 0.0525), (0, -0.0525)):
        lat, lng = 31.232 + bearing_lat, 121.475 + bearing_lng
        assert geo.haversine_m(31.232, 121.475, lat, lng) <= 5000
        assert box.lat_min <= lat * geo.E6 <= box.lat_max
        assert box.lng_min <= lng * geo.E6 <= box.lng_max


def test_opening_hours_in_shop_time() -> None:
    # 2026-12-07 is a Monday; 01:30 UTC is 09:30 in Shanghai, 13:30 UTC is 21:30.
    assert geo.is_open(WEEK, datetime(2026, 12, 7, 1, 30, tzinfo=UTC))
    assert not geo.is_open(WEEK, datetime(2026, 12, 7, 13, 30, tzinfo=UTC))
    # Sunday is closed all day.
    assert not geo.is_open(WEEK, datetime(2026, 12, 13, 3, 0, tzinfo=UTC))
    start = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # 20:00 local
    assert geo.within_hours(WEEK, start, start + geo.PICKUP_WINDOW)
    late = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)  # 20:30 to 21:30: past closing
    assert not geo.within_hours(WEEK, late, late + geo.PICKUP_WINDOW)


def test_every_started_kilometre_is_charged() -> None:
    assert geo.same_city_fee(0, 300) == 0
    assert geo.same_city_fee(1, 300) == 300
    assert geo.same_city_fee(2_400, 300) == 900
    assert geo.same_city_fee(3_000, 300) == 900
