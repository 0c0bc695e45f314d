"""Hybrid ranking: the lexical engine's matches and score, blended with semantic similarity,
popularity and context; semantic recall adds products the lexical engine missed
(``适合送女朋友的礼物`` has no word of any title). Pure: no database, no model call (the query
vector was computed before, in a thread: ``vectors.SemanticRuntime.prepare``).

Score of a candidate (relevance sort), every weight in ``HybridSettings``::

    lexical × (the lexical score: 1.0 a typed word, 0.85 pinyin, … +0.5 query in the title)
  + semantic × clamp((cosine − sim_floor) / (sim_ceiling − sim_floor), 0, 1)
  + popularity × log(1 + sales) / log(1 + the most sales among the candidates)
  + in_stock × (1 when the product has stock)
  + the shopper's context boost (``context.py``: at most its weight, 0 when switched off)

A semantic-only candidate (no lexical match) is one of the ``recall_k`` nearest products, and
only when the nearest reaches ``recall_min`` (a query the catalog has nothing for — ``asdfgh``,
``天气怎么样`` — adds nothing), within ``recall_margin`` of the nearest and above
``recall_floor`` — and above ``recall_min_lexical`` when the lexical engine matched every word
of the query (look-alikes such as 电饭锅 for 电饭煲 stay out). With the default weights a
semantic-only product (at most 0.6 + 0.15 + 0.1) stays below a product matching a typed word
(≥ 1.0), so lexical queries keep their order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shoplet.modules.search.engine import (
    RELEVANCE_POOL,
    Boost,
    Filters,
    MemoryEngine,
    Result,
    Rows,
    SearchSort,
)
from shoplet.modules.search.planner import Clause
from shoplet.modules.search.semantic import VectorIndex


@dataclass(frozen=True, slots=True)
class HybridSettings:
    """Every knob of semantic search in one object (A/B tests swap it per request later).

    Similarities are e5-small cosines: unrelated Chinese texts score ~0.80, a good match
    0.87–0.92 — hence the floor/ceiling and recall thresholds (measured on the test catalog,
    docs/search.md). Context signals: stock here; the shopper's province, season and hour
    come as a ``context.Boost`` beside these settings (``SHOPLET_SEARCH_CONTEXT_WEIGHT``)."""

    enabled: bool = True
    lexical: float = 1.0
    semantic: float = 0.6
    popularity: float = 0.15
    in_stock: float = 0.1
    sim_floor: float = 0.80
    sim_ceiling: float = 0.95
    recall_k: int = 50
    recall_min: float = 0.87
    recall_floor: float = 0.86
    recall_margin: float = 0.03
    # When the lexical engine matched every word, semantic-only products join only above this
    # (near-duplicates): a precise query keeps its precise result set (电饭锅 stays out of 电饭煲).
    recall_min_lexical: float = 0.92
    # A query embedding slower than this (a busy machine) answers lexically.
    query_timeout: float = 1.0


def search(
    engine: MemoryEngine,
    text: str,
    *,
    index: VectorIndex | None,
    query: npt.NDArray[np.float32] | None,
    settings: HybridSettings,
    filters: Filters,
    sort: SearchSort,
    after: tuple[int, int, int] | None,
    limit: int,
    facets: bool,
    boost: Boost | None = None,
) -> Result:
    """``engine.search`` with semantic recall and the blended score; the engine's own search
    when there is no query vector or no index (model not loaded yet, disabled). ``boost``: the
    shopper's context (×1000, added to the relevance score)."""
    if query is None or index is None or not len(index) or not settings.enabled:
        return engine.search(
            text,
            filters=filters,
            sort=sort,
            after=after,
            limit=limit,
            facets=facets,
            boost=boost,
        )
    clauses = engine.plan(text)
    lexical, relaxed = engine.match_rows(clauses)
    sims = index.similarities(query)
    recall: Rows = np.zeros(0, np.int64)
    top = index.top(sims, settings.recall_k)
    if top and top[0][1] >= settings.recall_min:
        cut = max(settings.recall_floor, top[0][1] - settings.recall_margin)
        if len(lexical) and not relaxed:
            cut = max(cut, settings.recall_min_lexical)
        recall = engine.rows_of(pid for pid, sim in top if sim >= cut)
    candidates = engine.filter_rows(np.union1d(lexical, recall), filters)
    if sort == "relevance":
        # As the lexical engine: past RELEVANCE_POOL matches, its best sellers are ranked (the
        # same pool on every page), and every semantic candidate with them.
        pool = engine.best_sellers(candidates, RELEVANCE_POOL)
        if len(pool) < len(candidates):
            pool = np.union1d(pool, np.intersect1d(candidates, recall, assume_unique=True))
        ids, sales = engine.product_ids(pool), engine.sales(pool)
        keys = (
            -_scores(
                engine,
                text,
                clauses,
                lexical=lexical,
                pool=pool,
                sims=sims,
                index=index,
                settings=settings,
                boost=boost,
            ),
            -sales,
            -ids,
        )
        hits, has_more = engine.page(pool, keys, after, limit)
    else:
        hits, has_more = engine.page(candidates, engine.sort_keys(candidates, sort), after, limit)
    corrected = None
    if len(lexical):
        understood = " ".join(
            "".join(c.text if not c.latin else f" {c.text} " for c in clauses).split()
        )
        typed = " ".join(text.split())
        if any(not c.exact for c in clauses) and understood and understood != typed:
            corrected = understood
    return Result(
        hits=hits,
        has_more=has_more,
        total=len(candidates),
        facets=engine.facets(candidates) if facets else None,
        corrected_query=corrected,
        relaxed=relaxed,
    )


def _scores(
    engine: MemoryEngine,
    text: str,
    clauses: list[Clause],
    *,
    lexical: Rows,
    pool: Rows,
    sims: npt.NDArray[np.float32],
    index: VectorIndex,
    settings: HybridSettings,
    boost: Boost | None = None,
) -> npt.NDArray[np.int64]:
    """The blended score (module doc) of each row of ``pool``, ×1000 and rounded; the terms
    are added in the same order for every product, as floats."""
    total = np.zeros(len(pool), np.float64)
    is_lexical = np.isin(pool, lexical, assume_unique=True)
    lexical_scores = engine.scores(clauses, text, pool[is_lexical]).astype(np.float64)
    total[is_lexical] = settings.lexical * lexical_scores / 1000
    vectors = index.rows
    rows = np.array([vectors.get(pid, -1) for pid in engine.product_ids(pool).tolist()], np.int64)
    has_vector = rows >= 0
    closeness = (sims[rows[has_vector]].astype(np.float64) - settings.sim_floor) / (
        settings.sim_ceiling - settings.sim_floor
    )
    total[has_vector] += settings.semantic * np.clip(closeness, 0.0, 1.0)
    sales = engine.sales(pool).tolist()
    most = max(sales, default=0)
    if most > 0:
        # math.log1p, not np.log1p: the two differ in the last bit for some counts.
        logs = np.array([math.log1p(n) for n in sales], np.float64)
        total += settings.popularity * logs / math.log1p(most)
    total += settings.in_stock * engine.in_stock(pool).astype(np.float64)
    if boost is not None and len(boost):
        total += boost.of(engine.product_ids(pool)).astype(np.float64) / 1000
    scores: npt.NDArray[np.int64] = np.rint(total * 1000).astype(np.int64)
    return scores
