"""Offline evaluation: leave-last-out hit rate and NDCG of a model against popularity.

Input: a CSV with the header ``user_id,item_id,timestamp`` (integer ids; the timestamp a number
of seconds or an ISO 8601 date-time), optionally followed by ``region`` (the shopper's GB/T 2260
code, ``440305`` or ``440000``, or empty). Per shopper, interactions are ordered by
``(timestamp, item_id)``; a product seen again keeps its first occurrence (implicit feedback
says whether, not how often). The last distinct product of every shopper with at least two is
held out; everything else (including shoppers with one product) is training. Each held-out
product is ranked among all products of the file that shopper did not see in training, by score
descending and ties by ``item_id`` ascending; ``HR@k`` counts a hit when its rank is at most
``k``, ``NDCG@k`` adds ``1 / log2(rank + 1)`` then. The popularity baseline scores a product by
the number of shoppers who have it in training (ties by ``item_id`` ascending, like the model).

Recency (``half_life``, default ``algorithms.RECENCY_HALF_LIFE`` as served; 0 = off): EASE and
item cosine are trained on the binary matrix, and each evaluated shopper's row is weighted by
``algorithms.recency_weights`` over their training interactions in time order before it is
multiplied by the item-item weights, as the served profile does.

With context (``context.py``): the same popularity blended with the priors ``context.learn``
draws from the training interactions (each at its own time and with its shopper's province),
scored for each held-out product at the moment it happened and in its shopper's province —
what the storefront's fill does. ``popularity_context`` is printed beside ``popularity``.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from shoplet.modules.recommend import algorithms as algo
from shoplet.modules.recommend import context

# numpy and scipy load when an evaluation runs, not when the API imports recommend.public.
if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

HEADER = ("user_id", "item_id", "timestamp")
HEADER_WITH_REGION = (*HEADER, "region")
MAX_ERRORS = 20
ModelName = Literal["ease", "cosine", "als"]
MODELS: tuple[ModelName, ...] = ("ease", "cosine", "als")


class InteractionsInvalid(Exception):
    """The CSV cannot be evaluated; ``errors`` name the line numbers (1 = the header)."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Interaction:
    user_id: int
    item_id: int
    timestamp: float
    region: str | None = None

    def context_keys(self) -> dict[context.ContextKind, str]:
        province = self.region[:2] + "0000" if self.region else None
        return context.keys_at(datetime.fromtimestamp(self.timestamp, UTC), province)


