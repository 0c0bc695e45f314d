"""Product vectors: the embedding job (writes ``search_vector``) and each server process's
``SemanticRuntime`` (loads them into a ``VectorIndex`` and keeps it current).

- **The job** (``search.embed_products``, ``tasks.py``): a full pass over the on-sale catalog in
  id order (the first run in a worker; it resumes where the last run stopped), then the change
  feed (``search_change``) after the last row it read. For each product it hashes the text the
  model reads (``semantic.passage_text``) and embeds only those whose hash differs from the
  stored one — running it twice embeds nothing the second time. Embedding runs in a thread,
  ``EMBED_BATCH`` texts a call; one run stops after ``RUN_SECONDS`` and the next continues.
- **Every server process**: a task that does nothing until the database holds vectors of the
  model (a shop that never ran the job loads no model), then loads the model in a thread, reads
  all vectors into the matrix (in a thread, batch by batch), and from then on re-reads the
  vectors of the products the lexical index re-read (its change-feed listener). A vector whose
  hash is not the one of the product's current text is stale: the product leaves the matrix
  (it is still found lexically) and is re-checked every poll until the job has re-embedded it.
  While products have no vector at all (the job's first pass), the matrix is re-read every
  ``RELOAD_SECONDS``.
  Searches never wait for any of this: until the matrix is ready, search is lexical.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.search import repository as repo
from shoplet.modules.search.hybrid import HybridSettings
from shoplet.modules.search.runtime import SearchRuntime, runtime_of
from shoplet.modules.search.semantic import (
    E5Embedder,
    Embedder,
    QueryCache,
    VectorIndex,
    dequantize,
    passage_text,
    quantize,
    text_hash,
)
from shoplet.modules.search.text import MAX_QUERY_CHARS, normalize

log = structlog.get_logger("shoplet.search")

EMBEDDER_KEY = "search.embedder"
FACTORY_KEY = "search.embedder_factory"
SEMANTIC_KEY = "search.semantic"
SYNC_KEY = "search.vector_sync"
EMBED_BATCH = 8
SOURCE_BATCH = 256
RUN_SECONDS = 20.0
POLL_SECONDS = 1.0
LOAD_BATCH = 5_000
PENDING_SECONDS = 600.0
# While products on sale have no vector (the job's first pass), all vectors are re-read this
# often (a few MB per 10k products) rather than asking product by product.
RELOAD_SECONDS = 120.0


def _factory(ctx: AppContext) -> Callable[[], Embedder]:
    factory: Callable[[], Embedder] | None = ctx.extras.get(FACTORY_KEY)
    return factory or E5Embedder


def model_name(ctx: AppContext) -> str:
    embedder: Embedder | None = ctx.extras.get(EMBEDDER_KEY)
    if embedder is not None:
        return embedder.model
    factory = _factory(ctx)
    return str(getattr(factory, "model", E5Embedder.model))


async def embedder_of(ctx: AppContext) -> Embedder:
    """This process's model, loaded once in a worker thread (never on the event loop)."""
    embedder: Embedder | None = ctx.extras.get(EMBEDDER_KEY)
    if embedder is None:
        lock = ctx.extras.setdefault(EMBEDDER_KEY + ".lock", asyncio.Lock())
        async with lock:
            embedder = ctx.extras.get(EMBEDDER_KEY)
            if embedder is None:
                started = time.perf_counter()
                embedder = await asyncio.to_thread(_factory(ctx))
                ctx.extras[EMBEDDER_KEY] = embedder
                log.info(
                    "search_model_loaded",
                    model=embedder.model,
                    seconds=round(time.perf_counter() - started, 2),
                )
    return embedder


# -- the job ------------------------------------------------------------------------------------


@dataclass
class SyncState:
    full_after: int | None = 0  # the full pass's position; None once done
    feed: int | None = None  # the change feed's last row read
    checked: int = 0
    embedded: int = 0


@dataclass
class SyncReport:
    checked: int = 0
    embedded: int = 0
    full_pass_done: bool = False


def sync_state(ctx: AppContext) -> SyncState:
    state: SyncState | None = ctx.extras.get(SYNC_KEY)
    if state is None:
        state = ctx.extras[SYNC_KEY] = SyncState()
    return state


