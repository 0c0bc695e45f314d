"""This process's search index: built in the background after start-up, kept current by
following the change feed, plus the in-process buffer of query statistics.

- ``start`` returns at once: a task loads jieba (in a thread), reads the on-sale catalog in
  batches of ``BUILD_BATCH`` products and indexes each batch in a thread into a *new*
  engine, which then replaces the old one in one assignment. Searches before that get
  ``503 search.index_not_ready``, and the product list's ``q`` falls back to SQL.
- Then, every ``POLL_SECONDS``, the loop reads the change feed (``search_change``) after the
  last row it applied and re-reads those products (or the dictionary). The feed's last id is
  read *before* the build reads the catalog, so a change made during the build is applied
  again afterwards, never missed. Every ``STOCK_SWEEP_SECONDS`` it re-reads the stock of the
  next ``STOCK_SWEEP_BATCH`` indexed products (orders change stock without a catalog event)
  and the live flash sales; every ``STATS_SECONDS`` it writes the buffered query statistics
  and reloads the popular queries; every ``CONTEXT_SECONDS`` it re-reads recommend's context
  priors (``context.py``: the lifts the shopper's province, season and hour give a product).
- ``results``: this process's result cache — a search's engine ``Result`` by (index
  generation, vectors, query, filters, sort, cursor, limit, context bucket), at most
  ``RESULT_CACHE_SIZE`` entries for ``RESULT_TTL`` seconds; any index change (a product, the
  dictionary, a stock or flash-sale flag) starts a new generation, so an entry is never older
  than the index it came from by more than the TTL (vectors change in place).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.flashsale import public as flashsale
from shoplet.modules.inventory import public as inventory
from shoplet.modules.recommend import public as recommend
from shoplet.modules.search import clicks
from shoplet.modules.search import repository as repo
from shoplet.modules.search.context import NO_CONTEXT, boost_of, keys_of
from shoplet.modules.search.engine import Boost, Doc, MemoryEngine, Result
from shoplet.modules.search.planner import Dictionary
from shoplet.modules.search.text import Segmenter

log = structlog.get_logger("shoplet.search")

KEY = "search.runtime"
POLL_SECONDS = 1.0
BUILD_BATCH = 2_000
STOCK_SWEEP_SECONDS = 2.0
STOCK_SWEEP_BATCH = 1_000
STATS_SECONDS = 5.0
POPULAR_QUERIES = 50
CONTEXT_SECONDS = 60.0
RESULT_CACHE_SIZE = 2_048
RESULT_TTL = 5.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class QueryCount:
    searches: int = 0
    zero: int = 0
    found: int = 0


@dataclass
class SearchRuntime:
    ctx: AppContext
    segmenter: Segmenter = field(default_factory=Segmenter)
    engine: MemoryEngine | None = None
    last_change: int = 0
    built_seconds: float | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    counts: dict[str, QueryCount] = field(default_factory=dict)
    popular: list[tuple[str, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _sweep_at: int = 0
    _flash: set[int] = field(default_factory=set)
    # Called with the ids of the products each poll re-read (semantic search's vectors).
    listeners: list[Callable[[list[int]], object]] = field(default_factory=list)
    # Context priors (key -> product -> lift) and the boost table of each bucket asked for.
    context_lifts: dict[str, dict[int, float]] = field(default_factory=dict)
    boosts: dict[str, Boost] = field(default_factory=dict)
    results: OrderedDict[Hashable, tuple[float, Result]] = field(default_factory=OrderedDict)
    cache_hits: int = 0
    cache_misses: int = 0

    # -- life ---------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="search.index")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush_stats()

    async def _run(self) -> None:
        while self.engine is None:
            try:
                await self.build()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("search_index_build_failed")
                await asyncio.sleep(5)
        last_sweep = last_stats = last_context = time.monotonic()
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.poll()
                now = time.monotonic()
                if now - last_sweep >= STOCK_SWEEP_SECONDS:
                    last_sweep = now
                    await self.sweep()
                if now - last_stats >= STATS_SECONDS:
                    last_stats = now
                    await self.flush_stats()
                    await self.load_popular()
                if now - last_context >= CONTEXT_SECONDS:
                    last_context = now
                    await self.load_context()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("search_index_poll_failed")

    # -- building -----------------------------------------------------------------------------

    async def build(self) -> None:
        """A new index of the whole on-sale catalog, then swapped in."""
        started = time.perf_counter()
        async with read_session(self.ctx.sessionmaker) as session:
            last = await repo.last_change_id(session)
            dictionary = await self._dictionary(session)
            flash = await flashsale.live_product_ids(session, now=utcnow())
        words = [w for group in dictionary.synonyms for w in group]
        await asyncio.to_thread(self.segmenter.load, words)
        engine = MemoryEngine(self.segmenter)
        engine.set_dictionary(dictionary)
        after = 0
        while True:
            async with read_session(self.ctx.sessionmaker) as session:
                sources = await catalog.search_sources(session, after_id=after, limit=BUILD_BATCH)
                docs = await _docs(session, sources, flash)
            if not sources:
                break
            await asyncio.to_thread(_index_batch, engine, docs)
            after = sources[-1].id
        self._flash = flash
        self.engine = engine
        self.last_change = last
        self.built_seconds = time.perf_counter() - started
        await self.load_popular()
        try:
            await self.load_context()
        except Exception:  # the priors are an extra: a search without them is plain relevance
            log.exception("search_context_load_failed")
        self.ready.set()
        log.info("search_index_built", products=len(engine), seconds=round(self.built_seconds, 2))
        await self.poll()

    async def _dictionary(self, session: AsyncSession) -> Dictionary:
        synonyms = [list(s.words) for s in await repo.list_synonyms(session)]
        corrections = {c.wrong: c.right for c in await repo.list_corrections(session)}
        return Dictionary(synonyms=synonyms, corrections=corrections)

    # -- following changes --------------------------------------------------------------------

    async def poll(self) -> int:
        """Apply the change feed after the last row applied; the number of rows applied."""
        engine = self.engine
        if engine is None:
            return 0
        applied = 0
        while True:
            async with read_session(self.ctx.sessionmaker) as session:
                changes = await repo.changes_after(session, self.last_change, 1_000)
                if not changes:
                    return applied
                ids = sorted({c.product_id for c in changes if c.product_id is not None})
                if any(c.kind == "dictionary" for c in changes):
                    engine.set_dictionary(await self._dictionary(session))
                for start in range(0, len(ids), BUILD_BATCH):
                    chunk = ids[start : start + BUILD_BATCH]
                    sources = await catalog.search_sources(session, product_ids=chunk)
                    docs = await _docs(session, sources, self._flash)
                    engine.remove(chunk)
                    engine.upsert(docs)
                    for listener in self.listeners:
                        listener(chunk)
            self.last_change = changes[-1].id
            applied += len(changes)

    async def sweep(self) -> None:
        """Stock of the next indexed products, and the live flash sales."""
        engine = self.engine
        if engine is None:
            return
        async with read_session(self.ctx.sessionmaker) as session:
            flash = await flashsale.live_product_ids(session, now=utcnow())
            ids = sorted(engine.docs)
            if self._sweep_at >= len(ids):
                self._sweep_at = 0
            chunk = ids[self._sweep_at : self._sweep_at + STOCK_SWEEP_BATCH]
            self._sweep_at += STOCK_SWEEP_BATCH
            sources = await catalog.search_sources(session, product_ids=chunk) if chunk else []
            stock = await _in_stock(session, sources)
        for doc_id in self._flash ^ flash:
            engine.set_flags(doc_id, flash=doc_id in flash)
        self._flash = flash
        for source in sources:
            engine.set_flags(source.id, in_stock=stock.get(source.id, False))

    # -- query statistics ---------------------------------------------------------------------

    def count(self, query: str, found: int) -> None:
        entry = self.counts.get(query)
        if entry is None:
            if len(self.counts) >= 10_000:
                return  # a flood of distinct queries: keep the buffer bounded
            entry = self.counts[query] = QueryCount()
        entry.searches += 1
        entry.zero += found == 0
        entry.found = found

    async def flush_stats(self) -> None:
        await clicks.flush(self.ctx)  # the impressions of click-through, with the statistics
        counts, self.counts = self.counts, {}
        if not counts:
            return
        rows = [(q, c.searches, c.zero, c.found) for q, c in sorted(counts.items())]
        async with unit_of_work(self.ctx.sessionmaker) as session:
            await repo.record_queries(session, rows, utcnow())

    async def load_popular(self) -> None:
        async with read_session(self.ctx.sessionmaker) as session:
            self.popular = await repo.popular_queries(session, POPULAR_QUERIES)
        if self.engine is not None:
            self.engine.set_popular(self.popular)

    # -- context and the result cache ---------------------------------------------------------

    @property
    def context_weight(self) -> float:
        """The context boost's weight; 0 when ``SHOPLET_SEARCH_CONTEXT`` is off."""
        settings = self.ctx.settings
        return settings.search_context_weight if settings.search_context else 0.0

    async def load_context(self) -> None:
        """Re-read recommend's context priors (after each training they change)."""
        if self.context_weight <= 0:
            self.context_lifts, self.boosts = {}, {}
            return
        async with read_session(self.ctx.sessionmaker) as session:
            lifts = await recommend.context_priors(session)
        if lifts != self.context_lifts:
            self.context_lifts, self.boosts = lifts, {}
            self.results.clear()

    def boost(self, bucket: str) -> Boost | None:
        """The boost table of a context bucket (built once per bucket and priors); None when
        there is no context or nothing sells better in it."""
        weight = self.context_weight
        if bucket == NO_CONTEXT or weight <= 0 or not self.context_lifts:
            return None
        found = self.boosts.get(bucket)
        if found is None:
            keys = keys_of(bucket) or []
            found = self.boosts[bucket] = boost_of(self.context_lifts, keys, weight)
        return found if len(found) else None

    def cached(self, key: Hashable, compute: Callable[[], Result]) -> Result:
        """``compute()``, or its result for ``key`` from the last ``RESULT_TTL`` seconds."""
        now = time.monotonic()
        entry = self.results.get(key)
        if entry is not None and now - entry[0] < RESULT_TTL:
            self.cache_hits += 1
            self.results.move_to_end(key)
            return entry[1]
        self.cache_misses += 1
        result = compute()
        self.results[key] = (now, result)
        self.results.move_to_end(key)
        while len(self.results) > RESULT_CACHE_SIZE:
            self.results.popitem(last=False)
        return result