def _timestamp(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("an ISO date-time needs a time zone")
    return moment.timestamp()


def _row(fields: Sequence[str]) -> Interaction:
    user, item = int(fields[0]), int(fields[1])
    if user < 0 or item < 0:
        raise ValueError("ids must not be negative")
    stamp = _timestamp(fields[2].strip())
    if not math.isfinite(stamp):
        raise ValueError("the timestamp must be finite")
    region = fields[3].strip() if len(fields) > 3 else ""
    if region and not (len(region) == 6 and region.isdigit()):
        raise ValueError("the region must be a 6-digit code (440305) or empty")
    return Interaction(user, item, stamp, region or None)


def parse_csv(text: str) -> list[Interaction]:
    """The rows of an interactions CSV; raises ``InteractionsInvalid`` listing bad lines."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    names = tuple(h.strip() for h in header or ())
    if names not in {HEADER, HEADER_WITH_REGION}:
        raise InteractionsInvalid([f"line 1: the header must be {','.join(HEADER)}"])
    rows: list[Interaction] = []
    errors: list[str] = []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(names):
            errors.append(f"line {line}: expected {len(names)} fields, got {len(fields)}")
        else:
            try:
                rows.append(_row(fields))
            except ValueError as exc:
                errors.append(f"line {line}: {exc}")
        if len(errors) >= MAX_ERRORS:
            errors.append("… (stopped after 20 errors)")
            break
    if errors:
        raise InteractionsInvalid(errors)
    if not rows:
        raise InteractionsInvalid(["line 2: no interactions"])
    return rows


@dataclass(slots=True)
class Split:
    """Training pairs and the held-out product of each evaluated shopper."""

    index: algo.Index
    train: sparse.csr_matrix
    test_users: list[int] = field(default_factory=list)  # rows of ``index``
    test_items: list[int] = field(default_factory=list)  # columns of ``index``
    train_rows: list[Interaction] = field(default_factory=list)  # first occurrences
    test_rows: list[Interaction] = field(default_factory=list)  # aligned with test_users


def leave_last_out(rows: Sequence[Interaction]) -> Split:
    by_user: dict[int, list[Interaction]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    index = algo.Index.of((r.user_id for r in rows), (r.item_id for r in rows))
    train_users: list[int] = []
    train_items: list[int] = []
    held: list[tuple[int, int, Interaction]] = []
    kept: list[Interaction] = []
    for user, items in by_user.items():
        ordered: list[Interaction] = []
        seen: set[int] = set()
        for r in sorted(items, key=lambda r: (r.timestamp, r.item_id)):
            if r.item_id not in seen:
                seen.add(r.item_id)
                ordered.append(r)
        if len(ordered) >= 2:
            held.append((user, ordered[-1].item_id, ordered[-1]))
            ordered = ordered[:-1]
        train_users.extend([user] * len(ordered))
        train_items.extend(r.item_id for r in ordered)
        kept.extend(ordered)
    held.sort(key=lambda t: (t[0], t[1]))
    matrix = algo.interaction_matrix(index, train_users, train_items)
    return Split(
        index,
        matrix,
        [int(u) for u in index.rows([u for u, _, _ in held])],
        [int(i) for i in index.cols([i for _, i, _ in held])],
        kept,
        [r for _, _, r in held],
    )


Scorer = Callable[["np.ndarray[Any, Any]"], "np.ndarray[Any, Any]"]


def recency_rows(split: Split, half_life: float = algo.RECENCY_HALF_LIFE) -> sparse.csr_matrix:
    """The training matrix with each entry weighted by ``algorithms.recency_weights`` (the
    shopper's training interactions in time order)."""
    rows = split.train_rows
    users = [r.user_id for r in rows]
    items = [r.item_id for r in rows]
    weights = algo.recency_weights(users, items, [r.timestamp for r in rows], half_life)
    return algo.interaction_matrix(split.index, users, items, list(weights))


def fit(
    model: ModelName,
    train: sparse.csr_matrix,
    *,
    lam: float = algo.EASE_LAMBDA,
    rows: sparse.csr_matrix | None = None,
) -> Scorer:
    """Train ``model`` on ``train``; the result scores a batch of rows (shopper numbers). EASE
    and cosine score from ``rows`` when given (the recency-weighted ``train``: same shape)."""
    import numpy as np
    from scipy import sparse

    scoring = train if rows is None else rows
    if model == "ease":
        b = algo.ease(train, lam)
        return lambda users: np.asarray(scoring[users] @ b)
    if model == "cosine":
        sim = algo.cosine(train)
        return lambda users: np.asarray((scoring[users] @ sim).todense())
    from implicit.cpu.als import AlternatingLeastSquares

    als = AlternatingLeastSquares(
        factors=64,
        regularization=0.05,
        iterations=15,
        random_state=7,
        calculate_training_loss=False,
    )
    confidence = sparse.csr_matrix(train * 20.0, dtype=np.float32)
    als.fit(confidence, show_progress=False)
    users_f = np.asarray(als.user_factors, dtype=np.float64)
    items_f = np.asarray(als.item_factors, dtype=np.float64)
    return lambda users: users_f[users] @ items_f.T


def _ranks(
    scores: np.ndarray[Any, Any], seen: sparse.csr_matrix, targets: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """1-based rank of each row's target among its unseen columns (ties: lower column first)."""
    import numpy as np

    scores = np.array(scores, dtype=np.float64)
    rows, cols = seen.nonzero()
    scores[rows, cols] = -np.inf
    n = scores.shape[1]
    target_scores = scores[np.arange(len(targets)), targets][:, None]
    higher = (scores > target_scores).sum(axis=1)
    tied_before = ((scores == target_scores) & (np.arange(n)[None, :] < targets[:, None])).sum(
        axis=1
    )
    return np.asarray(higher + tied_before + 1)


@dataclass(frozen=True, slots=True)
class Metrics:
    hr: float
    ndcg: float

    def as_dict(self) -> dict[str, float]:
        return {"hr": round(self.hr, 6), "ndcg": round(self.ndcg, 6)}


def _metrics(ranks: np.ndarray[Any, Any], k: int) -> Metrics:
    import numpy as np

    if len(ranks) == 0:
        return Metrics(0.0, 0.0)
    hits = ranks <= k
    gains = np.where(hits, 1.0 / np.log2(ranks + 1.0), 0.0)
    return Metrics(float(hits.mean()), float(gains.mean()))


@dataclass(frozen=True, slots=True)
class Evaluation:
    users: int
    items: int
    k: int
    model_name: str
    model: Metrics
    popularity: Metrics
    train_seconds: float
    popularity_context: Metrics | None = None
    context_weight: float = 0.0
    half_life: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "users": self.users,
            "k": self.k,
            "half_life": self.half_life,
            "model": self.model.as_dict(),
            "popularity": self.popularity.as_dict(),
        }
        if self.popularity_context is not None:
            out["popularity_context"] = self.popularity_context.as_dict()
            out["context_weight"] = self.context_weight
        return out


def _context_scorer(split: Split, pop: np.ndarray[Any, Any], weight: float) -> Scorer:
    """Popularity blended with the context priors learnt from the training rows, for each
    held-out row's own context (``context.blend``'s formula, vectorised)."""
    import numpy as np

    cols = split.index.cols([r.item_id for r in split.train_rows])
    priors = context.learn(
        (int(c), r.context_keys()) for c, r in zip(cols, split.train_rows, strict=True)
    )
    factors: dict[str, np.ndarray[Any, Any]] = {}
    for key, col, lift in priors:
        factors.setdefault(key, np.ones(len(pop)))[col] = lift**weight
    positive = pop[pop > 0]
    base = np.where(pop > 0, pop, positive.min() / 2 if len(positive) else 1.0)
    keys_of = {
        u: list(r.context_keys().values())
        for u, r in zip(split.test_users, split.test_rows, strict=True)
    }
    ones = np.ones(len(pop))

    def score(users: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        import numpy as np

        out = np.tile(base, (len(users), 1))
        for n, user in enumerate(users):
            for key in keys_of[int(user)]:
                out[n] *= factors.get(key, ones)
        return out

    return score


def evaluate(
    rows: Sequence[Interaction],
    *,
    k: int = 10,
    model: ModelName = "ease",
    batch: int = 1024,
    lam: float = algo.EASE_LAMBDA,
    context_weight: float = context.WEIGHT,
    half_life: float = algo.RECENCY_HALF_LIFE,
) -> Evaluation:
    import numpy as np
    from scipy import sparse

    if k < 1:
        raise ValueError("k must be at least 1")
    split = leave_last_out(rows)
    started = time.perf_counter()
    weighted = recency_rows(split, half_life) if half_life > 0 and model != "als" else None
    scorer = fit(model, split.train, lam=lam, rows=weighted)
    train_seconds = time.perf_counter() - started
    pop = algo.popularity(split.train)
    users = np.asarray(split.test_users, dtype=np.int64)
    targets = np.asarray(split.test_items, dtype=np.int64)
    in_context = _context_scorer(split, pop, context_weight)
    model_ranks: list[np.ndarray[Any, Any]] = []
    pop_ranks: list[np.ndarray[Any, Any]] = []
    context_ranks: list[np.ndarray[Any, Any]] = []
    for start in range(0, len(users), batch):
        u, t = users[start : start + batch], targets[start : start + batch]
        seen = sparse.csr_matrix(split.train[u])
        model_ranks.append(_ranks(scorer(u), seen, t))
        pop_ranks.append(_ranks(np.tile(pop, (len(u), 1)), seen, t))
        context_ranks.append(_ranks(in_context(u), seen, t))
    empty = np.zeros(0, dtype=np.int64)
    return Evaluation(
        users=len(users),
        items=len(split.index.items),
        k=k,
        model_name=model,
        model=_metrics(np.concatenate(model_ranks) if model_ranks else empty, k),
        popularity=_metrics(np.concatenate(pop_ranks) if pop_ranks else empty, k),
        train_seconds=train_seconds,
        popularity_context=_metrics(np.concatenate(context_ranks) if context_ranks else empty, k),
        context_weight=context_weight,
        half_life=half_life if weighted is not None else 0.0,
    )
