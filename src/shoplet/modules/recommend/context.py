"""Context priors: what sells more than usual in a province, in a season, at an hour of the day.

Pure functions, no database: training learns the priors from paid order lines
(``learn``), serving blends them into popularity (``blend``), and the offline evaluation measures
the blend with the same two functions (``evaluation.py``, ``shoplet reco evaluate``).

- **Contexts** (``keys_at``): the shopper's province (``r440000``, from their default address,
  else their last order's), the season of the shop's calendar month (``s0`` spring 3–5, ``s1``
  summer 6–8, ``s2`` autumn 9–11, ``s3`` winter 12–2) and the hour bucket of the day
  (``h0`` 0–6, ``h1`` 6–11, ``h2`` 11–14, ``h3`` 14–18, ``h4`` 18–24), both in Asia/Shanghai.
- **Lift** of product ``p`` in context ``k``: ``P(p | k) / P(p)``, with ``P(p | k)`` smoothed
  towards ``P(p)`` by ``SMOOTHING`` pseudo-orders (``(n_kp + α P(p)) / (n_k + α)``), so a
  province with ten orders says little. Kept per context: the ``PER_KEY`` products of highest
  lift above 1 with at least ``MIN_SUPPORT`` orders in it; every other product has lift 1.
- **Blend**: ``score(p) = popularity(p) × Π_k lift_k(p) ^ WEIGHT`` over the shopper's three
  contexts, ties by product id. The reason names the context of the largest factor when it is
  at least ``REASON_LIFT`` (本地热卖 / 当季热卖 / 时下热卖), else the product is plain 热销.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")
ContextKind = Literal["region", "season", "hour"]
KINDS: tuple[ContextKind, ...] = ("region", "season", "hour")
REASONS: Mapping[ContextKind, str] = {
    "region": "本地热卖",
    "season": "当季热卖",
    "hour": "时下热卖",
}
HOUR_BUCKETS = (0, 6, 11, 14, 18)  # start hours
SMOOTHING = 50.0
MIN_SUPPORT = 5
PER_KEY = 200
# Chosen offline (docs/recommend.md): on the generated shop with context, HR@10 of popularity
# rises most around 1; it is an exponent, so 0 switches the blend off.
WEIGHT = 1.0
REASON_LIFT = 1.5


def season(month: int) -> int:
    return {3: 0, 4: 0, 5: 0, 6: 1, 7: 1, 8: 1, 9: 2, 10: 2, 11: 2}.get(month, 3)


def hour_bucket(hour: int) -> int:
    return sum(1 for start in HOUR_BUCKETS[1:] if hour >= start)


def keys_at(at: datetime, region: str | None) -> dict[ContextKind, str]:
    """The context keys of a moment (any time zone) and a province code (or none)."""
    local = at.astimezone(SHOP_TZ)
    keys: dict[ContextKind, str] = {
        "season": f"s{season(local.month)}",
        "hour": f"h{hour_bucket(local.hour)}",
    }
    if region:
        keys["region"] = f"r{region}"
    return keys


def is_context_key(key: str) -> bool:
    return key[:1] in {"r", "s", "h"} and key[1:].isdigit()


def learn(events: Iterable[tuple[int, Mapping[ContextKind, str]]]) -> list[tuple[str, int, float]]:
    """``(key, product, lift)`` rows from ``(product, its context keys)`` events (one per order
    line): per key the ``PER_KEY`` best lifts above 1, ties by product id."""
    by_product: Counter[int] = Counter()
    by_key: Counter[str] = Counter()
    pairs: Counter[tuple[str, int]] = Counter()
    for product, keys in events:
        by_product[product] += 1
        for key in keys.values():
            by_key[key] += 1
            pairs[key, product] += 1
    total = sum(by_product.values())
    found: dict[str, list[tuple[float, int]]] = {}
    for (key, product), n in pairs.items():
        if n < MIN_SUPPORT:
            continue
        share = by_product[product] / total
        lift = (n + SMOOTHING * share) / (by_key[key] + SMOOTHING) / share
        if lift > 1.0:
            found.setdefault(key, []).append((lift, product))
    rows: list[tuple[str, int, float]] = []
    for key in sorted(found):
        best = sorted(found[key], key=lambda t: (-t[0], t[1]))[:PER_KEY]
        rows.extend((key, product, round(lift, 6)) for lift, product in best)
    return rows


def blend(
    base: Sequence[tuple[int, float]],
    lifts: Mapping[ContextKind, Mapping[int, float]],
    weight: float = WEIGHT,
) -> list[tuple[int, ContextKind | None]]:
    """Products by blended score (best first, ties by id) with the context that lifted each
    most (or None). ``base``: popularity, best first; a product only a context knows starts at
    half the smallest popularity of ``base`` (it was not among the shop's best sellers)."""
    scores = dict(base)
    positive = [s for s in scores.values() if s > 0]
    floor = min(positive) / 2 if positive else 1.0
    products = set(scores)
    if weight > 0:
        for table in lifts.values():
            products.update(table)
    ranked: list[tuple[float, int, ContextKind | None]] = []
    for product in products:
        score = scores.get(product, floor) or floor
        reason: ContextKind | None = None
        strongest = 1.0
        if weight > 0:
            for kind in KINDS:
                factor = lifts.get(kind, {}).get(product, 1.0) ** weight
                score *= factor
                if factor > strongest:
                    strongest, reason = factor, kind
        ranked.append((-score, product, reason if strongest >= REASON_LIFT else None))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [(product, reason) for _, product, reason in ranked]
