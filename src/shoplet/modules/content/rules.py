"""Pure rules of content: no I/O, no clock (``now`` is passed in).

- text: markup removed with nh3 and entities decoded, so what is stored and shown is plain
  text; each kind has its own length (question 200, answer 500, post 1000, comment 300);
- moderation: a moderation status maps to the subject's status (``approved`` public,
  ``rejected`` 未通过, anything else ``pending`` 审核中);
- hot (热门): engagement with time decay, in the form Reddit made known:
  ``log10(1 + likes + 2 × comments) + seconds since 2020 / 45 000``. A comment weighs two
  likes; a post 12.5 hours younger ranks like one with ten times the engagement. The score does
  not depend on when it is computed, so a stored score never goes stale: it is recomputed only
  when the post's counters move, and the feed orders by the stored column.
- personal hot (热门 for a signed-in shopper): ``hot × (1 + w × affinity)`` where ``hot`` is
  the post's engagement-with-decay in linear scale (``10 ** hot_score``) and ``affinity`` in
  [0, 1] is the best affinity of the post's linked products to the shopper's interests
  (products and categories viewed, carted, favourited, bought: recommend's, through
  ``core.interests``). In the stored log scale that is ``hot_score + log10(1 + w × affinity)``:
  with ``w`` = 4 a post at the heart of the shopper's interests ranks like one with five times
  its engagement (about 8.7 hours fresher); a post with no affinity keeps its hot rank.
"""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime

import nh3

MAX_QUESTION = 200
MAX_ANSWER = 500
MAX_POST = 1000
MAX_COMMENT = 300
MAX_IMAGES = 9
MAX_PRODUCTS = 6
DECAY_SECONDS = 45_000
PERSONAL_WEIGHT = 4.0
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def clean_text(text: str) -> str:
    """Plain text: tags dropped (script and style with their content), entities decoded."""
    stripped = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(stripped).strip()


def status_of(moderation_status: str) -> str:
    if moderation_status == "approved":
        return "approved"
    if moderation_status == "rejected":
        return "rejected"
    return "pending"


def hot_score(likes: int, comments: int, created_at: datetime) -> float:
    """The feed's 热门 order: more engagement ranks higher, and a younger post ranks higher at
    the same engagement, so a fresh post with a few likes overtakes an old one with many."""
    engagement = 1 + max(likes, 0) + 2 * max(comments, 0)
    age = (created_at - EPOCH).total_seconds()
    return round(math.log10(engagement) + age / DECAY_SECONDS, 9)


def post_affinity(product_ids: list[int], affinity: dict[int, float]) -> float:
    """A post's affinity: the best of its linked products' (0 without any), clamped to [0, 1]."""
    best = max((affinity.get(p, 0.0) for p in product_ids), default=0.0)
    return min(max(best, 0.0), 1.0)


def personal_score(hot: float, affinity: float, weight: float = PERSONAL_WEIGHT) -> float:
    """``hot × (1 + weight × affinity)`` in the stored log scale (see the module doc)."""
    return hot + math.log10(1 + weight * affinity)


def personal_order(
    candidates: list[tuple[int, float, list[int]]], affinity: dict[int, float]
) -> list[int]:
    """Post ids of ``(id, hot_score, product_ids)`` by personal score, then id, descending."""
    scored = [
        (personal_score(hot, post_affinity(products, affinity)), post_id)
        for post_id, hot, products in candidates
    ]
    return [post_id for _, post_id in sorted(scored, reverse=True)]
