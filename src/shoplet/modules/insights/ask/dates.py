"""Date expressions in questions, resolved against "now" in Asia/Shanghai: a pure function of
the text and an injected clock (no I/O, no ``datetime.now``), so every expression is tested
against fixed days (tests/modules/insights/ask/test_dates.py).

Supported (docs/ask.md): 今天 昨天 前天, 本周 上周 (Monday–Sunday), 本月 上月, 本季度 上季度,
今年 去年, 近/最近/过去 N 天·周·个月 (ending today), 2026年11月, 2026年, 11月 (the last
November not in the future), 11月1日, 11月1日到11月7日 (到/至/-/~, the second month optional),
双11 双12 618 (the last one not in the future); comparisons 环比 / 和上月比 / 较上周 (the
previous period) and 同比 / 去年同期 / 和去年比 (the same days a year earlier). Ranges are whole
days, both ends included; the current period (本周, 本月, 今年…) ends today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 3 * 366

Unit = Literal["day", "week", "month", "quarter", "year", "span"]
CompareKind = Literal["previous", "year_ago"]


@dataclass(frozen=True, slots=True)
class DateRange:
    """Calendar days ``start``..``end`` (both included) in Asia/Shanghai."""

    start: date
    end: date
    label: str
    unit: Unit = "span"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}至{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class DateParse:
    """What the text said about time: the range asked (None: not said), the comparison asked
    and the text left once the expressions are taken out (so 上月 in 和上月比 is not also read
    as the range)."""

    range: DateRange | None
    compare_kind: CompareKind | None
    rest: str


def shop_today(now: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware instant."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(SHANGHAI).date()


_CN_DIGITS: Final = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def cn_number(text: str) -> int | None:
    """``7`` ``七`` ``十`` ``十五`` ``二十`` ``三十一`` ``一百`` → int (None if not a number)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c not in "十百" for c in text):
        return None
    if "百" in text:
        head, _, tail = text.partition("百")
        hundreds = _CN_DIGITS.get(head, 1 if head == "" else -1)
        rest = cn_number(tail) if tail else 0
        return None if hundreds < 0 or rest is None else hundreds * 100 + rest
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = 1 if head == "" else _CN_DIGITS.get(head, -1)
        ones = 0 if tail == "" else _CN_DIGITS.get(tail, -1)
        return None if tens < 0 or ones < 0 else tens * 10 + ones
    if len(text) == 1:
        return _CN_DIGITS[text]
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _current(start: date, today: date, end: date) -> date:
    return min(end, today) if start <= today else end


