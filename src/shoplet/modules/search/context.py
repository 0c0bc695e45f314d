"""Shopper context in relevance: a bounded boost for products that sell more than usual in the
shopper's province, in this season and at this time of day (Asia/Shanghai). Pure: no database.

The lifts are recommend's context priors (``recommend.public.context_priors``: ``P(p | k) /
P(p)`` per context key, learnt from paid order lines by each training), read by every process's
runtime every ``runtime.CONTEXT_SECONDS``; the keys are recommend's own (``context_keys_at``), so
search and the shelves agree on what "here and now" is.

- **Bucket**: the shopper's keys joined, ``r440000.s3.h2`` (``s3.h2`` without a province).
  Coarse on purpose: 34 provinces (or none) × 4 seasons × 5 hour buckets = 700 buckets at most,
  so a result cache keyed by bucket stays small. ``""`` is no context (switched off).
- **Boost** of product ``p``: ``weight × clamp(Σ_k ln lift_k(p) / ln LIFT_CAP, 0, 1)``, added to
  the relevance score (a typed word scores 1.0): never more than ``weight``, 0 for a product
  with no lift in any of the shopper's contexts, ``weight`` for one that sells ``LIFT_CAP``
  times its usual share here and now. With the default weight 0.3 it reorders products of close
  lexical scores and never lifts a partial match above a typed word (+1.0).
- Deterministic per (query, bucket), and the bucket travels in the cursor, so every page of one
  search is ranked the same way even when the hour turns between pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

import numpy as np

from shoplet.modules.recommend import public as recommend
from shoplet.modules.search.engine import Boost

LIFT_CAP = 4.0
MAX_BUCKET_CHARS = 24
NO_CONTEXT = ""


def bucket_of(at: datetime, region_code: str | None) -> str:
    """The context bucket of a moment and a region code (any level; its province counts)."""
    province = recommend.province_of(region_code) if region_code else None
    keys = recommend.context_keys_at(at, province)
    return ".".join(keys[kind] for kind in recommend.CONTEXT_KINDS if kind in keys)


def keys_of(bucket: str) -> list[str] | None:
    """The context keys of a bucket; None when it is not one ``bucket_of`` makes."""
    if bucket == NO_CONTEXT:
        return []
    if len(bucket) > MAX_BUCKET_CHARS:
        return None
    keys = bucket.split(".")
    if len({k[:1] for k in keys}) != len(keys) or not all(
        recommend.is_context_key(k) for k in keys
    ):
        return None
    return keys


def boost_of(lifts: Mapping[str, Mapping[int, float]], keys: list[str], weight: float) -> Boost:
    """The boost table of one bucket's keys (module doc)."""
    logs: dict[int, float] = {}
    for key in keys:
        for product, lift in lifts.get(key, {}).items():
            if lift > 1.0:
                logs[product] = logs.get(product, 0.0) + math.log(lift)
    cap = math.log(LIFT_CAP)
    pairs = sorted(
        (product, round(1000 * weight * min(total / cap, 1.0))) for product, total in logs.items()
    )
    pairs = [(p, n) for p, n in pairs if n > 0]
    return Boost(
        ids=np.array([p for p, _ in pairs], np.int64),
        points=np.array([n for _, n in pairs], np.int64),
    )
