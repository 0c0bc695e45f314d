"""The date-expression resolver: every expression against fixed days, then properties over
any instant (hypothesis): ranges are well-formed, 上周 is Monday–Sunday in Asia/Shanghai and
before this week, 本X ends today, 去年同期 has as many days, the previous period ends the day
before the range starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.insights.ask.dates import (
    DateRange,
    bounds,
    buckets,
    cn_number,
    default_range,
    parse_dates,
    previous_period,
    shop_today,
    year_ago,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 11, 0, tzinfo=SH)  # Saturday
D = date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("今天", D(2026, 12, 5), D(2026, 12, 5)),
        ("今日", D(2026, 12, 5), D(2026, 12, 5)),
        ("昨天", D(2026, 12, 4), D(2026, 12, 4)),
        ("前天", D(2026, 12, 3), D(2026, 12, 3)),
        ("本周", D(2026, 11, 30), D(2026, 12, 5)),
        ("这周", D(2026, 11, 30), D(2026, 12, 5)),
        ("上周", D(2026, 11, 23), D(2026, 11, 29)),
        ("上个星期", D(2026, 11, 23), D(2026, 11, 29)),
        ("上上周", D(2026, 11, 16), D(2026, 11, 22)),
        ("本月", D(2026, 12, 1), D(2026, 12, 5)),
        ("这个月", D(2026, 12, 1), D(2026, 12, 5)),
        ("上月", D(2026, 11, 1), D(2026, 11, 30)),
        ("上个月", D(2026, 11, 1), D(2026, 11, 30)),
        ("本季度", D(2026, 10, 1), D(2026, 12, 5)),
        ("上季度", D(2026, 7, 1), D(2026, 9, 30)),
        ("今年", D(2026, 1, 1), D(2026, 12, 5)),
        ("去年", D(2025, 1, 1), D(2025, 12, 31)),
        ("近7天", D(2026, 11, 29), D(2026, 12, 5)),
        ("最近30天", D(2026, 11, 6), D(2026, 12, 5)),
        ("过去七天", D(2026, 11, 29), D(2026, 12, 5)),
        ("近两周", D(2026, 11, 22), D(2026, 12, 5)),
        ("近3个月", D(2026, 9, 6), D(2026, 12, 5)),
        ("近一年", D(2025, 12, 6), D(2026, 12, 5)),
        ("2026年11月", D(2026, 11, 1), D(2026, 11, 30)),
        ("2024年2月", D(2024, 2, 1), D(2024, 2, 29)),
        ("2025年", D(2025, 1, 1), D(2025, 12, 31)),
        ("11月", D(2026, 11, 1), D(2026, 11, 30)),
        ("十二月", D(2026, 12, 1), D(2026, 12, 5)),
        ("12月份", D(2026, 12, 1), D(2026, 12, 5)),
        ("1月", D(2026, 1, 1), D(2026, 1, 31)),
        ("11月1日", D(2026, 11, 1), D(2026, 11, 1)),
        ("12月25日", D(2025, 12, 25), D(2025, 12, 25)),  # still to come: last year's
        ("2026年11月11日", D(2026, 11, 11), D(2026, 11, 11)),
        ("11月1日到11月7日", D(2026, 11, 1), D(2026, 11, 7)),
        ("11月1日至7日", D(2026, 11, 1), D(2026, 11, 7)),
        ("11月28号-12月2号", D(2026, 11, 28), D(2026, 12, 2)),
        ("2025年12月30日到1月2日", D(2025, 12, 30), D(2026, 1, 2)),
        ("双11", D(2026, 11, 11), D(2026, 11, 11)),
        ("双十一", D(2026, 11, 11), D(2026, 11, 11)),
        ("双12", D(2025, 12, 12), D(2025, 12, 12)),
        ("618", D(2026, 6, 18), D(2026, 6, 18)),
    ],
)
def test_expression(text: str, start: date, end: date) -> None:
    found = parse_dates(f"{text}的销售额", NOW).range
    assert found is not None
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("本月和上月比", "previous", D(2026, 12, 1), D(2026, 12, 5)),
        ("本月环比", "previous", D(2026, 12, 1), D(2026, 12, 5)),
        ("上周较上上周", "previous", D(2026, 11, 23), D(2026, 11, 29)),
        ("昨天同比", "year_ago", D(2026, 12, 4), D(2026, 12, 4)),
        ("去年同期", "year_ago", None, None),
        ("上月和去年比", "year_ago", D(2026, 11, 1), D(2026, 11, 30)),
    ],
)
def test_comparison_is_not_the_range(
    text: str, kind: str, start: date | None, end: date | None
) -> None:
    found = parse_dates(text, NOW)
    assert found.compare_kind == kind
    got = None if found.range is None else (found.range.start, found.range.end)
    assert got == (None if start is None else (start, end))


def test_previous_and_year_ago() -> None:
    month_to_date = DateRange(D(2026, 12, 1), D(2026, 12, 5), "本月", "month")
    assert previous_period(month_to_date) == DateRange(
        D(2026, 11, 1), D(2026, 11, 5), "本月的上期", "month"
    )
    march = DateRange(D(2026, 3, 1), D(2026, 3, 31), "3月", "month")
    assert (previous_period(march).start, previous_period(march).end) == (
        D(2026, 2, 1),
        D(2026, 2, 28),
    )
    leap = DateRange(D(2028, 2, 29), D(2028, 3, 6), "x")
    assert (year_ago(leap).start, year_ago(leap).end) == (D(2027, 2, 28), D(2027, 3, 6))
    week = DateRange(D(2026, 11, 23), D(2026, 11, 29), "上周", "week")
    assert (previous_period(week).start, previous_period(week).end) == (
        D(2026, 11, 16),
        D(2026, 11, 22),
    )


def test_bounds_are_shanghai_midnights() -> None:
    since, until = bounds(DateRange(D(2026, 11, 23), D(2026, 11, 29), ""))
    assert since.astimezone(UTC) == datetime(2026, 11, 22, 16, tzinfo=UTC)
    assert until.astimezone(UTC) == datetime(2026, 11, 29, 16, tzinfo=UTC)


def test_buckets() -> None:
    rng = DateRange(D(2026, 11, 26), D(2026, 12, 9), "")
    assert buckets(rng, "week") == [D(2026, 11, 26), D(2026, 11, 30), D(2026, 12, 7)]
    assert buckets(rng, "month") == [D(2026, 11, 26), D(2026, 12, 1)]
    assert len(buckets(rng, "day")) == 14


def test_chinese_numbers() -> None:
    assert [cn_number(t) for t in ("7", "七", "十", "十五", "二十", "三十一", "两", "一百")] == [
        7,
        7,
        10,
        15,
        20,
        31,
        2,
        100,
    ]
    assert cn_number("几") is None


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        shop_today(datetime(2026, 12, 5))  # noqa: DTZ001


# hypothesis bounds are naive; the instants it draws are aware (UTC).
instants = st.datetimes(
    min_value=datetime(2001, 1, 1),  # noqa: DTZ001
    max_value=datetime(2098, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
EXPRESSIONS = [
    "今天",
    "昨天",
    "前天",
    "本周",
    "上周",
    "上上周",
    "本月",
    "上月",
    "本季度",
    "上季度",
    "今年",
    "去年",
    "近7天",
    "最近30天",
    "近3个月",
    "近一年",
    "11月",
    "2月",
    "2月29日",
    "11月1日",
    "12月31日到1月3日",
    "双11",
    "618",
]


@given(instants, st.sampled_from(EXPRESSIONS), st.sampled_from(["previous", "year_ago"]))
def test_ranges_are_well_formed(now: datetime, text: str, kind: str) -> None:
    today = shop_today(now)
    found = parse_dates(text, now).range or default_range(now)
    assert found.start <= found.end
    assert 1 <= found.days <= 3 * 366
    if text.startswith(("本", "今", "近", "最近")):
        assert found.end == today
    compared = previous_period(found) if kind == "previous" else year_ago(found)
    assert compared.start <= compared.end
    assert compared.end < found.start or kind == "year_ago"
    if kind == "year_ago":
        assert compared.days == found.days
        assert compared.start.year == found.start.year - 1
    else:
        assert compared.end == found.start - timedelta(days=1) or found.unit in {
            "month",
            "quarter",
            "year",
        }


@given(instants)
def test_last_week_is_monday_to_sunday_before_this_week(now: datetime) -> None:
    today = now.astimezone(SH).date()
    found = parse_dates("上周", now).range
    assert found is not None
    assert found.start.weekday() == 0
    assert found.end.weekday() == 6
    assert found.days == 7
    this_monday = today - timedelta(days=today.weekday())
    assert found.end == this_monday - timedelta(days=1)


@given(instants)
def test_this_month_and_last_month(now: datetime) -> None:
    today = shop_today(now)
    this = parse_dates("本月", now).range
    last = parse_dates("上月", now).range
    assert this is not None
    assert last is not None
    assert (this.start, this.end) == (today.replace(day=1), today)
    assert last.end == this.start - timedelta(days=1)
    assert last.start.day == 1
    assert last.start.month == last.end.month
