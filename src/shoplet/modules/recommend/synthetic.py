"""A seeded generator of shop-like implicit feedback, for the offline evaluation and the bench.

The figures in docs/recommend.md come from this generator and from MovieLens 100k (read out of
the RecBole wheel on PyPI by ``make reco-data``: real ratings, but of films, not a shop), so a
change is measured on shop-shaped data with known structure and on a public set.

The structure it imitates, each part a knob:

- **categories**: products belong to ``categories`` groups; within a group and over the whole
  shop, demand follows a Zipf law (a few best sellers, a long tail);
- **tastes**: each shopper prefers 1..3 categories (Dirichlet weights) and has an activity level
  drawn from a log-normal (most buy a few things, some buy many);
- **complements**: each product has 4 fixed companions (same category or a neighbouring one):
  after a product, the next one is a companion with probability ``p_complement`` (phone → case);
- **noise**: with probability ``p_popular`` the next product is drawn from the whole shop's
  best sellers, regardless of taste.

With ``context=True`` (``shoplet reco generate --context``) the shop also has the signal the
context blend looks for (``context.py``), which the plain generator has none of: each shopper
lives in one of 8 provinces (Zipf shares) and the file gets a ``region`` column; each province
favours 3 local categories, each category has a peak season and a peak hour bucket; the
interactions spread over a year from 2025-01-01 (shop time), and with probability
``p_context`` the next product comes from a local category or one in season; a product's hour of
day falls in its category's peak bucket half of the time. The rest is as above (the draws come
in another order, so the same seed gives another file than without context).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shoplet.modules.recommend.context import SHOP_TZ, season
from shoplet.modules.recommend.evaluation import HEADER, HEADER_WITH_REGION, Interaction
from shoplet.modules.recommend.sessions import View

DAY = 86_400.0
YEAR_START = 1_735_660_800.0  # 2025-01-01 00:00 Asia/Shanghai
SHOP_OFFSET = 8 * 3600.0  # Asia/Shanghai has no summer time
PROVINCES = ("440000", "310000", "110000", "330000", "320000", "510000", "420000", "210000")
HOUR_SPANS = ((0, 6), (6, 11), (11, 14), (14, 18), (18, 24))


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
    context: bool = False,
    p_context: float = 0.3,
) -> Iterator[Interaction]:
    """Interactions (user ids from 1, item ids from 1) over a 180-day window, shopper by shopper
    (a year, with a province per shopper, when ``context``)."""
    if context:
        yield from _with_context(
            users=users,
            items=items,
            categories=categories,
            mean_interactions=mean_interactions,
            p_complement=p_complement,
            p_popular=p_popular,
            p_context=p_context,
            seed=seed,
        )
        return
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


def _with_context(
    *,
    users: int,
    items: int,
    categories: int,
    mean_interactions: float,
    p_complement: float,
    p_popular: float,
    p_context: float,
    seed: int,
) -> Iterator[Interaction]:
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
    province_share = 1.0 / np.power(np.arange(1, len(PROVINCES) + 1, dtype=np.float64), 0.8)
    province_share /= province_share.sum()
    local = [rng.choice(categories, size=3, replace=False) for _ in PROVINCES]
    peak_season = rng.integers(0, 4, size=categories)
    peak_hours = rng.integers(0, len(HOUR_SPANS), size=categories)
    in_season = [np.flatnonzero(peak_season == x) for x in range(4)]
    sigma = 0.8
    mu = np.log(mean_interactions) - sigma**2 / 2
    for user in range(1, users + 1):
        home = int(rng.choice(len(PROVINCES), p=province_share))
        count = min(max(2, round(float(rng.lognormal(mu, sigma)))), items // 2)
        liked = rng.choice(categories, size=int(rng.integers(1, 4)), replace=False)
        taste = rng.dirichlet(np.ones(len(liked)))
        stamp = YEAR_START + float(rng.uniform(0, 365 * DAY))
        previous: int | None = None
        for _ in range(count):
            stamp += float(rng.exponential(3 * DAY))
            month = datetime.fromtimestamp(stamp, SHOP_TZ).month
            roll = rng.random()
            category: int | None = None
            if roll < p_context:
                seasonal = in_season[season(month)]
                pool = local[home] if rng.random() < 0.5 or not len(seasonal) else seasonal
                category = int(pool[rng.integers(0, len(pool))])
            elif previous is not None and roll < p_context + p_complement * (1 - p_context):
                item = int(companions[previous, rng.integers(0, 4)])
            elif roll < p_context + (p_complement + p_popular) * (1 - p_context):
                item = int(rng.choice(items, p=global_weights))
            else:
                category = int(liked[rng.choice(len(liked), p=taste)])
            if category is not None:
                if not len(members[category]):
                    continue
                item = int(rng.choice(members[category], p=in_category[category]))
            day = (stamp + SHOP_OFFSET) // DAY * DAY - SHOP_OFFSET
            low, high = HOUR_SPANS[int(peak_hours[category_of[item]])]
            if rng.random() >= 0.5:
                low, high = 0, 24
            moment = day + float(rng.uniform(low * 3600, high * 3600))
            stamp = moment
            previous = item
            yield Interaction(user, item + 1, round(stamp), PROVINCES[home])


def generate_views(
    *,
    visitors: int = 3000,
    items: int = 1000,
    categories: int = 40,
    p_companion: float = 0.45,
    p_category: float = 0.35,
    seed: int = 7,
) -> Iterator[View]:
    """Product-view sessions for the session model's evaluation (``sessions.py``): each visitor
    has 1–4 sessions days apart of 2–12 views a minute or two apart (log-normal lengths); a
    session starts at a best seller (Zipf), then each next view is one of the product's 4
    companions (``p_companion``), a product of its category (``p_category``) or a best seller."""
    rng = np.random.default_rng(seed)
    category_of = rng.integers(0, categories, size=items)
    weights = _zipf_weights(items, 1.0, rng)
    members = [np.flatnonzero(category_of == c) for c in range(categories)]
    companions = np.empty((items, 4), dtype=np.int64)
    for i in range(items):
        pool = members[category_of[i]]
        companions[i] = pool[rng.integers(0, len(pool), size=4)]
    for visitor in range(1, visitors + 1):
        stamp = YEAR_START + float(rng.uniform(0, 30 * DAY))
        for _ in range(int(rng.integers(1, 5))):
            length = int(min(12, max(2, round(float(rng.lognormal(1.4, 0.5))))))
            item = int(rng.choice(items, p=weights))
            for _ in range(length):
                yield View(f"v{visitor}", item + 1, round(stamp))
                stamp += float(rng.uniform(20, 150))
                roll = rng.random()
                if roll < p_companion:
                    item = int(companions[item, rng.integers(0, 4)])
                elif roll < p_companion + p_category:
                    pool = members[category_of[item]]
                    item = int(pool[rng.integers(0, len(pool))])
                else:
                    item = int(rng.choice(items, p=weights))
            stamp += float(rng.uniform(1, 5)) * DAY


def write_csv(path: Path, rows: Iterator[Interaction], *, with_region: bool = False) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER_WITH_REGION if with_region else HEADER)
        for row in rows:
            line: tuple[object, ...] = (row.user_id, row.item_id, int(row.timestamp))
            writer.writerow((*line, row.region or "") if with_region else line)
            count += 1
    return count
