"""The points programme's rules (``loyalty_settings``, defaults until saved), as read and as
checkout quotes points with them: cached per process and dropped in every process when the
settings are saved (``service.update_settings``)."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from typing import Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import read_through
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import rules as r

CACHE_RULES: Final = "loyalty_rules"
RULES_KEY: Final = "rules"
RULES_TTL: Final = 60.0


async def get_rules(session: AsyncSession) -> r.Rules:
    row = await repo.get_settings(session)
    if row is None:
        return r.DEFAULT_RULES
    return r.Rules(
        enabled=row.enabled,
        earn_per_yuan=row.earn_per_yuan,
        points_per_yuan=row.points_per_yuan,
        max_share_permille=row.max_share_permille,
        expiry_days=row.expiry_days,
        signin_base=row.signin_base,
        signin_bonus=row.signin_bonus,
        signin_bonus_every=row.signin_bonus_every,
        signin_growth=row.signin_growth,
        review_growth=row.review_growth,
        review_points=row.review_points,
        review_points_daily=row.review_points_daily,
    )


async def review_growth(session: AsyncSession) -> int:
    """Growth (成长值) one product review adds (``review_growth``; 0: none)."""
    return (await cached_rules(session)).review_growth


async def _rules_body(session: AsyncSession) -> bytes:
    return orjson.dumps(asdict(await get_rules(session)))


@lru_cache(maxsize=4)
def _parse_rules(body: bytes) -> r.Rules:
    return r.Rules(**orjson.loads(body))


async def cached_rules(session: AsyncSession) -> r.Rules:
    """``get_rules`` through the process's cache (every preview quotes points)."""
    body = await read_through(session, CACHE_RULES, RULES_KEY, _rules_body, ttl=RULES_TTL)
    return _parse_rules(body)
