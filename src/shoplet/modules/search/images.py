"""Search by photo: the job that describes every product's first image (``search_image``) and
each process's matrix of those descriptions, answering ``POST /api/v1/search/image``.

- **The job** (``search.image_features``, ``tasks.py``): a full pass over the on-sale catalog
  in id order (resumed run after run, progress logged as ``search_images_progress``), then the
  change feed (``search_change``, written from the catalog's product events) after the last row
  it read — so a product created, imported or given a new first image is described within one
  job interval. A product is (re)computed only when the image URL or the recipe
  (``image_features.VERSION``) differs from the stored row; running it twice computes nothing.
  The image read is the product's own stored file (its ``list`` variant, 360 px, when it went
  through the image pipeline), from the media storage; external URLs are skipped.
- **Every server process** keeps the vectors in one float32 matrix, read on the first photo
  search and re-read when the table's row count or last write changes (one aggregate query per
  photo search). Only products in this process's lexical index — on sale — are answered.
- **A search**: the upload is decoded safely and described in a thread
  (``image_features.features``), one matrix-vector product gives the cosine with every product,
  the ``limit`` nearest above ``MIN_SCORE`` are kept and in-stock products come first (the
  text search ranks by stock the same way: out-of-stock products are shown, last).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.storage import MEDIA_URL_PREFIX, ObjectNotFound, get_storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.catalog.public import ImageSet, ProductSummary
from shoplet.modules.search import image_features as features
from shoplet.modules.search import repository as repo
from shoplet.modules.search.engine import Doc
from shoplet.modules.search.errors import ImageInvalid, IndexNotReady
from shoplet.modules.search.runtime import SearchRuntime
from shoplet.modules.search.schemas import SearchPage

log = structlog.get_logger("shoplet.search")

IMAGES_KEY = "search.images"
SYNC_KEY = "search.image_sync"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Per client address: a photo search decodes an image and scans every vector.
RATE_LIMIT = "30/minute;300/hour"
# Below this cosine a product does not look like the photo at all (tested catalogue: the
# product photographed scores > 0.95, another colour and shape < 0.4).
MIN_SCORE = 0.45
SOURCE_BATCH = 256
# Nearest vectors looked at per result asked for before the whole matrix is sorted.
CANDIDATES_PER_RESULT = 4
WRITE_BATCH = 64
RUN_SECONDS = 20.0
LOAD_BATCH = 5_000


# -- the job ------------------------------------------------------------------------------------


@dataclass
class SyncState:
    full_after: int | None = 0  # the full pass's position; None once done
    feed: int | None = None  # the change feed's last row read
    computed: int = 0


@dataclass
class SyncReport:
    checked: int = 0
    computed: int = 0
    removed: int = 0
    full_pass_done: bool = False


def _sync_state(ctx: AppContext) -> SyncState:
    state: SyncState | None = ctx.extras.get(SYNC_KEY)
    if state is None:
        state = ctx.extras[SYNC_KEY] = SyncState()
    return state


def image_url_of(source: catalog.SearchSource) -> str | None:
    """The stored file describing the product: its first image's ``list`` variant (what the
    product list shows), else the image itself; only files of this shop's media storage."""
    url = (source.image_set or {}).get("list") or source.image
    if isinstance(url, str) and url.startswith(f"{MEDIA_URL_PREFIX}/"):
        return url
    return None


async def sync_images(
    ctx: AppContext, *, seconds: float = RUN_SECONDS, batch: int = SOURCE_BATCH
) -> SyncReport:
    """Describe the products whose first image changed since their row was written (see the
    module doc). Returns what this run did."""
    state = _sync_state(ctx)
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
                log.info("search_images_full_pass_done", computed=state.computed)
                continue
            await _describe(ctx, sources, report)
            state.full_after = sources[-1].id
            log.info(
                "search_images_progress",
                after_id=state.full_after,
                computed=state.computed + report.computed,
            )
        else:
            async with read_session(ctx.sessionmaker) as session:
                changes = await repo.changes_after(session, state.feed or 0, batch)
                ids = sorted({c.product_id for c in changes if c.product_id is not None})
                sources = await catalog.search_sources(session, product_ids=ids) if ids else []
            if not changes:
                break
            await _describe(ctx, sources, report)
            state.feed = changes[-1].id
    state.computed += report.computed
    report.full_pass_done = state.full_after is None
    return report


async def _describe(
    ctx: AppContext, sources: Sequence[catalog.SearchSource], report: SyncReport
) -> None:
    wanted = {s.id: image_url_of(s) if s.on_sale else None for s in sources}
    report.checked += len(wanted)
    async with read_session(ctx.sessionmaker) as session:
        stored = await repo.image_sources(session, list(wanted))
    gone = [pid for pid, url in wanted.items() if url is None and pid in stored]
    todo = [
        (pid, url)
        for pid, url in wanted.items()
        if url is not None and stored.get(pid) != f"{features.VERSION} {url}"
    ]
    storage = get_storage(ctx, "media")
    rows: list[dict[str, Any]] = []
    for pid, url in todo:
        try:
            data = await storage.read(url.removeprefix(f"{MEDIA_URL_PREFIX}/"))
            vector = await asyncio.to_thread(features.features, data)
        except (ObjectNotFound, ValueError) as exc:  # a missing file, a bad key or bad bytes
            log.warning("search_image_unreadable", product_id=pid, url=url, error=str(exc))
            if pid in stored:
                gone.append(pid)
            continue
        rows.append(
            {
                "product_id": pid,
                "image_url": url,
                "version": features.VERSION,
                "dim": features.DIM,
                "vector": features.to_bytes(vector),
                "updated_at": utcnow(),
            }
        )
        if len(rows) >= WRITE_BATCH:
            await _write(ctx, rows, [])
            report.computed += len(rows)
            rows = []
    await _write(ctx, rows, gone)
    report.computed += len(rows)
    report.removed += len(gone)


