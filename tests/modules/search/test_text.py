"""Pure tests of the tokenizer, pinyin expansion and query planning (no database)."""

from __future__ import annotations

import pytest

from shoplet.modules.search.engine import Doc, Filters, MemoryEngine
from shoplet.modules.search.planner import Dictionary
from shoplet.modules.search.text import (
    Segmenter,
    is_han,
    latin_parts,
    looks_like_initials,
    normalize,
    pinyin_keys,
    runs,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  ＸＩＹＩＪＩ  ", "xiyiji"),
        ("电饭\u200b煲", "电饭 煲"),
        ("口红\x00\n302", "口红 302"),
        ("iPhone\t15", "iphone 15"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("露营zhangpeng", [("han", "露营"), ("lat", "zhangpeng")]),
        ("kou hong", [("lat", "kou"), ("lat", "hong")]),
        ("美的 电饭煲4l", [("han", "美的"), ("han", "电饭煲"), ("lat", "4l")]),
        ("😀🎉", []),
        ("手机壳，防摔！", [("han", "手机壳"), ("han", "防摔")]),
    ],
)
def test_runs(text: str, expected: list[tuple[str, str]]) -> None:
    assert runs(normalize(text)) == expected


@pytest.mark.parametrize(
    ("word", "full", "initials"),
    [
        ("电饭煲", {"dianfanbao"}, "dfb"),
        ("重庆", {"chongqing"}, "cq"),
        ("女装", {"nvzhuang", "nuzhuang"}, "nz"),
        ("绿茶", {"lvcha", "lucha"}, "lc"),
        ("洗衣机", {"xiyiji"}, "xyj"),
        ("iphone", set(), ""),
    ],
)
def test_pinyin_keys(word: str, full: set[str], initials: str) -> None:
    assert pinyin_keys(word) == (frozenset(full), initials)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("dfb", True), ("xyj", True), ("aj", True), ("xiyiji", False), ("a", False), ("dfb1", False)],
)
def test_looks_like_initials(token: str, expected: bool) -> None:
    assert looks_like_initials(token) is expected


def test_latin_parts_and_han() -> None:
    assert latin_parts("iphone15") == ["iphone15", "iphone", "15"]
    assert latin_parts("xiyiji") == ["xiyiji"]
    assert is_han("电饭煲")
    assert not is_han("电饭煲4l")
    assert not is_han("")


def test_segmenter_learns_product_words() -> None:
    segmenter = Segmenter()
    segmenter.load(["手机壳"])
    assert "手机壳" in segmenter.query_words("小米手机壳")


CATALOG = [
    (1, "美的电饭煲 家用4L", "美的", "厨房电器"),
    (2, "苏泊尔电饭锅 3L", "苏泊尔", "厨房电器"),
    (3, "小米电热水壶 1.5L", "小米", "厨房电器"),
    (4, "海尔滚筒洗衣机 10公斤", "海尔", "洗衣机"),
    (5, "蓝月亮洗衣液 3kg", "蓝月亮", "清洁"),
    (6, "雅诗兰黛口红 302", "雅诗兰黛", "彩妆"),
    (7, "一次性医用口罩 50只", "稳健", "防护"),
    (8, "露营帐篷 户外防雨", "牧高笛", "露营"),
    (9, "飞鹤奶粉 3段", "飞鹤", "奶粉"),
    (10, "苹果 iPhone15 手机", "苹果", "手机"),
    (11, "重庆火锅底料", "德庄", "调味"),
    (12, "女士羽绒服", "波司登", "女装"),
    (13, "小米手机壳 防摔", "小米", "配件"),
    (14, "奶瓶 宽口径", "贝亲", "喂养"),
]


@pytest.fixture(scope="module")
def engine() -> MemoryEngine:
    segmenter = Segmenter()
    segmenter.load([b for _, _, b, _ in CATALOG])
    engine = MemoryEngine(segmenter)
    engine.set_dictionary(
        Dictionary(synonyms=[["手机壳", "手机套"]], corrections={"电板煲": "电饭煲"})
    )
    engine.upsert(
        Doc(
            id=i,
            title=t,
            subtitle="",
            image=None,
            image_set=None,
            price=100 * i,
            original_price=100 * i,
            sales_count=i,
            category_id=1,
            category_ids=(1,),
            brand=b,
            in_stock=True,
            flash=False,
            created=i,
            texts=(t, "", b, c),
        )
        for i, t, b, c in CATALOG
    )
    return engine


@pytest.mark.parametrize(
    ("query", "product", "corrected"),
    [
        ("电饭煲", 1, None),
        ("xiyiji", 4, "洗衣机"),
        ("kou hong", 6, "口红"),
        ("dfb", 1, "电饭煲"),
        ("露营zhangpeng", 8, "露营 帐篷"),
        ("饭煲", 1, None),
        ("电饭包", 1, "电饭煲"),
        ("奶分", 9, "奶粉"),
        ("xiyiij", 4, "洗衣机"),
        ("dianfanb", 1, "电饭煲"),
        ("chongqing", 11, "重庆"),
        ("nvshi", 12, "女士"),
        ("nushi", 12, "女士"),
        ("手机套", 13, None),
        ("pingguo", 10, "苹果"),
        ("iphone15", 10, None),
        ("电板煲", 1, None),
        ("口罩", 7, None),
        ("洗衣液", 5, None),
        ("美的电饭包", 1, "美的电饭煲"),
    ],
)
def test_query_forms_find_their_product_first(
    engine: MemoryEngine, query: str, product: int, corrected: str | None
) -> None:
    result = engine.search(
        query, filters=Filters(), sort="relevance", after=None, limit=5, facets=False
    )
    assert result.hits, query
    assert result.hits[0].doc.id == product
    assert result.corrected_query == corrected


@pytest.mark.parametrize(
    ("query", "absent"),
    [("电饭煲", {2, 3}), ("洗衣机", {5}), ("口红", {7}), ("口罩", {6})],
)
def test_look_alikes_do_not_match(engine: MemoryEngine, query: str, absent: set[int]) -> None:
    result = engine.search(
        query, filters=Filters(), sort="relevance", after=None, limit=20, facets=False
    )
    assert not absent & {h.doc.id for h in result.hits}


@pytest.mark.parametrize("query", ["", " ", "😀", "a" * 300, "\x00\x01", "%%%", "'; drop"])
def test_odd_queries_never_fail(engine: MemoryEngine, query: str) -> None:
    engine.search(query, filters=Filters(), sort="relevance", after=None, limit=5, facets=True)
    engine.suggest(query, 5)


@pytest.mark.parametrize(
    ("prefix", "first"), [("pingg", "苹果"), ("kou", None), ("电饭", None), ("dfb", "电饭煲")]
)
def test_suggest(engine: MemoryEngine, prefix: str, first: str | None) -> None:
    suggestions = engine.suggest(prefix, 5)
    assert suggestions
    if first is not None:
        assert suggestions[0] == first


def test_removal_and_update(engine: MemoryEngine) -> None:
    doc = engine.docs[14]
    engine.remove([14])
    assert not engine.search(
        "奶瓶", filters=Filters(), sort="relevance", after=None, limit=5, facets=False
    ).hits
    engine.upsert([doc])
    assert (
        engine.search(
            "naiping", filters=Filters(), sort="relevance", after=None, limit=5, facets=False
        )
        .hits[0]
        .doc.id
        == 14
    )
