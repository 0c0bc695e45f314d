"""The deterministic parser: a question in Chinese → a :class:`Query`, or a helpful refusal.

1. ``dates.parse_dates`` takes the comparison (环比, 去年同期…) and the range out of the text.
2. jieba segments the rest, with a user dictionary of the semantic layer's words and the
   shop's value words (regions, categories, tiers, channels), so 华东地区 and 复购率 stay whole.
3. Rules read the tokens: a metric word, dimension words (品类, 各省, 每天…), value words
   (华东 → filter), ranking (最高/最多/前N/排名), grain; adjacent tokens are joined when only
   together they name something (华东 + 地区).
4. Nothing mapped → rapidfuzz over every synonym proposes "您是不是想问…" questions.

Pure apart from jieba's tokenizer, which is built once per process (``_tokenizer``: ~1 s the
first time, so the service calls :func:`parse` in a thread).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from . import dates
from .lexicon import Lexicon, Value
from .schemas import DateSpan, Filter, Query
from .semantic import (
    DIMENSION_BY_KEY,
    GRAIN_WORDS,
    METRIC_BY_KEY,
    METRICS,
    RANK_ASC,
    RANK_DESC,
    SELLING_WORDS,
    DimensionKey,
    Grain,
    MetricKey,
    dimension_synonyms,
    metric_synonyms,
    vocabulary,
)

DEFAULT_TOP: Final = 10
_TREND_WORDS: Final = ("趋势", "走势", "变化趋势", "曲线")
_TOP_N: Final = re.compile(
    r"(?:前|top\s*|TOP\s*|Top\s*)(\d{1,3}|[一二两三四五六七八九十]{1,3})(?:名|个|位|大)?"
)
_BREAKS: Final = frozenset(
    {"的", "了", "和", "与", "及", "跟", "吗", "呢", ",", "，", "。", "?", "？"}
)
_WHICH: Final = frozenset({"哪个", "哪些", "哪", "哪家", "哪款", "哪类", "哪一个"})
_WHICH_DAY: Final = ("哪天", "哪一天", "哪几天", "哪日")
_STOP: Final = frozenset(  # words that ask nothing of their own
    [
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "吧",
        "是",
        "有",
        "多少",
        "几",
        "哪个",
        "哪些",
        "哪",
        "什么",
        "怎么样",
        "怎样",
        "如何",
        "情况",
        "数据",
        "一下",
        "看看",
        "看",
        "查",
        "查询",
        "查一下",
        "给",
        "我",
        "帮",
        "帮我",
        "给我",
        "请",
        "请问",
        "们",
        "和",
        "与",
        "及",
        "跟",
        "按",
        "各",
        "每个",
        "分别",
        "总",
        "总共",
        "合计",
        "整体",
        "共",
        "一共",
        "多",
        "少",
        "高",
        "低",
        "在",
        "里",
        "中",
        "的话",
        "对比",
        "比",
        "相比",
        "是不是",
        "怎么",
        "时候",
        "期间",
        "期",
        "个",
        "卖",
        "得",
        "最",
        "统计",
        "分析",
        "报表",
        "显示",
        "列出",
        "展示",
        "排",
        "名",
        "和上",
        "上",
        "下",
        "前",
        "后",
        "到",
        "至",
        "以来",
        "目前",
        "现在",
        "当前",
        "截止",
        "截至",
        "为止",
        "地区",
        "区域",
        "全部",
        "所有",
        "店铺",
        "本店",
        "商城",
        "我们",
        "我的",
        "指标",
        "金额",
        "数",
        "量",
        "率",
        "对",
        "同期",
        "变化",
        "增长",
        "下降",
        "元",
    ]
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A query, or why not: ``message`` in Chinese and ``suggestions`` to click; ``ignored``
    the words the parser did not understand although it answered."""

    query: Query | None
    message: str | None = None
    suggestions: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


_LOCK: Final = threading.Lock()
_STATE: dict[str, Any] = {}


def _tokenizer(words: set[str]) -> Any:
    """jieba with the semantic layer's words; ``words`` (the shop's value words) are added
    on first sight (a renamed category adds its new name; old words stay, harmlessly)."""
    with _LOCK:
        tokenizer = _STATE.get("tokenizer")
        if tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _STATE["tokenizer"] = tokenizer
            _STATE["added"] = set()
        added: set[str] = _STATE["added"]
        for word in (set(vocabulary()) | words) - added:
            if word.strip():
                tokenizer.add_word(word, freq=200_000)
                added.add(word)
        return tokenizer


