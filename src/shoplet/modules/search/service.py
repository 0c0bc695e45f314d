"""Search use cases: searching, suggestions, hot searches (this process's index, no SQL on the
request path), and the merchant's dictionary and zero-result queries (console)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from shoplet.modules.catalog.public import ImageSet, ProductSummary
from shoplet.modules.search import clicks, hybrid, ranking
from shoplet.modules.search import repository as repo
from shoplet.modules.search.context import NO_CONTEXT, keys_of
from shoplet.modules.search.engine import Filters, MemoryEngine
from shoplet.modules.search.errors import (
    CorrectionExists,
    CorrectionNotFound,
    IndexNotReady,
    InvalidCorrection,
    InvalidPriceRange,
    InvalidSynonym,
    QueryNotFound,
    SynonymNotFound,
)
from shoplet.modules.search.models import Correction, Synonym
from shoplet.modules.search.runtime import SearchRuntime
from shoplet.modules.search.schemas import (
    CorrectionIn,
    CorrectionOut,
    SearchPage,
    SearchSort,
    SynonymIn,
    SynonymOut,
    ZeroResultPage,
    ZeroResultQuery,
)
from shoplet.modules.search.text import MAX_QUERY_CHARS, normalize, runs
from shoplet.modules.search.vectors import semantic_of

HOT_SEARCHES = 10
MAX_SYNONYMS = 20


def _engine(runtime: SearchRuntime) -> MemoryEngine:
    if runtime.engine is None:
        raise IndexNotReady("the search index is being built; try again in a few seconds")
    return runtime.engine


def _decode(cursor: str, sort: SearchSort) -> tuple[tuple[int, int, int], str, str]:
    """The key after which the page starts, the context bucket and the ranking preset the
    search was ranked with (a cursor from before context ranking has neither, one from before
    the presets no preset)."""
    for length in (6, 5, 4):
        try:
            values = decode_cursor(cursor, length=length)
            break
        except InvalidCursor:
            if length == 4:
                raise
    values = [*values, NO_CONTEXT, "default"][:6]
    bucket, preset = values[4], values[5]
    if (
        values[0] != sort
        or not all(isinstance(v, int) for v in values[1:4])
        or not isinstance(bucket, str)
        or keys_of(bucket) is None
        or preset not in ranking.RANKINGS
    ):
        raise InvalidCursor("cursor is not one this API issued (or for another sort)")
    return (values[1], values[2], values[3]), bucket, preset


def search(
    runtime: SearchRuntime,
    q: str,
    *,
    filters: Filters,
    sort: SearchSort = "relevance",
    cursor: str | None = None,
    limit: int = 20,
    bucket: str = NO_CONTEXT,
    preset: str = "default",
) -> SearchPage:
    """A page of products matching ``q`` (empty: every product, by the sort) and the filters;
    the query is counted for hot searches and the zero-result list. ``bucket``: the shopper's
    context (``context.bucket_of``), which boosts relevance; a cursor keeps the bucket its
    first page was ranked in. ``preset``: the ranking weights (``ranking.py``, an A/B test's arm);
    a cursor keeps its first page's preset too. Answered from the runtime's result cache when it
    can."""
    if (
        filters.price_min is not None
        and filters.price_max is not None
        and filters.price_min > filters.price_max
    ):
        raise InvalidPriceRange(f"price_min {filters.price_min} is above price_max")
    engine = _engine(runtime)
    after: tuple[int, int, int] | None = None
    if cursor:
        after, bucket, preset = _decode(cursor, sort)
    text = normalize(q)[:MAX_QUERY_CHARS]
    if not text or sort != "relevance":
        bucket = NO_CONTEXT  # the context reorders relevance only
    if text:
        semantic = semantic_of(runtime.ctx)
        index, vector = semantic.index, semantic.query_vector(text)
        boost = runtime.boost(bucket)
        key = (
            engine.generation,
            id(index),
            len(index) if index is not None else 0,
            vector is not None,
            text,
            filters,
            sort,
            after,
            limit,
            bucket if boost is not None else NO_CONTEXT,
            preset,
        )
        result = runtime.cached(
            key,
            lambda: hybrid.search(
                engine,
                text,
                index=index,
                query=vector,
                settings=ranking.settings_for(semantic.settings, preset),
                filters=filters,
                sort=sort,
                after=after,
                limit=limit,
                facets=after is None,
                boost=boost,
            ),
        )
    else:
        result = engine.browse(filters=filters, sort=sort, after=after, limit=limit)
    if after is None and runs(text):
        runtime.count(text, result.total)
    items = [
        ProductSummary.model_construct(
            id=h.doc.id,
            title=h.doc.title,
            subtitle=h.doc.subtitle,
            image=h.doc.image,
            image_set=ImageSet.model_construct(**h.doc.image_set) if h.doc.image_set else None,
            price=h.doc.price,
            original_price=h.doc.original_price,
            sales_count=h.doc.sales_count,
            category_id=h.doc.category_id,
        )
        for h in result.hits
    ]
    next_cursor = None
    if result.has_more and result.hits:
        next_cursor = encode_cursor([sort, *result.hits[-1].key, bucket, preset])
    facets: Any = result.facets
    page = SearchPage(
        items=items,
        facets=facets,
        total=result.total,
        next_cursor=next_cursor,
        corrected_query=result.corrected_query,
    )
    # The preset orders only a relevance search; any other sort is the default's order.
    variant = preset if sort == "relevance" else "default"
    return clicks.stamp(runtime.ctx, page, q, first_page=after is None, variant=variant)


def suggest(runtime: SearchRuntime, q: str, limit: int = 10) -> list[str]:
    if runtime.engine is None:
        return []
    return runtime.engine.suggest(q, limit)


def hot_searches(runtime: SearchRuntime, limit: int = HOT_SEARCHES) -> list[str]:
    return [q for q, _ in runtime.popular[:limit]]


def match_ids(runtime: SearchRuntime, q: str, limit: int) -> list[int] | None:
    """The product list's ``q``: ids by relevance, None while the index is being built."""
    if runtime.engine is None:
        return None
    return runtime.engine.match_ids(q, limit)


# -- the dictionary (console) -------------------------------------------------------------------


def _clean_words(words: list[str]) -> list[str]:
    seen: list[str] = []
    for word in words:
        normal = normalize(word)
        if normal and normal not in seen:
            seen.append(normal)
    if not 2 <= len(seen) <= MAX_SYNONYMS:
        raise InvalidSynonym("a synonym group needs 2 to 20 different words")
    return seen


async def _dictionary_changed(session: AsyncSession) -> None:
    await repo.add_changes(session, "dictionary", [None], utcnow())


async def list_synonyms(session: AsyncSession) -> list[SynonymOut]:
    return [SynonymOut.model_validate(s) for s in await repo.list_synonyms(session)]


async def create_synonym(session: AsyncSession, body: SynonymIn) -> SynonymOut:
    now = utcnow()
    row = Synonym(words=_clean_words(list(body.words)), created_at=now, updated_at=now)
    repo.add(session, row)
    await session.flush()
    await _dictionary_changed(session)
    return SynonymOut.model_validate(row)


async def update_synonym(session: AsyncSession, synonym_id: int, body: SynonymIn) -> SynonymOut:
    words = _clean_words(list(body.words))
    row = await repo.get_synonym(session, synonym_id)
    if row is None:
        raise SynonymNotFound(f"synonym group {synonym_id} does not exist")
    row.words = words
    row.updated_at = utcnow()
    await session.flush()
    await _dictionary_changed(session)
    return SynonymOut.model_validate(row)


async def delete_synonym(session: AsyncSession, synonym_id: int) -> None:
    row = await repo.get_synonym(session, synonym_id)
    if row is None:
        raise SynonymNotFound(f"synonym group {synonym_id} does not exist")
    await repo.delete_row(session, row)
    await _dictionary_changed(session)


async def list_corrections(session: AsyncSession) -> list[CorrectionOut]:
    return [CorrectionOut.model_validate(c) for c in await repo.list_corrections(session)]


async def create_correction(session: AsyncSession, body: CorrectionIn) -> CorrectionOut:
    wrong, right = normalize(body.wrong), normalize(body.right)
    if not wrong or not right or wrong == right:
        raise InvalidCorrection("the wrong and the right word must differ")
    if await repo.correction_by_wrong(session, wrong) is not None:
        raise CorrectionExists(f"{wrong!r} already has a correction")
    row = Correction(wrong=wrong, right=right, created_at=utcnow())
    repo.add(session, row)
    await session.flush()
    await _dictionary_changed(session)
    return CorrectionOut.model_validate(row)


async def delete_correction(session: AsyncSession, correction_id: int) -> None:
    row = await repo.get_correction(session, correction_id)
    if row is None:
        raise CorrectionNotFound(f"correction {correction_id} does not exist")
    await repo.delete_row(session, row)
    await _dictionary_changed(session)


async def list_zero_results(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> ZeroResultPage:
    after: tuple[int, str] | None = None
    if cursor:
        searches, query = decode_cursor(cursor, length=2)
        if not isinstance(searches, int) or not isinstance(query, str):
            raise InvalidCursor("cursor is not one this API issued")
        after = (searches, query)
    rows = await repo.zero_result_queries(session, after=after, limit=limit + 1)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([page[-1].searches, page[-1].query])
    return ZeroResultPage(
        items=[ZeroResultQuery.model_validate(r) for r in page], next_cursor=next_cursor
    )


async def synonym_from_query(session: AsyncSession, query: str, words: list[str]) -> SynonymOut:
    """Make a zero-result query a synonym of ``words`` (one call from the console's list)."""
    normal = normalize(query)
    if await repo.get_query_stat(session, normal) is None:
        raise QueryNotFound(f"{normal!r} was never searched")
    return await create_synonym(session, SynonymIn.model_construct(words=[normal, *words]))
