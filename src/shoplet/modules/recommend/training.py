"""Training: from shoppers' signals to the rows the serving tables hold. Pure (no I/O), CPU-bound:
the job runs it in a thread so the worker's event loop keeps relaying events meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shoplet.modules.recommend import algorithms as algo
from shoplet.modules.recommend import context, sessions

# numpy and scipy load when training runs, not when the API imports the module.
if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

PAIRS_PER_PRODUCT = 100
POPULAR_PER_REGION = 200
POPULAR_HALF_LIFE_DAYS = 14.0
ALL_REGIONS = "all"


@dataclass(frozen=True, slots=True)
class Signal:
    """One shopper's interest in one product: ``source`` is a key of ``algorithms.WEIGHTS``;
    ``region`` the province (``440000``) of a purchase's delivery address, else ``None``."""

    member_id: int
    product_id: int
    at: datetime
    source: str
    region: str | None = None


@dataclass(slots=True)
class Trained:
    model: str = ""
    shoppers: int = 0
    products: int = 0
    interactions: int = 0
    personal: list[tuple[int, int, float]] = field(default_factory=list)
    viewed: list[tuple[int, int, float]] = field(default_factory=list)
    pairs: list[tuple[int, int, int]] = field(default_factory=list)
    items: list[tuple[int, int]] = field(default_factory=list)
    popular: list[tuple[str, int, float]] = field(default_factory=list)


def province(region_code: str) -> str | None:
    """``440305`` → ``440000``; anything not a 6-digit code → ``None``."""
    if len(region_code) == 6 and region_code.isdigit():
        return region_code[:2] + "0000"
    return None


Progress = Callable[[str, int], None]


def _neighbor_rows(
    index: algo.Index,
    weights: np.ndarray | sparse.spmatrix,
) -> list[tuple[int, int, float]]:
    rows: list[tuple[int, int, float]] = []
    for col, best in enumerate(algo.top_neighbors(weights)):
        product = int(index.items[col])
        rows.extend((product, int(index.items[j]), round(s, 6)) for j, s in best)
    return rows


def _matrix(index: algo.Index, signals: Sequence[Signal]) -> sparse.csr_matrix:
    return algo.interaction_matrix(
        index,
        [s.member_id for s in signals],
        [s.product_id for s in signals],
        [algo.WEIGHTS.get(s.source, 1.0) for s in signals],
    )


def _purchase_counts(
    index: algo.Index, bought: sparse.csr_matrix
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    import numpy as np
    from scipy import sparse

    binary = sparse.csr_matrix(bought, copy=True)
    binary.data[:] = 1.0
    co = sparse.csr_matrix(binary.T @ binary)
    co.setdiag(0)
    co.eliminate_zeros()
    counts = np.asarray(binary.sum(axis=0)).ravel()
    pairs: list[tuple[int, int, int]] = []
    for col in range(co.shape[0]):
        start, end = co.indptr[col], co.indptr[col + 1]
        others, values = co.indices[start:end], co.data[start:end]
        order = np.lexsort((others, -values))[:PAIRS_PER_PRODUCT]
        product = int(index.items[col])
        pairs.extend((product, int(index.items[others[j]]), int(values[j])) for j in order)
    items = [(int(index.items[c]), int(n)) for c, n in enumerate(counts) if n > 0]
    return pairs, items


def _popular(signals: Sequence[Signal], now: datetime) -> list[tuple[str, int, float]]:
    scores: dict[str, dict[int, float]] = {}
    for s in signals:
        if s.source != "order":
            continue
        age = max((now - s.at).total_seconds() / 86400.0, 0.0)
        decayed = 0.5 ** (age / POPULAR_HALF_LIFE_DAYS)
        for region in (ALL_REGIONS, s.region):
            if region is not None:
                bucket = scores.setdefault(region, {})
                bucket[s.product_id] = bucket.get(s.product_id, 0.0) + decayed
    rows: list[tuple[str, int, float]] = []
    for region, bucket in sorted(scores.items()):
        ranked = sorted(bucket.items(), key=lambda kv: (-kv[1], kv[0]))[:POPULAR_PER_REGION]
        rows.extend((region, product, round(score, 6)) for product, score in ranked)
    return rows


def train(
    signals: Sequence[Signal],
    *,
    now: datetime,
    progress: Progress | None = None,
    views: Sequence[sessions.View] = (),
) -> Trained:
    """Every model from ``signals``: ``personal`` (EASE up to ``EASE_MAX_ITEMS`` products, else
    item cosine) over all of them, ``viewed`` (cosine) over carts, favourites and views,
    co-purchase counts, regional popularity and the context priors over orders; where product
    views form sessions, a product's ``viewed`` neighbours are its session transitions
    (``sessions.py``) instead."""
    report = progress or (lambda stage, percent: None)
    out = Trained()
    table = sessions.transitions(sessions.split_sessions(views))
    out.viewed = sessions.rows(table)
    if not signals:
        report("nothing to learn from", 100)
        return out
    index = algo.Index.of((s.member_id for s in signals), (s.product_id for s in signals))
    everything = _matrix(index, signals)
    out.shoppers, out.products, out.interactions = (
        len(index.users),
        len(index.items),
        int(everything.nnz),
    )
    report("personal model", 20)
    if len(index.items) <= algo.EASE_MAX_ITEMS:
        out.model = "ease"
        out.personal = _neighbor_rows(index, algo.ease(everything))
    else:
        out.model = "cosine"
        out.personal = _neighbor_rows(index, algo.cosine(everything))
    report("看了又看", 55)
    browsing = [s for s in signals if s.source != "order"]
    if browsing:
        cosine = _neighbor_rows(index, algo.cosine(_matrix(index, browsing)))
        out.viewed += [row for row in cosine if row[0] not in table]
    report("买了还买", 70)
    bought = [s for s in signals if s.source == "order"]
    if bought:
        out.pairs, out.items = _purchase_counts(index, _matrix(index, bought))
    report("热销", 85)
    out.popular = _popular(bought, now)
    # The context priors (本地热卖 / 当季热卖 / 时下热卖) share the popularity table under
    # their own keys (``r440000``, ``s1``, ``h4``: context.py).
    out.popular += context.learn((s.product_id, context.keys_at(s.at, s.region)) for s in bought)
    return out
