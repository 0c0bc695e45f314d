"""The parser's question table: 40+ questions asked in Chinese → the expected Query (a fixed
clock, 2026-12-05 11:00 in Shanghai, a Saturday), and the helpful refusals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shoplet.modules.insights.ask import lexicon, parser
from shoplet.modules.insights.ask.schemas import Query

NOW = datetime(2026, 12, 5, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LEX = lexicon.build(
    [("1", "服饰", None), ("2", "女装", "1"), ("3", "数码", None), ("4", "手机", "3")],
    [(0, "V0", "普通会员"), (1, "V1", "白银会员"), (2, "V2", "黄金会员")],
)

D = date
LAST_WEEK = (D(2026, 11, 23), D(2026, 11, 29))
LAST_30 = (D(2026, 11, 6), D(2026, 12, 5))
THIS_MONTH = (D(2026, 12, 1), D(2026, 12, 5))
LAST_MONTH = (D(2026, 11, 1), D(2026, 11, 30))
YESTERDAY = (D(2026, 12, 4), D(2026, 12, 4))
TODAY = (D(2026, 12, 5), D(2026, 12, 5))
THIS_WEEK = (D(2026, 11, 30), D(2026, 12, 5))
LAST_7 = (D(2026, 11, 29), D(2026, 12, 5))


def f(dimension: str, *values: str) -> tuple[str, tuple[str, ...]]:
    return (dimension, values)


# question, metric, dimensions, filters, grain, range, compare, order, limit
CASES: list[tuple[Any, ...]] = [
    (
        "上周华东地区哪个品类销售额最高",
        "gmv",
        ["category"],
        [f("region_group", "华东")],
        None,
        LAST_WEEK,
        None,
        "desc",
        10,
    ),
    (
        "本月复购率和上月比",
        "repurchase_rate",
        [],
        [],
        None,
        THIS_MONTH,
        (D(2026, 11, 1), D(2026, 11, 5)),
        None,
        None,
    ),
    ("近7天每天的订单数", "orders", ["date"], [], "day", LAST_7, None, None, None),
    ("去年同期GMV", "gmv", [], [], None, LAST_30, (D(2025, 11, 6), D(2025, 12, 5)), None, None),
    ("昨天退款率", "refund_rate", [], [], None, YESTERDAY, None, None, None),
    ("哪个商品卖得最好", "units", ["product"], [], None, LAST_30, None, "desc", 10),
    ("今天的销售额", "gmv", [], [], None, TODAY, None, None, None),
    ("今日营业额", "gmv", [], [], None, TODAY, None, None, None),
    ("本周订单量", "orders", [], [], None, THIS_WEEK, None, None, None),
    ("上周的成交额", "gmv", [], [], None, LAST_WEEK, None, None, None),
    ("上个月的客单价", "aov", [], [], None, LAST_MONTH, None, None, None),
    ("本月新会员数", "new_members", [], [], None, THIS_MONTH, None, None, None),
    ("最近30天每天的新增会员", "new_members", ["date"], [], "day", LAST_30, None, None, None),
    ("2026年11月销售额", "gmv", [], [], None, LAST_MONTH, None, None, None),
    (
        "11月1日到11月7日的订单数",
        "orders",
        [],
        [],
        None,
        (D(2026, 11, 1), D(2026, 11, 7)),
        None,
        None,
        None,
    ),
    (
        "11月1日至7日每天的GMV",
        "gmv",
        ["date"],
        [],
        "day",
        (D(2026, 11, 1), D(2026, 11, 7)),
        None,
        None,
        None,
    ),
    ("双11销售额", "gmv", [], [], None, (D(2026, 11, 11), D(2026, 11, 11)), None, None, None),
    (
        "双十一成交额同比",
        "gmv",
        [],
        [],
        None,
        (D(2026, 11, 11), D(2026, 11, 11)),
        (D(2025, 11, 11), D(2025, 11, 11)),
        None,
        None,
    ),
    (
        "今年每月销售额",
        "gmv",
        ["date"],
        [],
        "month",
        (D(2026, 1, 1), D(2026, 12, 5)),
        None,
        None,
        None,
    ),
    ("去年的订单数", "orders", [], [], None, (D(2025, 1, 1), D(2025, 12, 31)), None, None, None),
    ("近30天退款率趋势", "refund_rate", ["date"], [], "day", LAST_30, None, None, None),
    ("各省单量排名", "orders", ["province"], [], None, LAST_30, None, "desc", 10),
    ("上月各渠道订单数", "orders", ["channel"], [], None, LAST_MONTH, None, None, None),
    ("广东各城市的客单价", "aov", ["city"], [f("province", "44")], None, LAST_30, None, None, None),
    ("杭州昨天的营业额", "gmv", [], [f("city", "330100")], None, YESTERDAY, None, None, None),
    ("拼团订单数", "orders", [], [f("channel", "groupbuy")], None, LAST_30, None, None, None),
    ("秒杀的销量", "units", [], [f("channel", "flashsale")], None, LAST_30, None, None, None),
    ("黄金会员的销售额", "gmv", [], [f("tier", "2")], None, LAST_30, None, None, None),
    ("各会员等级复购率", "repurchase_rate", ["tier"], [], None, LAST_30, None, None, None),
    ("销售额前5的商品", "gmv", ["product"], [], None, LAST_30, None, "desc", 5),
    ("上周销量TOP3商品", "units", ["product"], [], None, LAST_WEEK, None, "desc", 3),
    ("手机品类上月销量", "units", [], [f("category", "4")], None, LAST_MONTH, None, None, None),
    (
        "服饰类目本月销售额",
        "gmv",
        [],
        [f("category", "1", "2")],
        None,
        THIS_MONTH,
        None,
        None,
        None,
    ),
    (
        "华南和华北的订单数",
        "orders",
        ["region_group"],
        [f("region_group", "华南", "华北")],
        None,
        LAST_30,
        None,
        None,
        None,
    ),
    (
        "哪个地区的复购率最低",
        "repurchase_rate",
        ["region_group"],
        [],
        None,
        LAST_30,
        None,
        "asc",
        10,
    ),
    ("各地区销售额", "gmv", ["region_group"], [], None, LAST_30, None, None, None),
    ("本周哪天订单最多", "orders", ["date"], [], "day", THIS_WEEK, None, "desc", 10),
    (
        "本月支付转化率环比",
        "pay_conversion",
        [],
        [],
        None,
        THIS_MONTH,
        (D(2026, 11, 1), D(2026, 11, 5)),
        None,
        None,
    ),
    (
        "上周订单数和上上周比",
        "orders",
        [],
        [],
        None,
        LAST_WEEK,
        (D(2026, 11, 16), D(2026, 11, 22)),
        None,
        None,
    ),
    ("上周退款金额", "refund_amount", [], [], None, LAST_WEEK, None, None, None),
    ("昨天有多少人下单", "buyers", [], [], None, YESTERDAY, None, None, None),
    ("上月下单人数按周", "buyers", ["date"], [], "week", LAST_MONTH, None, None, None),
    ("浙江省上周的客单价", "aov", [], [f("province", "33")], None, LAST_WEEK, None, None, None),
    (
        "西南地区本月销售额同比",
        "gmv",
        [],
        [f("region_group", "西南")],
        None,
        THIS_MONTH,
        (D(2025, 12, 1), D(2025, 12, 5)),
        None,
        None,
    ),
    ("ＧＭＶ　本月", "gmv", [], [], None, THIS_MONTH, None, None, None),
    (
        "2026年11月1日的订单数",
        "orders",
        [],
        [],
        None,
        (D(2026, 11, 1), D(2026, 11, 1)),
        None,
        None,
        None,
    ),
    (
        "近三个月每月复购率",
        "repurchase_rate",
        ["date"],
        [],
        "month",
        (D(2026, 9, 6), D(2026, 12, 5)),
        None,
        None,
        None,
    ),
    ("上周各品类销量排行", "units", ["category"], [], None, LAST_WEEK, None, "desc", 10),
    ("本季度成交额", "gmv", [], [], None, (D(2026, 10, 1), D(2026, 12, 5)), None, None, None),
    ("618的订单数", "orders", [], [], None, (D(2026, 6, 18), D(2026, 6, 18)), None, None, None),
    (
        "北京上个月各渠道的退款率",
        "refund_rate",
        ["channel"],
        [f("province", "11")],
        None,
        LAST_MONTH,
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(("question", *"mdfgrcol"), CASES, ids=[c[0] for c in CASES])
def test_question_maps_to_query(  # noqa: PLR0917 - one row of the table
    question: str,
    m: str,
    d: list[str],
    f: list[tuple[str, tuple[str, ...]]],
    g: str | None,
    r: tuple[date, date],
    c: tuple[date, date] | None,
    o: str | None,
    l: int | None,  # noqa: E741
) -> None:
    parsed = parser.parse(question, NOW, LEX)
    assert parsed.query is not None, parsed.message
    q: Query = parsed.query
    assert q.metric == m
    assert list(q.dimensions) == d
    assert [(x.dimension, x.values) for x in q.filters] == f
    assert q.grain == g
    assert (q.range.start, q.range.end) == r
    assert (None if q.compare is None else (q.compare.start, q.compare.end)) == c
    assert (q.order, q.limit) == (o, l)
    assert parsed.ignored == ()


def test_the_table_is_at_least_forty_questions() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("question", "suggestion"),
    [
        ("上周的销额", "上周的销售额"),
        ("昨天的客单", "昨天的客单价"),
        ("上周的天气", "上周的销售额"),
        ("", "近7天每天的销售额"),
    ],
)
def test_unknown_metric_gets_suggestions(question: str, suggestion: str) -> None:
    parsed = parser.parse(question, NOW, LEX)
    assert parsed.query is None
    assert parsed.message is not None
    assert "指标" in parsed.message
    assert suggestion in parsed.suggestions


def test_a_dimension_the_metric_lacks_is_explained() -> None:
    parsed = parser.parse("新会员数按地区", NOW, LEX)
    assert parsed.query is None
    assert parsed.message == "「新会员数」不能按大区拆分或筛选。"
    assert parsed.suggestions == ("近30天新会员数", "近30天每天的新会员数")
    assert parser.parse("上周各品类的退款率", NOW, LEX).query is None


def test_unknown_words_are_named_when_the_rest_is_answered() -> None:
    parsed = parser.parse("上周蓝牙耳机的销售额", NOW, LEX)
    assert parsed.query is not None
    assert parsed.ignored == ("蓝牙耳机",)
    assert parsed.message == "没有认出「蓝牙耳机」，已按其余条件回答。"