async def _write(ctx: AppContext, rows: list[dict[str, Any]], gone: list[int]) -> None:
    if rows or gone:
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.upsert_images(session, rows)
            await repo.delete_images(session, gone)


# -- every server process -----------------------------------------------------------------------


@dataclass
class ImageIndex:
    """Product ids and their unit feature vectors, one row each."""

    ids: npt.NDArray[np.int64]
    matrix: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        result: npt.NDArray[np.float32] = self.matrix @ query
        return result


def build_index(rows: Sequence[tuple[int, bytes]]) -> ImageIndex:
    good = [(pid, data) for pid, data in rows if len(data) == features.DIM * 4]
    matrix = np.empty((len(good), features.DIM), dtype=np.float32)
    for i, (_, data) in enumerate(good):
        matrix[i] = np.frombuffer(data, dtype="<f4")
    return ImageIndex(ids=np.array([pid for pid, _ in good], dtype=np.int64), matrix=matrix)


@dataclass
class ImageSearch:
    ctx: AppContext
    index: ImageIndex | None = None
    fingerprint: tuple[int, datetime | None] | None = None
    loaded_seconds: float | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def current(self) -> ImageIndex:
        """The matrix, re-read when the table changed since it was read."""
        async with read_session(self.ctx.sessionmaker) as session:
            fingerprint = await repo.image_fingerprint(session)
        if self.index is not None and fingerprint == self.fingerprint:
            return self.index
        async with self._lock:
            if self.index is None or fingerprint != self.fingerprint:
                return await self._load(fingerprint)
            return self.index

    async def _load(self, fingerprint: tuple[int, datetime | None]) -> ImageIndex:
        started = time.perf_counter()
        rows: list[tuple[int, bytes]] = []
        after = 0
        while True:
            async with read_session(self.ctx.sessionmaker) as session:
                page = await repo.image_vectors(
                    session, features.VERSION, after_id=after, limit=LOAD_BATCH
                )
            if not page:
                break
            rows.extend(page)
            after = page[-1][0]
        index = self.index = await asyncio.to_thread(build_index, rows)
        self.fingerprint = fingerprint
        self.loaded_seconds = time.perf_counter() - started
        log.info("search_images_loaded", vectors=len(index), seconds=self.loaded_seconds)
        return index


def images_of(ctx: AppContext) -> ImageSearch:
    search: ImageSearch | None = ctx.extras.get(IMAGES_KEY)
    if search is None:
        search = ctx.extras[IMAGES_KEY] = ImageSearch(ctx)
    return search


def rank(
    index: ImageIndex,
    query: npt.NDArray[np.float32],
    docs: dict[int, Doc],
    *,
    limit: int,
    min_score: float = MIN_SCORE,
) -> list[tuple[Doc, float]]:
    """The ``limit`` products on sale that look most like ``query`` (cosine ≥ ``min_score``),
    in-stock ones first, each group by likeness."""
    if not len(index):
        return []
    scores = index.scores(query)
    # The nearest few first (a partial sort); all of them only when too many of those are
    # not on sale.
    pool = min(len(scores), limit * CANDIDATES_PER_RESULT)
    for candidates in (np.argpartition(-scores, pool - 1)[:pool], np.arange(len(scores))):
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        picked: list[tuple[Doc, float]] = []
        for row in order:
            score = float(scores[row])
            if score < min_score:
                break
            doc = docs.get(int(index.ids[row]))
            if doc is not None:
                picked.append((doc, score))
                if len(picked) >= limit:
                    break
        if len(picked) >= limit or score < min_score or pool == len(scores):
            break
    return sorted(picked, key=lambda pair: (not pair[0].in_stock, -pair[1]))


async def search_by_image(runtime: SearchRuntime, data: bytes, *, limit: int) -> SearchPage:
    """Products that look like the photo ``data`` (PNG, JPEG or WebP bytes), as a search page
    (no facets, no cursor). Raises ``ImageInvalid``; ``IndexNotReady`` just after start-up."""
    engine = runtime.engine
    if engine is None:
        raise IndexNotReady("the search index is being built; try again in a few seconds")
    try:
        query = await asyncio.to_thread(features.features, data)
    except features.ImageUnreadable as exc:
        raise ImageInvalid(str(exc)) from exc
    index = await images_of(runtime.ctx).current()
    hits = rank(index, query, engine.docs, limit=limit)
    return SearchPage(items=[_summary(doc) for doc, _ in hits], facets=None, total=len(hits))


def _summary(doc: Doc) -> ProductSummary:
    return ProductSummary.model_construct(
        id=doc.id,
        title=doc.title,
        subtitle=doc.subtitle,
        image=doc.image,
        image_set=ImageSet.model_construct(**doc.image_set) if doc.image_set else None,
        price=doc.price,
        original_price=doc.original_price,
        sales_count=doc.sales_count,
        category_id=doc.category_id,
    )
