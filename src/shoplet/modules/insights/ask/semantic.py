"""The semantic layer: what can be asked, in which words, and who may see it.

Declarative and typed: a :class:`Metric` names its aggregation (``measure``, implemented once
per fact source in ``repository.py``), the facts it reads (paid orders, their lines, orders as
placed, sign-ups), the dimensions it can be split by, the console permission needed to see it
and its Chinese synonyms. A :class:`Dimension` likewise. Adding a metric is one entry here and,
for a new kind of aggregation, one measure in the repository (docs/ask.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

MetricKey = Literal[
    "gmv",
    "orders",
    "aov",
    "units",
    "buyers",
    "repurchase_rate",
    "refund_rate",
    "refund_amount",
    "pay_conversion",
    "new_members",
]
DimensionKey = Literal[
    "date", "region_group", "province", "city", "category", "product", "channel", "tier"
]
Grain = Literal["day", "week", "month"]
# paid: orders paid in the range (order level); lines: their lines (goods only, no shipping);
# placed: orders created in the range, paid or not; signups: members who registered.
Source = Literal["paid", "lines", "placed", "signups"]
Unit = Literal["fen", "count", "permille"]

LINE_DIMENSIONS: Final[frozenset[DimensionKey]] = frozenset({"category", "product"})
ORDER_DIMENSIONS: Final[frozenset[DimensionKey]] = frozenset(
    {"date", "region_group", "province", "city", "channel", "tier"}
)


@dataclass(frozen=True, slots=True)
class Metric:
    key: MetricKey
    name: str
    unit: Unit
    permission: str
    source: Source
    synonyms: tuple[str, ...]
    dimensions: frozenset[DimensionKey]
    description: str
    # The source used instead when a line dimension (品类, 商品) splits or filters it; None
    # when the metric has no meaning per line.
    line_source: Source | None = "lines"


@dataclass(frozen=True, slots=True)
class Dimension:
    key: DimensionKey
    name: str
    synonyms: tuple[str, ...]


_ALL: Final[frozenset[DimensionKey]] = ORDER_DIMENSIONS | LINE_DIMENSIONS

METRICS: Final[tuple[Metric, ...]] = (
    Metric(
        "gmv",
        "销售额",
        "fen",
        "dashboard:read",
        "paid",
        ("销售额", "GMV", "gmv", "营业额", "成交额", "交易额", "销售金额", "成交金额", "流水"),
        _ALL,
        "已支付订单的应付金额之和（按品类/商品时为商品行应付金额，不含运费）",
    ),
    Metric(
        "orders",
        "订单数",
        "count",
        "orders:read",
        "paid",
        ("订单数", "订单量", "单量", "订单数量", "成交单数", "下单量", "订单"),
        _ALL,
        "已支付订单的笔数",
    ),
    Metric(
        "aov",
        "客单价",
        "fen",
        "dashboard:read",
        "paid",
        ("客单价", "平均订单金额", "笔单价", "平均客单价", "AOV"),
        _ALL,
        "销售额 ÷ 订单数（四舍五入到分）",
    ),
    Metric(
        "units",
        "销量",
        "count",
        "dashboard:read",
        "lines",
        ("销量", "销售量", "件数", "卖出件数", "售出数量", "销售件数"),
        _ALL,
        "已支付订单中商品的件数",
    ),
    Metric(
        "buyers",
        "支付买家数",
        "count",
        "dashboard:read",
        "paid",
        (
            "支付买家数",
            "买家数",
            "下单人数",
            "购买人数",
            "付款人数",
            "成交客户数",
            "支付人数",
            "多少人下单",
            "多少人购买",
            "多少人买",
        ),
        _ALL,
        "有已支付订单的会员人数（去重）",
    ),
    Metric(
        "repurchase_rate",
        "复购率",
        "permille",
        "analytics:view",
        "paid",
        ("复购率", "回购率", "重复购买率", "二次购买率"),
        _ALL,
        "期间内支付 2 笔及以上订单的会员 ÷ 支付会员",
    ),
    Metric(
        "refund_rate",
        "退款率",
        "permille",
        "orders:read",
        "paid",
        ("退款率", "退货率", "退单率", "售后率"),
        ORDER_DIMENSIONS,
        "期间内支付、至今已有退款的订单 ÷ 已支付订单",
        line_source=None,
    ),
    Metric(
        "refund_amount",
        "退款金额",
        "fen",
        "orders:read",
        "paid",
        ("退款金额", "退款额", "退款总额", "退款"),
        ORDER_DIMENSIONS,
        "期间内支付的订单至今已退款的金额",
        line_source=None,
    ),
    Metric(
        "pay_conversion",
        "支付转化率",
        "permille",
        "dashboard:read",
        "placed",
        ("支付转化率", "下单支付转化率", "付款率", "支付率", "转化率"),
        ORDER_DIMENSIONS,
        "期间内创建的订单中已支付的比例",
        line_source=None,
    ),
    Metric(
        "new_members",
        "新会员数",
        "count",
        "analytics:view",
        "signups",
        ("新会员数", "新增会员", "新会员", "注册人数", "新注册会员", "拉新人数", "新用户数"),
        frozenset[DimensionKey]({"date"}),
        "期间内注册的会员人数",
        line_source=None,
    ),
)

DIMENSIONS: Final[tuple[Dimension, ...]] = (
    Dimension(
        "date", "日期", ("日期", "每天", "每日", "按天", "逐日", "每周", "按周", "每月", "按月")
    ),
    Dimension("region_group", "大区", ("地区", "大区", "区域", "各地区", "各区域")),
    Dimension("province", "省份", ("省份", "省", "各省", "分省")),
    Dimension("city", "城市", ("城市", "各城市", "各市")),
    Dimension("category", "品类", ("品类", "类目", "分类", "商品分类", "品类别")),
    Dimension("product", "商品", ("商品", "产品", "单品", "宝贝", "货品", "SKU")),
    Dimension("channel", "渠道", ("渠道", "来源", "平台", "下单渠道", "订单来源")),
    Dimension("tier", "会员等级", ("会员等级", "等级", "会员级别", "级别")),
)

METRIC_BY_KEY: Final = {m.key: m for m in METRICS}
DIMENSION_BY_KEY: Final = {d.key: d for d in DIMENSIONS}

GRAIN_WORDS: Final[dict[str, Grain]] = {
    "每天": "day",
    "每日": "day",
    "按天": "day",
    "逐日": "day",
    "日趋势": "day",
    "每周": "week",
    "按周": "week",
    "周趋势": "week",
    "每月": "month",
    "按月": "month",
    "月度": "month",
    "各月": "month",
    "月趋势": "month",
}

# Region groups (大区) by the two first digits of GB/T 2260 province codes.
REGION_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "华北": ("11", "12", "13", "14", "15"),
    "东北": ("21", "22", "23"),
    "华东": ("31", "32", "33", "34", "35", "36", "37"),
    "华中": ("41", "42", "43"),
    "华南": ("44", "45", "46"),
    "西南": ("50", "51", "52", "53", "54"),
    "西北": ("61", "62", "63", "64", "65"),
}
GROUP_OF_PROVINCE: Final = {p: g for g, ps in REGION_GROUPS.items() for p in ps}

# Order sources (orders.source) as the console names them.
CHANNELS: Final[dict[str, tuple[str, ...]]] = {
    "cart": ("购物车", "购物车下单"),
    "buy_now": ("立即购买", "直接购买"),
    "flashsale": ("秒杀", "限时秒杀"),
    "groupbuy": ("拼团", "团购"),
    "bargain": ("砍价",),
    "crowdfunding": ("众筹",),
    "pointsmall": ("积分商城", "积分兑换"),
}
CHANNEL_NAMES: Final = {k: v[0] for k, v in CHANNELS.items()}

RANK_DESC: Final = (
    "最高",
    "最多",
    "最好",
    "最大",
    "最畅销",
    "最火",
    "最强",
    "排名",
    "排行",
    "TOP",
    "top",
    "Top",
)
RANK_ASC: Final = ("最低", "最少", "最差", "最小", "垫底", "倒数")
# Words that ask for units sold when the question names no metric ("哪个商品卖得最好").
SELLING_WORDS: Final = ("卖得", "卖的", "卖了", "畅销", "热销", "好卖", "卖出")


def metric_synonyms() -> dict[str, MetricKey]:
    """Every metric word → its metric (longest words win when the parser scans)."""
    return {s: m.key for m in METRICS for s in m.synonyms}


def dimension_synonyms() -> dict[str, DimensionKey]:
    return {s: d.key for d in DIMENSIONS for s in d.synonyms}


def vocabulary() -> tuple[str, ...]:
    """The semantic layer's names, as given to jieba's user dictionary and to an LLM prompt."""
    words: set[str] = set(metric_synonyms()) | set(dimension_synonyms()) | set(GRAIN_WORDS)
    words |= {f"{g}地区" for g in REGION_GROUPS} | set(REGION_GROUPS)
    words |= {w for ws in CHANNELS.values() for w in ws}
    words |= set(RANK_DESC) | set(RANK_ASC) | set(SELLING_WORDS)
    return tuple(sorted(words))
