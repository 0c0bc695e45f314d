"""Campaign windows from the modules above promotions, for the charts that overlay them.

Promotions sits below the growth modules; a growth module that runs campaigns of its own
(flash sales) registers a provider here at start-up (``add_window_source``), and a sibling that
draws charts (insights' forecasts) reads every registered provider through
:func:`campaign_windows`. Neither growth module imports the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext

WINDOW_SOURCES_KEY = "promotions.window_sources"


@dataclass(frozen=True, slots=True)
class CampaignWindow:
    """One campaign's window: ``kind`` names the provider (``flashsale``)."""

    kind: str
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime


WindowSource = Callable[[AsyncSession, datetime, datetime], Awaitable[list[CampaignWindow]]]


def _sources(ctx: AppContext) -> dict[str, WindowSource]:
    found = ctx.extras.get(WINDOW_SOURCES_KEY)
    if not isinstance(found, dict):
        found = {}
        ctx.extras[WINDOW_SOURCES_KEY] = found
    return found


def add_window_source(ctx: AppContext, kind: str, source: WindowSource) -> None:
    """Register (or replace) the provider of ``kind``'s campaign windows."""
    _sources(ctx)[kind] = source


async def campaign_windows(
    ctx: AppContext, session: AsyncSession, start: datetime, end: datetime
) -> list[CampaignWindow]:
    """Every registered provider's windows overlapping ``[start, end)``, by start."""
    found: list[CampaignWindow] = []
    for kind in sorted(_sources(ctx)):
        found += await _sources(ctx)[kind](session, start, end)
    return sorted(found, key=lambda w: (w.starts_at, w.kind, w.id))
