"""Hybrid ranking: the lexical engine's matches and score, blended with semantic similarity,
popularity and context; semantic recall adds products the lexical engine missed
(``适合送女朋友的礼物`` has no word of any title). Pure: no database, no model call (the query
vector was computed before, in a thread: ``vectors.SemanticRuntime.prepare``).

Score of a candidate (relevance sort), every weight in ``HybridSettings``::

    lexical × (the lexical score: 1.0 a typed word, 0.85 pinyin, … +0.5 query in the title)
  + semantic × clamp((cosine − sim_floor) / (sim_ceiling − sim_floor), 0, 1)
  + popularity × log(1 + sales) / log(1 + the most sales among the candidates)
  + in_stock × (1 when the product has stock)

A semantic-only candidate (no lexical match) is one of the ``recall_k`` nearest products, and
only when the nearest reaches ``recall_min`` (a query the catalog has nothing for — ``asdfgh``,
``天气怎么样`` — adds nothing), within ``recall_margin`` of the nearest and above
``recall_floor`` — and above ``recall_min_lexical`` when the lexical engine matched every word
of the query (look-alikes such as 电饭锅 for 电饭煲 stay out). With the default weights a
semantic-only product (at most 0.6 + 0.15 + 0.1) stays below a product matching a typed word
(≥ 1.0), so lexical queries keep their order.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shoplet.modules.search.engine import (
    RELEVANCE_POOL,
    Doc,
    Filters,
    Hit,
    MemoryEngine,
    Result,
    SearchSort,
)
from shoplet.modules.search.engine import _sort_key as sort_key
from shoplet.modules.search.semantic import VectorIndex


@dataclass(frozen=True, slots=True)
class HybridSettings:
    """Every knob of semantic search in one object (A/B tests swap it per request later).

    Similarities are e5-small cosines: unrelated Chinese texts score ~0.80, a good match
    0.87–0.92 — hence the floor/ceiling and recall thresholds (measured on the test catalog,
    docs/search.md). Context signals used: stock only; the catalog has no region or season
    per product, so the shopper's region and the season are not signals yet."""

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
) -> Result:
    """``engine.search`` with semantic recall and the blended score; the engine's own search
    when there is no query vector or no index (model not loaded yet, disabled)."""
    if query is None or index is None or not len(index) or not settings.enabled:
        return engine.search(
            text, filters=filters, sort=sort, after=after, limit=limit, facets=facets
        )
    clauses = engine.plan(text)
    lexical_ids, relaxed = engine.match(clauses)
    lexical_score = engine._scorer(clauses, text)
    sims = index.similarities(query)
    recall: set[int] = set()
    top = index.top(sims, settings.recall_k)
    if top and top[0][1] >= settings.recall_min:
        cut = max(settings.recall_floor, top[0][1] - settings.recall_margin)
        if lexical_ids and not relaxed:
            cut = max(cut, settings.recall_min_lexical)
        recall = {pid for pid, sim in top if sim >= cut}
    docs = engine.docs
    candidates = [
        d for d in map(docs.get, lexical_ids | recall) if d is not None and filters.accepts(d)
    ]
    if sort == "relevance":
        # As the lexical engine: past RELEVANCE_POOL matches, its best sellers are ranked (the
        # same pool on every page), and every semantic candidate with them.
        pool = candidates
        if len(pool) > RELEVANCE_POOL:
            pool = heapq.nlargest(RELEVANCE_POOL, pool, key=lambda d: d.sales_count)
            pooled = {d.id for d in pool}
            pool += [d for d in candidates if d.id in recall and d.id not in pooled]
        most = max((d.sales_count for d in pool), default=0)
        span = settings.sim_ceiling - settings.sim_floor
        rows = index.rows

        def score(doc: Doc) -> int:
            total = 0.0
            if doc.id in lexical_ids:
                total += settings.lexical * lexical_score(doc) / 1000
            row = rows.get(doc.id)
            if row is not None:
                closeness = (float(sims[row]) - settings.sim_floor) / span
                total += settings.semantic * min(1.0, max(0.0, closeness))
            if most > 0:
                total += settings.popularity * math.log1p(doc.sales_count) / math.log1p(most)
            total += settings.in_stock * doc.in_stock
            return round(total * 1000)

        keyed = [(sort_key(d, sort, score(d)), d) for d in pool]
    else:
        keyed = [(sort_key(d, sort, 0), d) for d in candidates]
    if after is not None:
        keyed = [kd for kd in keyed if kd[0] > after]
    page = heapq.nsmallest(limit + 1, keyed, key=lambda kd: kd[0])
    corrected = None
    if lexical_ids:
        understood = " ".join(
            "".join(c.text if not c.latin else f" {c.text} " for c in clauses).split()
        )
        typed = " ".join(text.split())
        if any(not c.exact for c in clauses) and understood and understood != typed:
            corrected = understood
    return Result(
        hits=[Hit(d, k) for k, d in page[:limit]],
        has_more=len(page) > limit,
        total=len(candidates),
        facets=engine._facets(candidates) if facets else None,
        corrected_query=corrected,
        relaxed=relaxed,
    )
