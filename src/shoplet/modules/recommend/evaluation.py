"""Offline evaluation: leave-last-out hit rate and NDCG of a model against popularity.

Input: a CSV with the header ``user_id,item_id,timestamp`` (integer ids; the timestamp a number
of seconds or an ISO 8601 date-time). Per shopper, interactions are ordered by
``(timestamp, item_id)``; a product seen again keeps its first occurrence (implicit feedback
says whether, not how often). The last distinct product of every shopper with at least two is
held out; everything else (including shoppers with one product) is training. Each held-out
product is ranked among all products of the file that shopper did not see in training, by score
descending and ties by ``item_id`` ascending; ``HR@k`` counts a hit when its rank is at most
``k``, ``NDCG@k`` adds ``1 / log2(rank + 1)`` then. The popularity baseline scores a product by
the number of shoppers who have it in training (ties by ``item_id`` ascending, like the model).
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
from scipy import sparse

from shoplet.modules.recommend import algorithms as algo

HEADER = ("user_id", "item_id", "timestamp")
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


def _timestamp(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("an ISO date-time needs a time zone")
    return moment.timestamp()


def parse_csv(text: str) -> list[Interaction]:
    """The rows of an interactions CSV; raises ``InteractionsInvalid`` listing bad lines."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise InteractionsInvalid([f"line 1: the header must be {','.join(HEADER)}"])
    rows: list[Interaction] = []
    errors: list[str] = []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(HEADER):
            errors.append(f"line {line}: expected 3 fields, got {len(fields)}")
        else:
            try:
                user, item = int(fields[0]), int(fields[1])
                if user < 0 or item < 0:
                    raise ValueError("ids must not be negative")
                stamp = _timestamp(fields[2].strip())
                if not math.isfinite(stamp):
                    raise ValueError("the timestamp must be finite")
            except ValueError as exc:
                errors.append(f"line {line}: {exc}")
            else:
                rows.append(Interaction(user, item, stamp))
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


def leave_last_out(rows: Sequence[Interaction]) -> Split:
    by_user: dict[int, list[Interaction]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    index = algo.Index.of((r.user_id for r in rows), (r.item_id for r in rows))
    train_users: list[int] = []
    train_items: list[int] = []
    held: list[tuple[int, int]] = []
    for user, items in by_user.items():
        ordered: list[int] = []
        seen: set[int] = set()
        for r in sorted(items, key=lambda r: (r.timestamp, r.item_id)):
            if r.item_id not in seen:
                seen.add(r.item_id)
                ordered.append(r.item_id)
        if len(ordered) >= 2:
            held.append((user, ordered[-1]))
            ordered = ordered[:-1]
        train_users.extend([user] * len(ordered))
        train_items.extend(ordered)
    held.sort()
    matrix = algo.interaction_matrix(index, train_users, train_items)
    return Split(
        index,
        matrix,
        [int(u) for u in index.rows([u for u, _ in held])],
        [int(i) for i in index.cols([i for _, i in held])],
    )


Scorer = Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]


def fit(model: ModelName, train: sparse.csr_matrix, *, lam: float = algo.EASE_LAMBDA) -> Scorer:
    """Train ``model`` on ``train``; the result scores a batch of rows (shopper numbers)."""
    if model == "ease":
        b = algo.ease(train, lam)
        return lambda users: np.asarray(train[users] @ b)
    if model == "cosine":
        sim = algo.cosine(train)
        return lambda users: np.asarray((train[users] @ sim).todense())
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "k": self.k,
            "model": self.model.as_dict(),
            "popularity": self.popularity.as_dict(),
        }


def evaluate(
    rows: Sequence[Interaction],
    *,
    k: int = 10,
    model: ModelName = "ease",
    batch: int = 1024,
    lam: float = algo.EASE_LAMBDA,
) -> Evaluation:
    if k < 1:
        raise ValueError("k must be at least 1")
    split = leave_last_out(rows)
    started = time.perf_counter()
    scorer = fit(model, split.train, lam=lam)
    train_seconds = time.perf_counter() - started
    pop = algo.popularity(split.train)
    users = np.asarray(split.test_users, dtype=np.int64)
    targets = np.asarray(split.test_items, dtype=np.int64)
    model_ranks: list[np.ndarray[Any, Any]] = []
    pop_ranks: list[np.ndarray[Any, Any]] = []
    for start in range(0, len(users), batch):
        u, t = users[start : start + batch], targets[start : start + batch]
        seen = sparse.csr_matrix(split.train[u])
        model_ranks.append(_ranks(scorer(u), seen, t))
        pop_ranks.append(_ranks(np.tile(pop, (len(u), 1)), seen, t))
    empty = np.zeros(0, dtype=np.int64)
    return Evaluation(
        users=len(users),
        items=len(split.index.items),
        k=k,
        model_name=model,
        model=_metrics(np.concatenate(model_ranks) if model_ranks else empty, k),
        popularity=_metrics(np.concatenate(pop_ranks) if pop_ranks else empty, k),
        train_seconds=train_seconds,
    )
