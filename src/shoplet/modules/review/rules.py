"""Pure rules of reviews: no I/O, no clock (``now`` is passed in).

- text: markup is removed with nh3 (the Ammonia sanitiser) and entities decoded, so what is
  stored and shown is plain text; at most ``MAX_CONTENT`` characters after that;
- moderation: a review with photos, or whose text holds a flagged word, waits for staff
  (``pending``); others are ``approved`` at once;
- names: an anonymous review shows the first and last character of the nickname around ``***``;
- follow-up (追评): once, within ``FOLLOWUP_DAYS`` of the review;
- ratings: 4–5 good (好评), 3 neutral (中评), 1–2 bad (差评); 好评率 is good / total.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Literal

import nh3

MAX_CONTENT = 500
MAX_PHOTOS = 9
FOLLOWUP_DAYS = 90
REVIEWABLE_STATUSES = frozenset({"received", "completed"})
FLAGGED_WORDS = (
    "加微信",
    "加v",
    "vx",
    "微信号",
    "qq群",
    "刷单",
    "返现",
    "代购",
    "兼职",
    "http://",
    "https://",
    "www.",
)

Kind = Literal["good", "neutral", "bad"]


def clean_content(text: str) -> str:
    """Plain text: tags dropped (script and style with their content), entities decoded."""
    stripped = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(stripped).strip()


def is_flagged(text: str) -> bool:
    folded = text.casefold().replace(" ", "")
    return any(word in folded for word in FLAGGED_WORDS)


def first_status(*, has_photos: bool, flagged: bool) -> str:
    return "pending" if has_photos or flagged else "approved"


def mask_nickname(nickname: str) -> str:
    """``小王同学`` → ``小***学``; one character → ``小***``."""
    name = nickname.strip() or "匿名"
    return f"{name[0]}***{name[-1]}" if len(name) > 1 else f"{name}***"


def kind_of(rating: int) -> Kind:
    if rating >= 4:
        return "good"
    return "neutral" if rating == 3 else "bad"


def followup_open(created_at: datetime, now: datetime) -> bool:
    return now - created_at <= timedelta(days=FOLLOWUP_DAYS)


def good_rate_percent(good: int, total: int) -> int | None:
    """好评率 as a whole percent, rounded down (None without reviews)."""
    return good * 100 // total if total else None


def stats_delta(rating: int, has_photos: bool, sign: int) -> dict[str, int]:
    """What one review entering (+1) or leaving (-1) ``approved`` adds to its product's
    counters."""
    kind = kind_of(rating)
    return {
        "total": sign,
        "good": sign if kind == "good" else 0,
        "neutral": sign if kind == "neutral" else 0,
        "bad": sign if kind == "bad" else 0,
        "with_photos": sign if has_photos else 0,
        "rating_sum": sign * rating,
    }
