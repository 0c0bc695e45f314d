"""Demo data for ``make run``: a realistic catalog, stock, images and demo accounts."""

from __future__ import annotations

from shoplet.core.settings import Settings


async def run_seed(settings: Settings, *, only_if_empty: bool) -> str:
    raise NotImplementedError("the demo seed lands with the catalog module")