def warm_up() -> None:
    """Load jieba's dictionary now (~1 s), e.g. from a thread at start-up or in tests."""
    _tokenizer(set())


def normalise(question: str) -> str:
    """Full-width letters, digits and punctuation to half-width (NFKC), spaces collapsed."""
    text = unicodedata.normalize("NFKC", question)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class _Reading:
    metric: MetricKey | None = None
    dimensions: list[DimensionKey] = field(default_factory=list)
    filters: dict[DimensionKey, list[Value]] = field(default_factory=dict)
    grain: Grain | None = None
    order: str | None = None
    limit: int | None = None
    selling: bool = False
    which: bool = False
    unknown: list[str] = field(default_factory=list)

    def add_dimension(self, key: DimensionKey) -> None:
        if key not in self.dimensions:
            self.dimensions.append(key)


def _segments(text: str, lexicon: Lexicon) -> list[str]:
    tokenizer = _tokenizer(set(lexicon.values))
    return [t for t in tokenizer.cut(text, HMM=False) if t.strip()]


def _match(
    token: str, lexicon: Lexicon, metrics: dict[str, MetricKey], dims: dict[str, DimensionKey]
) -> bool:
    return (
        token in metrics
        or token in dims
        or token in GRAIN_WORDS
        or token in lexicon.values
        or token in RANK_DESC
        or token in RANK_ASC
        or token in _TREND_WORDS
        or token in _WHICH_DAY
    )


def _read(tokens: list[str], lexicon: Lexicon) -> _Reading:
    metrics, dims = metric_synonyms(), dimension_synonyms()
    reading = _Reading()
    i = 0
    last_unknown = -1
    while i < len(tokens):
        # The longest run of up to three tokens that names something (华东 + 地区).
        for width in (3, 2, 1):
            word = "".join(tokens[i : i + width])
            if width == 1 or _match(word, lexicon, metrics, dims):
                break
        before = len(reading.unknown)
        _classify(word, reading, lexicon, metrics, dims)
        if len(reading.unknown) > before and last_unknown == i - 1 and before:
            # Adjacent unknown tokens are one unknown word (销 + 额 → 销额).
            reading.unknown[-2:] = ["".join(reading.unknown[-2:])]
        if len(reading.unknown) > before or (
            last_unknown == i - 1 and width == 1 and len(word) == 1 and word not in _BREAKS
        ):
            last_unknown = i + width - 1
        i += width
    return reading


def _classify(
    word: str,
    reading: _Reading,
    lexicon: Lexicon,
    metrics: dict[str, MetricKey],
    dims: dict[str, DimensionKey],
) -> None:
    if word in GRAIN_WORDS:
        reading.grain = reading.grain or GRAIN_WORDS[word]
        reading.add_dimension("date")
    elif word in metrics:
        reading.metric = reading.metric or metrics[word]
    elif word in lexicon.values:
        value = lexicon.values[word]
        found = reading.filters.setdefault(value.dimension, [])
        if value not in found:
            found.append(value)
    elif word in dims:
        reading.add_dimension(dims[word])
    else:
        _classify_rest(word, reading)


def _classify_rest(word: str, reading: _Reading) -> None:
    if word in _TREND_WORDS:
        reading.add_dimension("date")
    elif word in _WHICH_DAY:
        reading.add_dimension("date")
        reading.grain = reading.grain or "day"
        reading.which = True
    elif word in RANK_DESC:
        reading.order = reading.order or "desc"
    elif word in RANK_ASC:
        reading.order = reading.order or "asc"
    elif any(w in word for w in SELLING_WORDS) or word in {"卖", "销售"}:
        reading.selling = True
    elif word in _WHICH:
        reading.which = True
    elif word not in _STOP and not re.fullmatch(r"[\W\d_a-zA-Z]+", word):
        reading.unknown.append(word)


def _grain_for(span: dates.DateRange) -> Grain:
    if span.days <= 62:
        return "day"
    if span.days <= 26 * 7:
        return "week"
    return "month"


def _span(rng: dates.DateRange) -> DateSpan:
    return DateSpan(start=rng.start, end=rng.end, label=rng.label)


