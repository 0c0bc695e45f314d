"""What points cost the merchant, for the benefit cost model (insights): issued and spent over
the trailing year with the rules in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty.programme import get_rules


@dataclass(frozen=True, slots=True)
class PointsEconomy:
    """What points cost the merchant: ``issued`` and ``spent`` over the trailing year, and the
    programme's ``points_per_yuan`` (value) and ``earn_per_yuan`` (earning) in force."""

    issued: int
    spent: int
    points_per_yuan: int
    earn_per_yuan: int


async def points_economy(session: AsyncSession, until: datetime) -> PointsEconomy:
    """Points issued and spent in the year before ``until``, with the rules in force."""
    issued, spent = await repo.issued_and_spent(session, until - timedelta(days=365), until)
    rules = await get_rules(session)
    return PointsEconomy(issued, spent, rules.points_per_yuan, rules.earn_per_yuan)