async def sync_vectors(
    ctx: AppContext, *, seconds: float = RUN_SECONDS, batch: int = SOURCE_BATCH
) -> SyncReport:
    """Embed the products whose text changed since their vector was written (see module doc);
    nothing when ``SHOPLET_SEARCH_SEMANTIC`` is off."""
    if not ctx.settings.search_semantic:
        return SyncReport()
    embedder = await embedder_of(ctx)
    state = sync_state(ctx)
    report = SyncReport()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if state.full_after is not None:
            async with read_session(ctx.sessionmaker) as session:
                if state.feed is None:
                    state.feed = await repo.last_change_id(session)
                sources = await catalog.search_sources(
                    session, after_id=state.full_after, limit=batch
                )
            if not sources:
                state.full_after = None
                log.info("search_vectors_full_pass_done", checked=state.checked)
                continue
            await _embed(ctx, embedder, sources, report)
            state.full_after = sources[-1].id
            log.info(
                "search_vectors_progress",
                after_id=state.full_after,
                checked=state.checked + report.checked,
                embedded=state.embedded + report.embedded,
            )
        else:
            async with read_session(ctx.sessionmaker) as session:
                changes = await repo.changes_after(session, state.feed or 0, batch)
                ids = sorted({c.product_id for c in changes if c.product_id is not None})
                sources = await catalog.search_sources(session, product_ids=ids) if ids else []
            if not changes:
                break
            await _embed(ctx, embedder, sources, report)
            state.feed = changes[-1].id
    state.checked += report.checked
    state.embedded += report.embedded
    report.full_pass_done = state.full_after is None
    return report


async def _embed(
    ctx: AppContext,
    embedder: Embedder,
    sources: Sequence[catalog.SearchSource],
    report: SyncReport,
) -> None:
    texts = {
        s.id: passage_text((s.title, s.subtitle, s.brand, *s.category_names, *s.tags))
        for s in sources
        if s.on_sale
    }
    report.checked += len(texts)
    async with read_session(ctx.sessionmaker) as session:
        stored = await repo.vector_hashes(session, embedder.model, list(texts))
    todo = [(pid, t) for pid, t in texts.items() if stored.get(pid) != text_hash(t)]
    for start in range(0, len(todo), EMBED_BATCH):
        chunk = todo[start : start + EMBED_BATCH]
        matrix = await asyncio.to_thread(embedder.embed_passages, [t for _, t in chunk])
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for (pid, text), vec in zip(chunk, matrix, strict=True):
            data, scale = quantize(vec)
            rows.append(
                {
                    "product_id": pid,
                    "model": embedder.model,
                    "text_hash": text_hash(text),
                    "dim": embedder.dim,
                    "scale": scale,
                    "vector": data,
                    "updated_at": now,
                }
            )
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.upsert_vectors(session, rows)
        report.embedded += len(rows)


# -- every server process -----------------------------------------------------------------------


