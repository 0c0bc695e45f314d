"""The engine's array ranking against a plain-Python reference of the same rules (no database):
matching, filters, every sort, keyset pages, facets and the hybrid blend on a generated catalog.
The relevance pool is made small so that ranking past it (the best sellers) is exercised."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from shoplet.modules.search import engine as engine_module
from shoplet.modules.search import hybrid as hybrid_module
from shoplet.modules.search.engine import (
    FACET_SIZE,
    PRICE_BUCKETS,
    Doc,
    Filters,
    MemoryEngine,
    SearchSort,
)
from shoplet.modules.search.hybrid import HybridSettings
from shoplet.modules.search.planner import Clause
from shoplet.modules.search.semantic import FakeEmbedder, VectorIndex
from shoplet.modules.search.text import Segmenter, normalize

POOL = 40
BRANDS = ["美的", "苏泊尔", "小米", "Apple", "apple", "", "飞鹤"]
NOUNS = ["电饭煲", "电饭锅", "洗衣机", "口红", "帐篷", "奶粉", "手机", "手机壳", "iphone15"]
ADJECTIVES = ["家用", "迷你", "智能", "便携", "户外", "加厚", "露营"]
QUERIES = [
    "电饭煲",
    "美的 电饭煲",
    "xiyiji",
    "kou hong",
    "dfb",
    "饭煲",
    "电饭包",
    "xiyiij",
    "dianfanb",
    "家用",
    "美的 口红 帐篷",
    "iphone15",
    "apple",
    "asdfgh",
]
FILTERS = [
    Filters(),
    Filters(brand="美的"),
    Filters(brand="apple"),
    Filters(price_min=5_000, price_max=100_000),
    Filters(in_stock=True, flash=False),
    Filters(flash=True),
    Filters(category_id=1003),
    Filters(category_id=2, in_stock=False),
]
SORTS: list[SearchSort] = ["relevance", "sales", "price_asc", "price_desc", "new"]


def _catalog(n: int = 600) -> list[Doc]:
    rng = random.Random(11)
    docs = []
    for i in range(1, n + 1):
        brand, noun = rng.choice(BRANDS), rng.choice(NOUNS)
        first, second = rng.sample(ADJECTIVES, 2)
        title = f"{brand}{first}{noun} {second}"
        price = rng.choice([0, 4_999, 5_000, 29_999, 300_000, rng.randint(1, 400_000)])
        category = rng.randint(1, 6)
        docs.append(
            Doc(
                id=i * 7,
                title=title,
                subtitle="",
                image=None,
                image_set=None,
                price=price,
                original_price=price,
                sales_count=rng.randint(0, 12),  # many ties
                category_id=category,
                category_ids=(category, 1000 + category % 4),
                brand=brand,
                in_stock=rng.random() > 0.2,
                flash=rng.random() < 0.1,
                created=rng.randint(1, 50),
                texts=(title, "", brand, f"类目{category}", noun),
            )
        )
    return docs


@pytest.fixture(scope="module")
def engine() -> MemoryEngine:
    segmenter = Segmenter()
    segmenter.load([b for b in BRANDS if b] + NOUNS)
    engine = MemoryEngine(segmenter)
    docs = _catalog()
    engine.upsert(docs[:300])
    engine.upsert(docs[300:])
    engine.remove([d.id for d in docs[::13]])  # free rows, then reused
    engine.upsert(docs[::26])
    return engine


@pytest.fixture(autouse=True)
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "RELEVANCE_POOL", POOL)
    monkeypatch.setattr(hybrid_module, "RELEVANCE_POOL", POOL)


# -- the reference: one product at a time --------------------------------------------------------


def _ids(engine: MemoryEngine, table: str, term: str) -> set[int]:
    posting = (engine.words if table == "w" else engine.grams).get(term, set())
    return set(engine.product_ids(np.array(sorted(posting), np.int64)).tolist())


def _match(engine: MemoryEngine, clauses: list[Clause]) -> tuple[set[int], bool]:
    if not clauses:
        return set(), False
    sets = [set().union(*(_ids(engine, t, w) for t, w, _ in c.alternatives)) for c in clauses]
    found = set.intersection(*sets)
    if found or len(sets) < 2:
        return found, False
    counts = Counter(i for ids in sets for i in ids)
    return {i for i, n in counts.items() if n >= len(sets) - 1}, True


def _score(engine: MemoryEngine, clauses: list[Clause], text: str, doc: Doc) -> int:
    total = 0
    constant = 0.0
    for clause in clauses:
        if len({a[2] for a in clause.alternatives}) <= 1:
            constant += max((a[2] for a in clause.alternatives), default=0.0)
            continue
        for table, term, weight in sorted(clause.alternatives, key=lambda a: -a[2]):
            if doc.id in _ids(engine, table, term):
                total += round(weight * 1000)
                break
    total += round(constant * 1000)
    compact = text.replace(" ", "") or "\0"
    if compact in doc.norm_title:
        total += 700 if doc.norm_title.startswith(compact) else 500
    return total


def _sort_key(doc: Doc, sort: SearchSort) -> tuple[int, int, int]:
    return {
        "relevance": (0, -doc.sales_count, -doc.id),
        "sales": (-doc.sales_count, 0, -doc.id),
        "price_asc": (doc.price, 0, -doc.id),
        "price_desc": (-doc.price, 0, -doc.id),
        "new": (-doc.created, 0, -doc.id),
    }[sort]


def _facets(docs: list[Doc]) -> dict[str, Any]:
    def common(counter: Counter[Any]) -> list[tuple[Any, int]]:
        return sorted(counter.items(), key=lambda vn: (-vn[1], vn[0]))[:FACET_SIZE]

    brands = Counter(d.brand for d in docs if d.brand)
    bounds = [*PRICE_BUCKETS, None]
    categories = Counter(d.category_id for d in docs)
    prices = Counter(sum(d.price >= b for b in PRICE_BUCKETS[1:]) for d in docs)
    return {
        "categories": [{"id": c, "count": n} for c, n in common(categories)],
        "brands": [{"name": b, "count": n} for b, n in common(brands)],
        "price_ranges": [
            {"min": bounds[i], "max": bounds[i + 1], "count": prices[i]}
            for i in range(len(PRICE_BUCKETS))
            if prices[i]
        ],
        "in_stock": sum(d.in_stock for d in docs),
        "flash_sale": sum(d.flash for d in docs),
    }


def _accepts(doc: Doc, filters: Filters) -> bool:
    return filters.accepts(doc)


def _page(
    keyed: list[tuple[tuple[int, int, int], Doc]], after: tuple[int, int, int] | None, limit: int
) -> tuple[list[tuple[int, tuple[int, int, int]]], bool]:
    keyed = sorted(kd for kd in keyed if after is None or kd[0] > after)
    return [(d.id, k) for k, d in keyed[:limit]], len(keyed) > limit


def _best_sellers(docs: list[Doc]) -> list[Doc]:
    return sorted(docs, key=lambda d: (d.sales_count, d.id), reverse=True)[:POOL]


def _reference(
    engine: MemoryEngine,
    q: str,
    *,
    filters: Filters,
    sort: SearchSort,
    after: tuple[int, int, int] | None,
    limit: int,
) -> tuple[list[tuple[int, tuple[int, int, int]]], bool, int, dict[str, Any], bool]:
    clauses = engine.plan(q)
    ids, relaxed = _match(engine, clauses)
    candidates = [engine.docs[i] for i in ids if _accepts(engine.docs[i], filters)]
    if sort == "relevance":
        keyed = [
            ((-_score(engine, clauses, normalize(q), d), -d.sales_count, -d.id), d)
            for d in _best_sellers(candidates)
        ]
    else:
        keyed = [(_sort_key(d, sort), d) for d in candidates]
    hits, more = _page(keyed, after, limit)
    return hits, more, len(candidates), _facets(candidates), relaxed


def _pages(engine: MemoryEngine, q: str, filters: Filters, sort: SearchSort) -> Iterator[Any]:
    after = None
    for _ in range(3):
        result = engine.search(
            q,
            filters=filters,
            sort=sort,
            after=after,
            limit=7,
            facets=True,
        )
        yield after, result
        if not result.has_more:
            return
        after = result.hits[-1].key


# -- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", QUERIES)
def test_search_matches_the_reference(engine: MemoryEngine, q: str) -> None:
    for filters in FILTERS:
        for sort in SORTS:
            for after, result in _pages(engine, q, filters, sort):
                hits, more, total, facets, relaxed = _reference(
                    engine, q, filters=filters, sort=sort, after=after, limit=7
                )
                assert [(h.doc.id, h.key) for h in result.hits] == hits, (q, filters, sort)
                assert all(type(v) is int for h in result.hits for v in h.key)
                assert (result.has_more, result.total, result.relaxed) == (more, total, relaxed)
                assert result.facets == facets


def test_the_pool_is_the_best_sellers(engine: MemoryEngine) -> None:
    result = engine.search(
        "家用", filters=Filters(), sort="relevance", after=None, limit=500, facets=False
    )
    assert result.total > POOL
    expected = {d.id for d in _best_sellers([d for d in engine.docs.values() if "家用" in d.title])}
    assert {h.doc.id for h in result.hits} == expected


@pytest.mark.parametrize("sort", SORTS)
def test_browse_matches_the_reference(engine: MemoryEngine, sort: SearchSort) -> None:
    for filters in FILTERS:
        result = engine.browse(filters=filters, sort=sort, after=(0, -5, -700), limit=9)
        docs = [d for d in engine.docs.values() if filters.accepts(d)]
        hits, more = _page([(_sort_key(d, sort), d) for d in docs], (0, -5, -700), 9)
        assert [(h.doc.id, h.key) for h in result.hits] == hits
        assert (result.has_more, result.total) == (more, len(docs))


def test_flags_reach_filters_and_facets() -> None:
    segmenter = Segmenter()
    segmenter.load([])
    engine = MemoryEngine(segmenter)
    engine.upsert(_catalog(20))
    doc = engine.docs[7]
    stocked = Filters(in_stock=True)
    engine.set_flags(7, in_stock=False, flash=True)
    engine.set_flags(999_999, in_stock=True)  # not indexed: nothing
    assert (doc.in_stock, doc.flash) == (False, True)
    found = engine.browse(filters=stocked, sort="new", after=None, limit=50)
    assert 7 not in {h.doc.id for h in found.hits}
    engine.set_flags(7, in_stock=True)
    found = engine.browse(filters=stocked, sort="new", after=None, limit=50)
    assert 7 in {h.doc.id for h in found.hits}
    assert engine.browse(filters=Filters(flash=True), sort="new", after=None, limit=50).total == (
        sum(d.flash for d in engine.docs.values())
    )


def test_a_changed_index_is_planned_again() -> None:
    segmenter = Segmenter()
    segmenter.load([])
    engine = MemoryEngine(segmenter)
    docs = _catalog(30)
    engine.upsert(docs)
    assert engine.plan("xiyiij") == engine.plan("xiyiij")
    washers = [d.id for d in docs if "洗衣机" in d.title]
    engine.remove(washers)
    assert (
        engine.search(
            "xiyiij", filters=Filters(), sort="relevance", after=None, limit=5, facets=False
        ).hits
        == []
    )
    engine.upsert([d for d in docs if d.id in washers])
    found = engine.search(
        "xiyiij", filters=Filters(), sort="relevance", after=None, limit=50, facets=False
    )
    assert {h.doc.id for h in found.hits} == set(washers)


# -- hybrid --------------------------------------------------------------------------------------


def _hybrid_reference(
    engine: MemoryEngine,
    text: str,
    *,
    index: VectorIndex,
    query: Any,
    settings: HybridSettings,
    filters: Filters,
    sort: SearchSort,
) -> tuple[list[tuple[int, tuple[int, int, int]]], bool, int]:
    clauses = engine.plan(text)
    lexical, relaxed = _match(engine, clauses)
    sims = index.similarities(query)
    recall: set[int] = set()
    top = index.top(sims, settings.recall_k)
    if top and top[0][1] >= settings.recall_min:
        cut = max(settings.recall_floor, top[0][1] - settings.recall_margin)
        if lexical and not relaxed:
            cut = max(cut, settings.recall_min_lexical)
        recall = {pid for pid, sim in top if sim >= cut}
    candidates = [
        d for d in map(engine.docs.get, lexical | recall) if d is not None and filters.accepts(d)
    ]
    if sort != "relevance":
        hits, more = _page([(_sort_key(d, sort), d) for d in candidates], None, 7)
        return hits, more, len(candidates)
    pool = candidates
    if len(pool) > POOL:
        pool = _best_sellers(pool)
        pool += [d for d in candidates if d.id in recall and d not in pool]
    most = max((d.sales_count for d in pool), default=0)
    span = settings.sim_ceiling - settings.sim_floor

    def score(doc: Doc) -> int:
        total = 0.0
        if doc.id in lexical:
            total += settings.lexical * _score(engine, clauses, text, doc) / 1000
        row = index.rows.get(doc.id)
        if row is not None:
            closeness = (float(sims[row]) - settings.sim_floor) / span
            total += settings.semantic * min(1.0, max(0.0, closeness))
        if most > 0:
            total += settings.popularity * math.log1p(doc.sales_count) / math.log1p(most)
        total += settings.in_stock * doc.in_stock
        return round(total * 1000)

    hits, more = _page([((-score(d), -d.sales_count, -d.id), d) for d in pool], None, 7)
    return hits, more, len(candidates)


@pytest.mark.parametrize("q", [*QUERIES, "露营的帐篷", "适合做饭的锅"])
def test_hybrid_matches_the_reference(engine: MemoryEngine, q: str) -> None:
    fake = FakeEmbedder(dim=96)
    index = VectorIndex(fake.dim)
    docs = sorted(engine.docs.values(), key=lambda d: d.id)
    for doc, vec in zip(docs[::2], fake.embed_passages([d.title for d in docs[::2]]), strict=True):
        index.upsert(doc.id, vec, "h")
    settings = HybridSettings(recall_min=0.3, recall_floor=0.3, recall_margin=0.3, sim_floor=0.2)
    query = fake.embed_queries([q])[0]
    for filters in FILTERS[:5]:
        for sort in SORTS:
            result = hybrid_module.search(
                engine, normalize(q), index=index, query=query, settings=settings,
                filters=filters, sort=sort, after=None, limit=7, facets=False,
            )  # fmt: skip
            hits, more, total = _hybrid_reference(
                engine, normalize(q), index=index, query=query, settings=settings,
                filters=filters, sort=sort,
            )  # fmt: skip
            assert [(h.doc.id, h.key) for h in result.hits] == hits, (q, filters, sort)
            assert (result.has_more, result.total) == (more, total)


def test_index_words_follow_added_words() -> None:
    segmenter = Segmenter()
    segmenter.load([])
    before = segmenter.index_words("喵咔锅牌帐篷")
    assert "喵咔锅" not in before
    assert segmenter.index_words("喵咔锅牌帐篷") == before  # remembered
    segmenter.add_words(["喵咔锅"])
    assert "喵咔锅" in segmenter.index_words("喵咔锅牌帐篷")
