"""The recommendation models as pure functions over a shopper × product matrix (numpy/scipy).

No database and no I/O: the nightly training (``service.train``), the offline evaluation
(``evaluation.py``) and the bench call the same functions, so what is measured offline is what
serves. Rows are shoppers, columns products, values the interaction weights (``WEIGHTS``).

- **EASE** (Steck 2019, "Embarrassingly Shallow Autoencoders"): the item-item weight matrix
  ``B = I - P / diag(P)`` with ``P = (XᵀX + λI)⁻¹`` and a zero diagonal. One closed form, no
  iterations; it beat ALS and item cosine on every offline run we made on small catalogs
  (docs/recommend.md). Dense in items, so it is used up to ``EASE_MAX_ITEMS`` products; above,
  training falls back to item cosine.
- **Item cosine**: ``cos(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|)`` on binarised interactions
  ("买了还买" on orders, "看了又看" on carts and favourites).
- **Popularity**: weighted interaction counts, optionally decayed by age (half-life), ties by
  product id ascending.

Serving never multiplies the full matrix: training keeps each product's ``NEIGHBORS`` best
neighbours (``top_neighbors``), and a shopper's scores are the sum of the neighbours of what
they interacted with, weighted by how strongly and how recently (``score_from_neighbors``).

Recency (``recency_weights``): a shopper's row is weighted by the order of their interactions,
not by their age: the ``pos``-th of ``n`` products counts ``0.5 ** ((n - 1 - pos) / h)`` with
``h = RECENCY_HALF_LIFE`` interactions, so the last thing a shopper touched steers the scores
whether they shop daily or twice a year. The offline evaluation and the served profile use the
same function (docs/recommend.md has the measurements behind ``h``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# numpy and scipy load on first use (training, the evaluation, a served profile's recency
# weights), not when the API imports the module: ~0.5 s of a start-up's CPU.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy import sparse

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

EASE_LAMBDA = 200.0
EASE_MAX_ITEMS = 8000
NEIGHBORS = 50
# Half-life of a shopper's row, in interactions (``recency_weights``): measured on MovieLens 100k
# and the synthetic shop with 3, 5, 8 and 10 (docs/recommend.md).
RECENCY_HALF_LIFE = 3.0

# How much one interaction says about taste: a paid order most, a favourite (收藏) less, a cart
# line less again, a product view least ("views" has no source yet: analytics will provide it).
WEIGHTS: Mapping[str, float] = {"order": 3.0, "favorite": 2.0, "cart": 1.0, "view": 0.5}


@dataclass(frozen=True, slots=True)
class Index:
    """Dense row/column numbers for shopper and product ids (sorted ascending)."""

    users: IntArray
    items: IntArray

    @classmethod
    def of(cls, user_ids: Iterable[int], item_ids: Iterable[int]) -> Index:
        import numpy as np

        return cls(
            np.unique(np.fromiter(user_ids, dtype=np.int64)),
            np.unique(np.fromiter(item_ids, dtype=np.int64)),
        )

    def rows(self, user_ids: Sequence[int]) -> IntArray:
        import numpy as np

        return np.searchsorted(self.users, np.asarray(user_ids, dtype=np.int64))

    def cols(self, item_ids: Sequence[int]) -> IntArray:
        import numpy as np

        return np.searchsorted(self.items, np.asarray(item_ids, dtype=np.int64))


def interaction_matrix(
    index: Index,
    user_ids: Sequence[int],
    item_ids: Sequence[int],
    weights: Sequence[float] | None = None,
) -> sparse.csr_matrix:
    """Shopper × product matrix; repeated pairs keep their largest weight (a product bought
    twice says no more than once: implicit feedback is about whether, not how often)."""
    import numpy as np
    from scipy import sparse

    rows = index.rows(user_ids)
    cols = index.cols(item_ids)
    data = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=np.float64)
    shape = (len(index.users), len(index.items))
    if len(rows) == 0:
        return sparse.csr_matrix(shape, dtype=np.float64)
    order = np.lexsort((-data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((data[first], (rows[first], cols[first])), shape=shape)


def ease(x: sparse.spmatrix, lam: float = EASE_LAMBDA) -> FloatArray:
    """EASE's item-item weights ``B`` (items × items, zero diagonal); score a shopper by
    ``x_u @ B``. ``x`` should be binary or weighted implicit feedback."""
    import numpy as np

    n = x.shape[1]
    if n > EASE_MAX_ITEMS:
        raise ValueError(f"EASE is dense in items: {n} > {EASE_MAX_ITEMS}")
    gram = np.asarray((x.T @ x).todense(), dtype=np.float64)
    gram[np.diag_indices(n)] += lam
    p = np.linalg.inv(gram)
    b = p / (-np.diag(p))
    b[np.diag_indices(n)] = 0.0
    return b


def cosine(x: sparse.spmatrix) -> sparse.csr_matrix:
    """Item-item cosine over binarised interactions (sparse, zero diagonal)."""
    import numpy as np
    from scipy import sparse

    binary = sparse.csr_matrix(x, dtype=np.float64, copy=True)
    binary.data[:] = 1.0
    co = sparse.csr_matrix(binary.T @ binary)
    counts = np.asarray(binary.sum(axis=0)).ravel()
    norms = np.sqrt(np.maximum(counts, 1.0))
    inv = sparse.diags(1.0 / norms)
    sim = sparse.csr_matrix(inv @ co @ inv)
    sim.setdiag(0.0)
    sim.eliminate_zeros()
    return sim


def popularity(
    x: sparse.spmatrix, ages_days: FloatArray | None = None, half_life_days: float = 14.0
) -> FloatArray:
    """Per product: the number of shoppers who interacted (binary), or with ``ages_days`` (one
    age per stored entry of ``x`` in CSR order) each decayed by ``0.5 ** (age / half_life)``."""
    import numpy as np
    from scipy import sparse

    csr = sparse.csr_matrix(x)
    values = np.ones(csr.nnz)
    if ages_days is not None:
        values = np.power(0.5, np.asarray(ages_days, dtype=np.float64) / half_life_days)
    weighted = sparse.csr_matrix((values, csr.indices, csr.indptr), shape=csr.shape)
    return np.asarray(weighted.sum(axis=0), dtype=np.float64).ravel()


def rank_order(scores: FloatArray) -> IntArray:
    """Columns by score descending, ties by column ascending (= product id ascending, since
    ``Index`` sorts ids)."""
    import numpy as np

    return np.lexsort((np.arange(len(scores)), -scores)).astype(np.int64)


def top_neighbors(
    weights: FloatArray | sparse.spmatrix, k: int = NEIGHBORS
) -> list[list[tuple[int, float]]]:
    """For each item (row), its ``k`` best other items with a positive weight, best first, ties
    by column ascending: what training stores per product."""
    import numpy as np
    from scipy import sparse

    out: list[list[tuple[int, float]]] = []
    if sparse.issparse(weights):
        csr = sparse.csr_matrix(weights)
        for i in range(csr.shape[0]):
            start, end = csr.indptr[i], csr.indptr[i + 1]
            cols, vals = csr.indices[start:end], csr.data[start:end]
            keep = vals > 0
            cols, vals = cols[keep], vals[keep]
            order = np.lexsort((cols, -vals))[:k]
            out.append([(int(cols[j]), float(vals[j])) for j in order])
        return out
    dense = np.asarray(weights)
    for i in range(dense.shape[0]):
        row = dense[i]
        cand = np.flatnonzero(row > 0)
        if len(cand) > k:
            part = cand[np.argpartition(-row[cand], k - 1)[:k]]
            cutoff = row[part].min()
            cand = np.flatnonzero(row >= cutoff)
        order = np.lexsort((cand, -row[cand]))[:k]
        out.append([(int(cand[j]), float(row[cand[j]])) for j in order])
    return out


def score_from_neighbors(
    history: Mapping[int, float], neighbors: Mapping[int, Sequence[tuple[int, float]]]
) -> dict[int, float]:
    """A shopper's scores: for every product ``h`` in their history with weight ``w``, each
    stored neighbour ``(j, s)`` adds ``w * s``. Products of the history themselves score
    nothing (they are filtered by the caller anyway)."""
    scores: dict[int, float] = {}
    for item, weight in history.items():
        for other, sim in neighbors.get(item, ()):
            scores[other] = scores.get(other, 0.0) + weight * sim
    for item in history:
        scores.pop(item, None)
    return scores


def best(scores: Mapping[int, float], k: int, exclude: Iterable[int] = ()) -> list[int]:
    """The ``k`` best ids by score descending, ties by id ascending, none of ``exclude``."""
    skip = set(exclude)
    ranked = sorted(
        ((-s, i) for i, s in scores.items() if i not in skip and s > 0), key=lambda t: t
    )
    return [i for _, i in ranked[:k]]


def recency_weights(
    user_ids: Sequence[int],
    item_ids: Sequence[int],
    timestamps: Sequence[float],
    half_life: float = RECENCY_HALF_LIFE,
) -> FloatArray:
    """One weight per entry (one entry per shopper and product): ``0.5 ** ((n - 1 - pos) /
    half_life)`` where ``pos`` is the entry's place among its shopper's ``n`` entries ordered by
    ``(timestamp, item_id)``, so the latest counts 1, the one ``half_life`` before it ½. A
    ``half_life`` of 0 or less switches recency off (every weight 1)."""
    import numpy as np

    users = np.asarray(user_ids, dtype=np.int64)
    count = len(users)
    if half_life <= 0 or count == 0:
        return np.ones(count, dtype=np.float64)
    items = np.asarray(item_ids, dtype=np.int64)
    stamps = np.asarray(timestamps, dtype=np.float64)
    order = np.lexsort((items, stamps, users))
    ranked = users[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    sizes = np.diff(np.r_[starts, count])
    group = np.repeat(np.arange(len(starts)), sizes)
    position = np.arange(count) - starts[group]
    behind = sizes[group] - 1 - position
    out = np.empty(count, dtype=np.float64)
    out[order] = np.power(0.5, behind / half_life)
    return out