def _index_batch(engine: MemoryEngine, docs: list[Doc]) -> None:
    words = {w for d in docs for w in (d.brand, *d.texts[3:])}
    engine.segmenter.add_words(words)
    engine.upsert(docs)


async def _in_stock(
    session: AsyncSession, sources: Sequence[catalog.SearchSource]
) -> dict[int, bool]:
    levels = await inventory.get_levels(session, [s for src in sources for s in src.sku_ids])
    return {
        src.id: any(
            (level := levels.get(sku)) is not None and level.available > 0 for sku in src.sku_ids
        )
        for src in sources
    }


async def _docs(
    session: AsyncSession, sources: Sequence[catalog.SearchSource], flash: set[int]
) -> list[Doc]:
    stock = await _in_stock(session, [s for s in sources if s.on_sale])
    return [
        Doc(
            id=s.id,
            title=s.title,
            subtitle=s.subtitle,
            image=s.image,
            image_set=s.image_set,
            price=s.price,
            original_price=s.original_price,
            sales_count=s.sales_count,
            category_id=s.category_id,
            category_ids=s.category_ids,
            brand=s.brand,
            in_stock=stock.get(s.id, False),
            flash=s.id in flash,
            created=int((s.created_at - _EPOCH).total_seconds() * 1_000_000),
            texts=(s.title, s.subtitle, s.brand, *s.category_names, *s.tags),
        )
        for s in sources
        if s.on_sale
    ]


def runtime_of(ctx: AppContext) -> SearchRuntime:
    runtime: SearchRuntime | None = ctx.extras.get(KEY)
    if runtime is None:
        runtime = ctx.extras[KEY] = SearchRuntime(ctx)
    return runtime
