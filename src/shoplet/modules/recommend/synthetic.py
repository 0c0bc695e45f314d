"""A seeded generator of shop-like implicit feedback, for the offline evaluation and the bench.

No public interaction data set installs offline with the packages Shoplet may use (the wheels of
lenskit, cornac and rectools ship loaders that download MovieLens, not the data), so the figures
in docs/recommend.md come from this generator plus the demo shop's own order history.

The structure it imitates, each part a knob:

- **categories**: products belong to ``categories`` groups; within a group and over the whole
  shop, demand follows a Zipf law (a few best sellers, a long tail);
- **tastes**: each shopper prefers 1..3 categories (Dirichlet weights) and has an activity level
  drawn from a log-normal (most buy a few things, some buy many);
- **complements**: each product has 4 fixed companions (same category or a neighbouring one):
  after a product, the next one is a companion with probability ``p_complement`` (phone → case);
- **noise**: with probability ``p_popular`` the next product is drawn from the whole shop's
  best sellers, regardless of taste.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shoplet.modules.recommend.evaluation import HEADER, Interaction

DAY = 86_400.0


def _zipf_weights(n: int, s: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    weights: npt.NDArray[np.float64] = 1.0 / np.power(np.arange(1, n + 1, dtype=np.float64), s)
    rng.shuffle(weights)
    out: npt.NDArray[np.float64] = weights / weights.sum()
    return out


def generate(
    *,
    users: int = 2000,
    items: int = 1000,
    categories: int = 40,
    mean_interactions: float = 12.0,
    p_complement: float = 0.35,
    p_popular: float = 0.15,
    seed: int = 7,
) -> Iterator[Interaction]:
    """Interactions (user ids from 1, item ids from 1) over a 180-day window, shopper by shopper."""
    rng = np.random.default_rng(seed)
    category_of = rng.integers(0, categories, size=items)
    global_weights = _zipf_weights(items, 1.0, rng)
    members = [np.flatnonzero(category_of == c) for c in range(categories)]
    in_category = [
        global_weights[m] / global_weights[m].sum() if len(m) else global_weights[m]
        for m in members
    ]
    companions = np.empty((items, 4), dtype=np.int64)
    for i in range(items):
        near = (category_of[i] + rng.integers(0, 2, size=4)) % categories
        for j, c in enumerate(near):
            pool = members[c] if len(members[c]) else np.arange(items)
            companions[i, j] = pool[rng.integers(0, len(pool))]
    sigma = 0.8
    mu = np.log(mean_interactions) - sigma**2 / 2
    for user in range(1, users + 1):
        count = max(2, round(float(rng.lognormal(mu, sigma))))
        count = min(count, items // 2)
        liked = rng.choice(categories, size=int(rng.integers(1, 4)), replace=False)
        taste = rng.dirichlet(np.ones(len(liked)))
        stamp = float(rng.uniform(0, 90 * DAY))
        previous: int | None = None
        for _ in range(count):
            roll = rng.random()
            if previous is not None and roll < p_complement:
                item = int(companions[previous, rng.integers(0, 4)])
            elif roll < p_complement + p_popular:
                item = int(rng.choice(items, p=global_weights))
            else:
                c = int(liked[rng.choice(len(liked), p=taste)])
                if not len(members[c]):
                    continue
                item = int(rng.choice(members[c], p=in_category[c]))
            stamp += float(rng.exponential(3 * DAY))
            previous = item
            yield Interaction(user, item + 1, round(stamp))


def write_csv(path: Path, rows: Iterator[Interaction]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow((row.user_id, row.item_id, int(row.timestamp)))
            count += 1
    return count
