"""``shoplet seed``: the demo catalog, then the demo order history and the demo owner."""

from __future__ import annotations

from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.core.settings import Settings
from shoplet.demo.accounts import seed_demo_owner
from shoplet.demo.catalog import seed_catalog
from shoplet.demo.history import seed_order_history
from shoplet.modules.catalog import public as catalog


async def run_seed(settings: Settings, *, only_if_empty: bool, history: bool = True) -> str:
    """``shoplet seed``: seed the demo catalog into the configured database in one transaction,
    then (``history``) the demo order history and, in embedded mode only, the demo owner."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            if only_if_empty and await catalog.has_products(session):
                return "the shop already has products: demo seed skipped"
            summary = await seed_catalog(session, settings.media_dir)
            # Hook point: `_seed_accounts(session, settings)` (demo staff and shopper accounts)
            # runs here, in the same transaction, once the console and members modules add it.
    finally:
        await engine.dispose()
    lines = [summary.line()]
    if history:
        lines.append((await seed_order_history(settings)).line())
    if settings.is_embedded:
        lines.append(await seed_demo_owner(settings))
    return "\n".join(lines)
