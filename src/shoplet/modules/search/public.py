"""What other parts of Shoplet use from search: the app lifespan hook that starts this process's
index (built in the background: start-up never waits for it) and serves the catalog's product
list ``q`` from it, and the runtime for tests and tools."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.search import merge_hook as _merge
from shoplet.modules.search import service
from shoplet.modules.search.engine import Doc, Filters, MemoryEngine, SearchEngine
from shoplet.modules.search.runtime import SearchRuntime, runtime_of
from shoplet.modules.search.vectors import SemanticRuntime, semantic_of, sync_vectors

log = structlog.get_logger(__name__)

# The product list's ``q`` takes at most this many matches, most relevant first.
PRODUCT_LIST_MATCHES = 1_000


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook (roles all and search; an api process loads no search module, the
    gateway sends search to the search role): start building the index and following changes."""
    members.register_merge_hook(ctx, "search", _merge.move_member, tables=_merge.TABLES)
    if not ctx.settings.holds_search_index:
        log.info("search index held by the search role", role=ctx.settings.role)
        return None
    runtime = runtime_of(ctx)
    await runtime.start()
    semantic = semantic_of(ctx)
    await semantic.start()
    catalog.set_keyword_matcher(lambda q: service.match_ids(runtime, q, PRODUCT_LIST_MATCHES))

    async def stop() -> None:
        catalog.set_keyword_matcher(None)
        await semantic.stop()
        await runtime.stop()

    return stop


__all__ = [
    "Doc",
    "Filters",
    "MemoryEngine",
    "SearchEngine",
    "SearchRuntime",
    "SemanticRuntime",
    "runtime_of",
    "semantic_of",
    "startup",
    "sync_vectors",
]
