"""Semantic search's pure parts, no database and no model: quantisation, the vector matrix, the
query cache, the fake embedder, the blend (with the fake), and the query-embedding timeout."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pytest

from shoplet.modules.experiments.assignment import SLOT_ARM_KEYS
from shoplet.modules.search import ranking
from shoplet.modules.search.engine import Doc, Filters, MemoryEngine
from shoplet.modules.search.hybrid import HybridSettings, search
from shoplet.modules.search.semantic import (
    FakeEmbedder,
    Matrix,
    QueryCache,
    VectorIndex,
    dequantize,
    passage_text,
    quantize,
    text_hash,
)
from shoplet.modules.search.text import Segmenter
from shoplet.modules.search.vectors import SemanticRuntime


def test_int8_quantisation_keeps_cosine() -> None:
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(200):
        v = rng.normal(size=384).astype(np.float32)
        v /= np.linalg.norm(v)
        data, scale = quantize(v)
        assert len(data) == 384
        back = dequantize(data, scale)
        cos = float(back @ v / np.linalg.norm(back))
        worst = max(worst, 1 - cos)
    assert worst < 1e-3


def test_vector_index_upsert_remove_grow_and_top() -> None:
    index = VectorIndex(3, capacity=2)
    basis = np.eye(3, dtype=np.float32)
    for pid in range(1, 6):
        index.upsert(pid, basis[pid % 3], f"h{pid}")
    assert len(index) == 5
    index.remove([3, 99])
    assert 3 not in index
    assert len(index) == 4
    index.upsert(7, basis[1], "h7")  # re-uses the freed row
    assert len(index.ids) == 8
    sims = index.similarities(basis[1])
    top = index.top(sims, 3)
    assert {pid for pid, _ in top[:3]} == {1, 4, 7}
    assert all(sim == pytest.approx(1.0) for _, sim in top)
    index.upsert(1, basis[0], "h1b")
    assert index.hashes[1] == "h1b"
    assert index.top(index.similarities(basis[0]), 1)[0][0] in {1, 5}
    assert VectorIndex(3).top(np.zeros(0, np.float32), 5) == []


def test_query_cache_drops_least_recently_used() -> None:
    cache = QueryCache(size=2)
    a, b, c = (np.full(2, i, np.float32) for i in range(3))
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a
    cache.put("c", c)
    assert cache.get("b") is None
    assert cache.get("a") is a
    assert len(cache) == 2


def test_fake_embedder_and_passage_text() -> None:
    fake = FakeEmbedder()
    one, two = fake.embed_queries(["连衣裙", "连衣裙"]), fake.embed_passages(["连衣裙"])
    assert np.allclose(one[0], two[0])
    assert np.linalg.norm(one[0]) == pytest.approx(1.0)
    assert passage_text(["雪纺 连衣裙", "", "服饰", "服饰", "夏季"]) == "雪纺 连衣裙 服饰 夏季"
    assert len(passage_text(["长" * 500])) == 200
    assert text_hash("a") == text_hash("a") != text_hash("b")


def _doc(pid: int, title: str, sales: int = 0) -> Doc:
    return Doc(
        id=pid, title=title, subtitle="", image=None, image_set=None, price=100,
        original_price=100, sales_count=sales, category_id=1, category_ids=(1,), brand="",
        in_stock=True, flash=False, created=pid, texts=(title,),
    )  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> MemoryEngine:
    segmenter = Segmenter()
    segmenter.load([])
    engine = MemoryEngine(segmenter)
    engine.upsert(
        [_doc(1, "美的电饭煲"), _doc(2, "雪纺碎花连衣裙", sales=9), _doc(3, "碎花连衣裙 长款")]
    )
    return engine


def _index(engine: MemoryEngine, fake: FakeEmbedder) -> VectorIndex:
    index = VectorIndex(fake.dim)
    docs = list(engine.docs.values())
    for doc, vec in zip(docs, fake.embed_passages([d.title for d in docs]), strict=True):
        index.upsert(doc.id, vec, "h")
    return index


def test_hybrid_recalls_what_the_lexical_engine_missed(engine: MemoryEngine) -> None:
    fake = FakeEmbedder(dim=512)
    index = _index(engine, fake)
    settings = HybridSettings(recall_min=0.2, recall_floor=0.2, recall_margin=0.5, sim_floor=0.0)
    q = "花裙子"  # no word of any title; shares characters with the two dresses
    lexical = engine.search(
        q, filters=Filters(), sort="relevance", after=None, limit=5, facets=True
    )
    found = search(
        engine, q, index=index, query=fake.embed_queries([q])[0], settings=settings,
        filters=Filters(), sort="relevance", after=None, limit=5, facets=True,
    )  # fmt: skip
    assert lexical.total == 0
    assert {h.doc.id for h in found.hits} == {2, 3}
    assert found.facets is not None
    assert found.facets["categories"][0]["count"] == found.total
    # No vector: exactly the lexical engine's answer.
    same = search(
        engine, "电饭煲", index=index, query=None, settings=settings, filters=Filters(),
        sort="relevance", after=None, limit=5, facets=False,
    )  # fmt: skip
    assert [h.doc.id for h in same.hits] == [1]
    # A precise lexical query keeps its first result.
    blended = search(
        engine, "电饭煲", index=index, query=fake.embed_queries(["电饭煲"])[0],
        settings=settings, filters=Filters(), sort="relevance", after=None, limit=5,
        facets=False,
    )  # fmt: skip
    assert blended.hits[0].doc.id == 1


def test_ranking_presets_change_the_weights_and_agree_with_the_experiment_slot(
    engine: MemoryEngine,
) -> None:
    base = HybridSettings(recall_min=0.2, recall_floor=0.2, recall_margin=0.5, sim_floor=0.0)
    assert ranking.settings_for(base, "default") is base
    assert ranking.settings_for(base, "unknown") is base
    assert ranking.settings_for(base, "semantic").semantic > base.semantic
    assert ranking.settings_for(base, "popular").popularity > base.popularity
    assert set(ranking.RANKINGS) == SLOT_ARM_KEYS[ranking.EXPERIMENT_SLOT]
    fake = FakeEmbedder(dim=512)
    index = _index(engine, fake)
    q = "花裙子"  # found by meaning only
    found = {
        name: search(
            engine,
            q,
            index=index,
            query=fake.embed_queries([q])[0],
            settings=ranking.settings_for(base, name),
            filters=Filters(),
            sort="relevance",
            after=None,
            limit=5,
            facets=False,
        )
        for name in ranking.RANKINGS
    }
    assert {h.doc.id for h in found["default"].hits} == {2, 3}
    assert found["lexical"].total == 0  # no semantic recall: the lexical engine's answer
    scores = {name: {h.doc.id: -h.key[0] for h in r.hits} for name, r in found.items()}
    # Popularity weighs more: the best seller (9 sales) gains, the unsold dress does not.
    assert scores["popular"][2] > scores["default"][2]
    assert scores["popular"][3] == scores["default"][3]
    # Meaning weighs more: both dresses gain.
    assert scores["semantic"][3] > scores["default"][3]


class _Slow(FakeEmbedder):
    def embed_queries(self, texts: Sequence[str]) -> Matrix:
        time.sleep(0.3)
        return super().embed_queries(texts)


async def test_a_slow_query_embedding_answers_lexically() -> None:
    lexical: Any = type("Lexical", (), {"listeners": [], "engine": None})()
    runtime = SemanticRuntime(cast(Any, None), lexical, settings=HybridSettings(query_timeout=0.05))
    runtime.embedder = _Slow()
    runtime.index = VectorIndex(64)
    started = time.perf_counter()
    await runtime.prepare("夏天穿的凉快裙子")
    assert time.perf_counter() - started < 0.25
    assert runtime.query_vector("夏天穿的凉快裙子") is None
    runtime.settings = HybridSettings()
    await runtime.prepare("夏天穿的凉快裙子")
    assert runtime.query_vector("夏天穿的凉快裙子") is not None
    disabled = SemanticRuntime(cast(Any, None), lexical, settings=HybridSettings(enabled=False))
    disabled.embedder, disabled.index = FakeEmbedder(), VectorIndex(64)
    await disabled.prepare("裙子")
    assert disabled.query_vector("裙子") is None