def _last_not_future(today: date, month: int, day: int) -> date | None:
    """``month``/``day`` of this year, or of last year when that is still to come."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


_NUM = r"(\d{1,3}|[一二两三四五六七八九十百]{1,4})"
_SPAN_UNITS: Final = {"天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7}

_COMPARE: Final[tuple[tuple[re.Pattern[str], CompareKind], ...]] = (
    (re.compile(r"(?:和|跟|与|较|比|对比|相比)?去年同期(?:相比|比|对比|比较)?"), "year_ago"),
    (re.compile(r"(?:的)?同比(?:增长|变化|下降)?"), "year_ago"),
    (re.compile(r"(?:的)?环比(?:增长|变化|下降)?"), "previous"),
    (
        re.compile(r"(?:和|跟|与|较|对比|相比)(?:去年|上一年)(?:相比|比|对比|比较)?"),
        "year_ago",
    ),
    (
        re.compile(
            r"(?:和|跟|与|较|对比|相比)(?:上上周|上上个?星期|上上个?月|上个?月|上个?星期|上周|昨天|昨日|前一天|上一期|上期|"
            r"上季度|上个季度)(?:相比|比|对比|比较)?"
        ),
        "previous",
    ),
    (re.compile(r"比(?:上个?月|上周|上个?星期|昨天|昨日|上季度)"), "previous"),
    (
        re.compile(r"(?:上个?月|上周|上个?星期|昨天|昨日|上季度)(?:相比|对比|比较)"),
        "previous",
    ),
)

_MD = r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
_RANGE_MD: Final = re.compile(
    r"(?:(\d{4})年)?" + _MD + r"\s*(?:到|至|-|~|—)\s*(?:(\d{4})年)?"
    r"(?:(\d{1,2}|[一二三四五六七八九十]{1,3})月)?(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
)
_YMD: Final = re.compile(r"(\d{4})年" + _MD)
_YM: Final = re.compile(r"(\d{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?")
_Y: Final = re.compile(r"(\d{4})年(?:全年|整年|度)?")
_MD_ONLY: Final = re.compile(_MD)
_M_ONLY: Final = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})月份?(?![日号])")
_SPAN: Final = re.compile(r"(?:最近|近|过去|前)" + _NUM + r"(天|日|周|个星期|星期|个月|月|年)")
_FESTIVALS: Final[tuple[tuple[re.Pattern[str], int, int, str], ...]] = (
    (re.compile(r"双\s*(?:11|十一)"), 11, 11, "双11"),
    (re.compile(r"双\s*(?:12|十二)"), 12, 12, "双12"),
    (re.compile(r"(?<!\d)618(?!\d)|六一八"), 6, 18, "618"),
)


def _relative(today: date) -> list[tuple[re.Pattern[str], DateRange]]:
    """Fixed words, longest first where one contains another (上上周 before 上周)."""
    yesterday = today - timedelta(days=1)
    monday = _monday(today)
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    lq_end = q_start - timedelta(days=1)
    lq_start = date(lq_end.year, 3 * ((lq_end.month - 1) // 3) + 1, 1)
    year_start = date(today.year, 1, 1)

    def r(words: str, rng: DateRange) -> tuple[re.Pattern[str], DateRange]:
        return re.compile(words), rng

    return [
        r(
            r"上上周|上上个?星期",
            DateRange(monday - timedelta(days=14), monday - timedelta(days=8), "上上周", "week"),
        ),
        r(
            r"上周|上个?星期|上一周",
            DateRange(monday - timedelta(days=7), monday - timedelta(days=1), "上周", "week"),
        ),
        r(r"本周|这周|这个?星期|本星期|本週", DateRange(monday, today, "本周", "week")),
        r(
            r"上上个?月",
            DateRange(
                (last_month_start - timedelta(days=1)).replace(day=1),
                last_month_start - timedelta(days=1),
                "上上月",
                "month",
            ),
        ),
        r(r"上个?月|上一个?月", DateRange(last_month_start, last_month_end, "上月", "month")),
        r(r"本月|这个?月|当月|本月份", DateRange(month_start, today, "本月", "month")),
        r(r"上个?季度|上一季度", DateRange(lq_start, lq_end, "上季度", "quarter")),
        r(r"本季度|这个?季度|当季", DateRange(q_start, today, "本季度", "quarter")),
        r(r"今年|本年|本年度|今年以来", DateRange(year_start, today, "今年", "year")),
        r(
            r"去年|上一年|上年",
            DateRange(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "去年", "year"),
        ),
        r(r"前天", DateRange(today - timedelta(days=2), today - timedelta(days=2), "前天", "day")),
        r(r"昨天|昨日", DateRange(yesterday, yesterday, "昨天", "day")),
        r(r"今天|今日|当天", DateRange(today, today, "今天", "day")),
    ]


def _span(match: re.Match[str], today: date) -> DateRange | None:
    n = cn_number(match.group(1))
    unit = match.group(2)
    if n is None or n < 1:
        return None
    if unit in _SPAN_UNITS:
        days = n * _SPAN_UNITS[unit]
    elif unit in {"个月", "月"}:
        start = today
        for _ in range(n):
            start = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
        start = start.replace(day=min(today.day, calendar.monthrange(start.year, start.month)[1]))
        days = (today - start).days
    else:
        days = (today - _shift_years(today, -n)).days
    days = min(days, MAX_DAYS)
    return DateRange(today - timedelta(days=days - 1), today, f"近{n}{unit}")


def _num(text: str | None) -> int | None:
    return None if text is None else cn_number(text)


Found = tuple[DateRange, re.Match[str]] | None


def _md_range(text: str, today: date) -> Found:
    m = _RANGE_MD.search(text)
    if m is None:
        return None
    y1, m1, d1, y2, m2, d2 = (m.group(i) for i in range(1, 7))
    month1, day1, day2 = _num(m1), _num(d1), _num(d2)
    month2 = _num(m2) if m2 else month1
    if month1 is None or day1 is None or day2 is None or month2 is None:
        return None
    try:
        start = date(int(y1), month1, day1) if y1 else _last_not_future(today, month1, day1)
        if start is None:
            return None
        year2 = int(y2) if y2 else start.year
        end = date(year2, month2, day2)
        if end < start and not y2:
            end = date(year2 + 1, month2, day2)
    except ValueError:
        return None
    if start <= end and (end - start).days < MAX_DAYS:
        return DateRange(start, end, m.group(0)), m
    return None


def _ymd(text: str, today: date) -> Found:
    m = _YMD.search(text)
    if m is None:
        return None
    try:
        day = date(int(m.group(1)), _num(m.group(2)) or 0, _num(m.group(3)) or 0)
    except ValueError:
        return None
    return DateRange(day, day, m.group(0), "day"), m


def _ym(text: str, today: date) -> Found:
    m = _YM.search(text)
    month = None if m is None else _num(m.group(2))
    if m is None or month is None or not 1 <= month <= 12:
        return None
    year = int(m.group(1))
    return DateRange(date(year, month, 1), _month_end(year, month), m.group(0), "month"), m


def _md(text: str, today: date) -> Found:
    m = _MD_ONLY.search(text)
    if m is None:
        return None
    found = _last_not_future(today, _num(m.group(1)) or 0, _num(m.group(2)) or 0)
    return None if found is None else (DateRange(found, found, m.group(0), "day"), m)


def _festival(text: str, today: date) -> Found:
    for pattern, month, day, label in _FESTIVALS:
        if (m := pattern.search(text)) is not None:
            found = _last_not_future(today, month, day) or date(today.year - 1, month, day)
            return DateRange(found, found, label, "day"), m
    return None


def _year(text: str, today: date) -> Found:
    m = _Y.search(text)
    if m is None or not 1970 <= int(m.group(1)) <= today.year + 1:
        return None
    year = int(m.group(1))
    return DateRange(date(year, 1, 1), date(year, 12, 31), m.group(0), "year"), m


def _month(text: str, today: date) -> Found:
    m = _M_ONLY.search(text)
    month = None if m is None else _num(m.group(1))
    if m is None or month is None or not 1 <= month <= 12:
        return None
    year = today.year if month <= today.month else today.year - 1
    end = today if (year, month) == (today.year, today.month) else _month_end(year, month)
    return DateRange(date(year, month, 1), end, m.group(0), "month"), m


# Ranges before single days, days before months, months before years.
_ABSOLUTE: Final = (_md_range, _ymd, _ym, _md, _festival, _year, _month)


def _absolute(text: str, today: date) -> Found:
    """The first absolute or festival expression in ``text``."""
    for matcher in _ABSOLUTE:
        if (found := matcher(text, today)) is not None:
            return found
    return None


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end() :]


def parse_dates(text: str, now: datetime) -> DateParse:
    """Find the comparison and the range asked in ``text``, resolved against ``now``."""
    today = shop_today(now)
    compare: CompareKind | None = None
    for pattern, kind in _COMPARE:
        if m := pattern.search(text):
            compare = compare or kind
            text = _cut(text, m)
    found: DateRange | None = None
    if m := _SPAN.search(text):
        found = _span(m, today)
        text = _cut(text, m)
    if found is None and (absolute := _absolute(text, today)) is not None:
        found, m = absolute
        text = _cut(text, m)
    if found is None:
        for pattern, rng in _relative(today):
            if m := pattern.search(text):
                found = rng
                text = _cut(text, m)
                break
    return DateParse(found, compare, text)


def default_range(now: datetime) -> DateRange:
    """The range of a question that names none: the last 30 days, today included."""
    today = shop_today(now)
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today, f"近{DEFAULT_DAYS}天")


def previous_period(rng: DateRange) -> DateRange:
    """The period before: the previous month (quarter, year) over as many days as ``rng`` has
    (本月 to the 5th → 上月 1st–5th, capped at that month's end); otherwise the same number of
    days just before (上周 → 上上周, 近7天 → the 7 days before)."""
    months = {"month": 1, "quarter": 3, "year": 12}.get(rng.unit)
    if months is not None and rng.start.day == 1:
        year, month = divmod(rng.start.month - 1 - months, 12)
        start = date(rng.start.year + year, month + 1, 1)
        last_month = start.month - 1 + months - 1
        last = _month_end(start.year + last_month // 12, last_month % 12 + 1)
        end = min(start + timedelta(days=rng.days - 1), last)
        return DateRange(start, end, f"{rng.label}的上期", rng.unit)
    end = rng.start - timedelta(days=1)
    return DateRange(end - timedelta(days=rng.days - 1), end, f"{rng.label}的上期", rng.unit)


def year_ago(rng: DateRange) -> DateRange:
    """The same days a year earlier, as many of them (29 February starts on the 28th)."""
    start = _shift_years(rng.start, -1)
    return DateRange(start, start + timedelta(days=rng.days - 1), f"{rng.label}去年同期", rng.unit)


def compare_range(rng: DateRange, kind: CompareKind) -> DateRange:
    return previous_period(rng) if kind == "previous" else year_ago(rng)


def bounds(rng: DateRange) -> tuple[datetime, datetime]:
    """``[since, until)`` in aware datetimes for SQL: Shanghai midnight of ``start`` and of
    the day after ``end``."""
    since = datetime.combine(rng.start, datetime.min.time(), SHANGHAI)
    until = datetime.combine(rng.end + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return since, until


def buckets(rng: DateRange, grain: Literal["day", "week", "month"]) -> list[date]:
    """The first day of every bucket of ``grain`` meeting ``rng`` (weeks start on Monday; the
    first bucket starts at ``rng.start`` when it falls inside a week or month)."""
    out = [rng.start]
    day = rng.start
    while True:
        if grain == "day":
            day += timedelta(days=1)
        elif grain == "week":
            day = _monday(day) + timedelta(days=7)
        else:
            day = _month_end(day.year, day.month) + timedelta(days=1)
        if day > rng.end:
            return out
        out.append(day)