def parse(question: str, now: datetime, lexicon: Lexicon) -> Parsed:
    """Map ``question`` to a :class:`Query` against ``now`` (aware), or say why not."""
    text = normalise(question)
    found = dates.parse_dates(text, now)
    rest = found.rest
    limit: int | None = None
    if m := _TOP_N.search(rest):
        limit = dates.cn_number(m.group(1))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    reading = _read(_segments(rest, lexicon), lexicon)
    if reading.metric is None and reading.selling:
        reading.metric = "units"
    if reading.metric is None:
        return Parsed(
            None,
            "没有认出要看哪个指标（例如：销售额、订单数、客单价、复购率、退款率）。",
            tuple(suggest(question, reading.unknown, lexicon)),
        )
    metric = METRIC_BY_KEY[reading.metric]
    rng = found.range or dates.default_range(now)
    compare = None if found.compare_kind is None else dates.compare_range(rng, found.compare_kind)
    dimensions = _dimensions(reading)
    if reading.grain is None and "date" in dimensions:
        reading.grain = _grain_for(rng)
    order, limit = _ranking(reading, dimensions, limit)
    blocked = [d for d in dimensions if d not in metric.dimensions]
    blocked += [d for d in reading.filters if d not in metric.dimensions]
    if blocked:
        names = "、".join(DIMENSION_BY_KEY[d].name for d in dict.fromkeys(blocked))
        return Parsed(
            None,
            f"「{metric.name}」不能按{names}拆分或筛选。",
            (f"{rng.label}{metric.name}", f"{rng.label}每天的{metric.name}"),
        )
    filters = tuple(
        Filter(
            dimension=dim,
            values=tuple(_keys(values, lexicon)),
            labels=tuple(v.label for v in values),
        )
        for dim, values in sorted(reading.filters.items())
    )
    query = Query(
        metric=metric.key,
        dimensions=tuple(dimensions),
        filters=filters,
        grain=reading.grain if "date" in dimensions else None,
        range=_span(rng),
        compare=None if compare is None else _span(compare),
        compare_kind=found.compare_kind,
        order=order,  # type: ignore[arg-type]
        limit=limit,
    )
    ignored = tuple(dict.fromkeys(reading.unknown))
    message = None
    suggestions: tuple[str, ...] = ()
    if ignored:
        message = f"没有认出「{'、'.join(ignored)}」，已按其余条件回答。"
        suggestions = tuple(suggest(question, list(ignored), lexicon))
    return Parsed(query, message, suggestions, ignored)


def _dimensions(reading: _Reading) -> list[DimensionKey]:
    """The dimensions to split by. A dimension named with one of its values is a filter, not a
    split (手机品类); one named with several values is split to compare them (华南和华北)."""
    dimensions = [d for d in reading.dimensions if len(reading.filters.get(d, ())) != 1]
    for dim, values in reading.filters.items():
        if len(values) > 1 and dim not in dimensions:
            dimensions.append(dim)
    return dimensions[:2]


def _ranking(
    reading: _Reading, dimensions: list[DimensionKey], limit: int | None
) -> tuple[str | None, int | None]:
    """``(order, limit)``: 最高/最多/排名/前N/哪个 rank what is split (the top 10 unless N was
    given); 哪天…最多 ranks the days; with nothing split there is nothing to rank."""
    order = reading.order
    split = any(d != "date" for d in dimensions)
    if split and (limit is not None or order is not None or reading.which):
        return order or "desc", limit or DEFAULT_TOP
    if not split and "date" in dimensions and (order or reading.which or limit):
        return order or "desc", limit or DEFAULT_TOP
    return None, None


def _keys(values: list[Value], lexicon: Lexicon) -> list[str]:
    keys: list[str] = []
    for v in values:
        keys.extend(
            lexicon.category_subtree.get(v.key, (v.key,)) if v.dimension == "category" else (v.key,)
        )
    return list(dict.fromkeys(keys))


def suggest(question: str, unknown: list[str], lexicon: Lexicon, limit: int = 3) -> list[str]:
    """ "您是不是想问…": the question with an unknown word replaced by the closest metric,
    dimension or value word (rapidfuzz), or with a metric added when it named none."""
    from rapidfuzz import fuzz, process

    choices = list(metric_synonyms()) + list(dimension_synonyms()) + list(lexicon.values)
    base = normalise(question)
    out: list[str] = []
    for word in unknown:
        for choice, _, _ in process.extract(
            word, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=60
        ):
            if choice != word:
                out.append(base.replace(word, _canonical(choice), 1))
    if not out:
        for word in unknown:
            base = base.replace(word, "")
        base = base.strip(" ?？。!！的")
        out = [f"{base}的{m.name}" if base else f"近7天每天的{m.name}" for m in METRICS[:limit]]
    return list(dict.fromkeys(out))[:limit]


def _canonical(word: str) -> str:
    metric = metric_synonyms().get(word)
    if metric is not None:
        return METRIC_BY_KEY[metric].name
    return word