@dataclass
class SemanticRuntime:
    ctx: AppContext
    lexical: SearchRuntime
    settings: HybridSettings = field(default_factory=HybridSettings)
    embedder: Embedder | None = None
    index: VectorIndex | None = None
    cache: QueryCache = field(default_factory=QueryCache)
    pending: dict[int, float] = field(default_factory=dict)
    loaded_seconds: float | None = None
    missing: int = 0
    _loaded_at: float = 0.0
    _changed: set[int] = field(default_factory=set)
    _task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self.settings.enabled and self.index is not None and self.embedder is not None

    async def start(self) -> None:
        self.lexical.listeners.append(self._changed.update)
        self._task = asyncio.create_task(self._run(), name="search.semantic")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.lexical.listeners.remove(self._changed.update)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("search_semantic_step_failed")
            await asyncio.sleep(POLL_SECONDS)

    async def step(self) -> None:
        """Load the model and the vectors when there are some; else apply changed vectors."""
        if (
            not self.settings.enabled
            or not self.ctx.settings.search_semantic
            or self.lexical.engine is None
        ):
            return
        if self.index is None:
            async with read_session(self.ctx.sessionmaker) as session:
                count = await repo.vector_count(session, model_name(self.ctx))
            if count == 0:
                return
            self.embedder = await embedder_of(self.ctx)
            await self.load()
        elif self.missing and time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            await self.load()
        else:
            await self.refresh()

    async def load(self) -> None:
        engine, embedder = self.lexical.engine, self.embedder
        if engine is None or embedder is None:
            return
        started = time.perf_counter()
        self._changed.clear()
        index = VectorIndex(embedder.dim, capacity=max(1_024, len(engine)))
        current = {pid: _doc_hash(doc.texts) for pid, doc in list(engine.docs.items())}
        after = 0
        while True:
            async with read_session(self.ctx.sessionmaker) as session:
                rows = await repo.vectors(session, embedder.model, after_id=after, limit=LOAD_BATCH)
            if not rows:
                break
            after = rows[-1].product_id
            batch = [(r.product_id, r.text_hash, r.vector, r.scale) for r in rows]
            await asyncio.to_thread(_fill, index, batch, current)
        self.missing = sum(pid not in index for pid in current)
        self._loaded_at = time.monotonic()
        self.index = index
        self.loaded_seconds = time.perf_counter() - started
        log.info(
            "search_vectors_loaded",
            vectors=len(index),
            missing=self.missing,
            seconds=round(self.loaded_seconds, 2),
        )

    async def refresh(self) -> None:
        """Re-read the vectors of changed products and of those still waiting for the job."""
        engine, embedder, index = self.lexical.engine, self.embedder, self.index
        if engine is None or embedder is None or index is None:
            return
        now = time.monotonic()
        for pid in self._changed:
            self.pending.setdefault(pid, now)
        self._changed.clear()
        for pid, since in list(self.pending.items()):
            if now - since > PENDING_SECONDS:
                del self.pending[pid]  # the job has not embedded it in 10 minutes: stop asking
        ids = sorted(self.pending)
        for start in range(0, len(ids), LOAD_BATCH):
            chunk = ids[start : start + LOAD_BATCH]
            async with read_session(self.ctx.sessionmaker) as session:
                rows = {
                    r.product_id: r
                    for r in await repo.vectors(session, embedder.model, product_ids=chunk)
                }
            for pid in chunk:
                doc = engine.docs.get(pid)
                row = rows.get(pid)
                if doc is None:
                    index.remove([pid])
                    self.pending.pop(pid, None)
                elif row is not None and row.text_hash == _doc_hash(doc.texts):
                    index.upsert(pid, dequantize(row.vector, row.scale), row.text_hash)
                    self.pending.pop(pid, None)
                elif index.hashes.get(pid) != _doc_hash(doc.texts):
                    index.remove([pid])  # stale: lexical only until the job re-embeds it

    def query_vector(self, text: str) -> npt.NDArray[np.float32] | None:
        return self.cache.get(text) if self.ready else None

    async def prepare(self, q: str) -> None:
        """Embed the query (in a thread, cached) so that ``hybrid.search`` finds its vector;
        gives up after ``settings.query_timeout`` (the search is then lexical)."""
        embedder = self.embedder
        text = normalize(q)[:MAX_QUERY_CHARS]
        if not self.ready or embedder is None or not text or self.cache.get(text) is not None:
            return
        try:
            matrix = await asyncio.wait_for(
                asyncio.to_thread(embedder.embed_queries, [text]), self.settings.query_timeout
            )
        except TimeoutError:
            log.warning("search_query_embedding_slow", query=text)
            return
        self.cache.put(text, matrix[0])


def _doc_hash(texts: Sequence[str]) -> str:
    return text_hash(passage_text(texts))


def _fill(
    index: VectorIndex, rows: list[tuple[int, str, bytes, float]], current: dict[int, str]
) -> None:
    for pid, digest, data, scale in rows:
        if current.get(pid) == digest:
            index.upsert(pid, dequantize(data, scale), digest)


def semantic_of(ctx: AppContext) -> SemanticRuntime:
    runtime: SemanticRuntime | None = ctx.extras.get(SEMANTIC_KEY)
    if runtime is None:
        runtime = ctx.extras[SEMANTIC_KEY] = SemanticRuntime(ctx, runtime_of(ctx))
    return runtime
