"""Console routes of search: synonym groups, corrections (typos and homophones), zero-result
queries with "make it a synonym" in one call, and this process's index status. Thin: each
route checks ``products:write`` (or ``products:read``), calls the service and appends an audit
entry for every change in the same transaction. Changes reach every server's index through the
change feed within about a second."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import AppContext
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.modules.search import clicks_api, service
from shoplet.modules.search.runtime import runtime_of
from shoplet.modules.search.schemas import (
    CorrectionIn,
    CorrectionOut,
    IndexStatus,
    SynonymFromQuery,
    SynonymIn,
    SynonymOut,
    ZeroResultPage,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-search"])
router.include_router(clicks_api.console_router)

Reader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]
Writer = Annotated[StaffIdentity, Depends(require_permission("products:write"))]


@router.get("/search/synonyms")
async def list_synonyms(_: Reader, session: DbSession) -> list[SynonymOut]:
    """Synonym groups (a query for one word also finds the others)."""
    return await service.list_synonyms(session)


@router.post("/search/synonyms", status_code=201, responses=problem_responses(400))
async def create_synonym(
    body: SynonymIn, staff: Writer, request: Request, session: DbSession
) -> SynonymOut:
    """Add a group of words that mean the same product."""
    saved = await service.create_synonym(session, body)
    await record_audit(
        session, staff, "search.synonym_create", f"search_synonym:{saved.id}",
        {"words": saved.words}, origin_of(request),
    )  # fmt: skip
    return saved


@router.put("/search/synonyms/{synonym_id}", responses=problem_responses(400, 404))
async def update_synonym(
    synonym_id: PathId, body: SynonymIn, staff: Writer, request: Request, session: DbSession
) -> SynonymOut:
    """Replace the words of a group."""
    saved = await service.update_synonym(session, synonym_id, body)
    await record_audit(
        session, staff, "search.synonym_update", f"search_synonym:{saved.id}",
        {"words": saved.words}, origin_of(request),
    )  # fmt: skip
    return saved


@router.delete("/search/synonyms/{synonym_id}", status_code=204, responses=problem_responses(404))
async def delete_synonym(
    synonym_id: PathId, staff: Writer, request: Request, session: DbSession
) -> None:
    """Remove a group."""
    await service.delete_synonym(session, synonym_id)
    await record_audit(
        session, staff, "search.synonym_delete", f"search_synonym:{synonym_id}", {},
        origin_of(request),
    )  # fmt: skip


@router.get("/search/corrections")
async def list_corrections(_: Reader, session: DbSession) -> list[CorrectionOut]:
    """Corrections: a typed word read as another (奶分 → 奶粉)."""
    return await service.list_corrections(session)


@router.post("/search/corrections", status_code=201, responses=problem_responses(400, 409))
async def create_correction(
    body: CorrectionIn, staff: Writer, request: Request, session: DbSession
) -> CorrectionOut:
    """Read ``wrong`` as ``right`` in every query."""
    saved = await service.create_correction(session, body)
    await record_audit(
        session, staff, "search.correction_create", f"search_correction:{saved.id}",
        {"wrong": saved.wrong, "right": saved.right}, origin_of(request),
    )  # fmt: skip
    return saved


@router.delete(
    "/search/corrections/{correction_id}", status_code=204, responses=problem_responses(404)
)
async def delete_correction(
    correction_id: PathId, staff: Writer, request: Request, session: DbSession
) -> None:
    """Remove a correction."""
    await service.delete_correction(session, correction_id)
    await record_audit(
        session, staff, "search.correction_delete", f"search_correction:{correction_id}", {},
        origin_of(request),
    )  # fmt: skip


@router.get("/search/zero-results", responses=problem_responses(400))
async def list_zero_results(
    _: Reader,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ZeroResultPage:
    """Queries whose last search found nothing, most searched first."""
    return await service.list_zero_results(session, cursor=cursor, limit=limit)


@router.post("/search/zero-results/synonym", status_code=201, responses=problem_responses(400, 404))
async def synonym_from_zero_result(
    body: SynonymFromQuery, staff: Writer, request: Request, session: DbSession
) -> SynonymOut:
    """Make a zero-result query a synonym of words that find products, in one call."""
    saved = await service.synonym_from_query(session, body.query, list(body.words))
    await record_audit(
        session, staff, "search.synonym_create", f"search_synonym:{saved.id}",
        {"words": saved.words, "from_query": body.query}, origin_of(request),
    )  # fmt: skip
    return saved


@router.get("/search/index")
async def index_status(_: Reader, request: Request) -> IndexStatus:
    """This process's index: ready, products, words, the last change applied, build time; the
    context boost's settings and how many of its buckets this process has seen; the result
    cache's hits and misses."""
    ctx: AppContext = request.app.state.ctx
    runtime = runtime_of(ctx)
    engine = runtime.engine
    return IndexStatus(
        ready=engine is not None,
        products=len(engine) if engine is not None else 0,
        words=len(engine.words) if engine is not None else 0,
        last_change_id=runtime.last_change,
        built_seconds=runtime.built_seconds,
        context_enabled=runtime.context_weight > 0,
        context_weight=runtime.context_weight,
        context_buckets=len(runtime.boosts),
        context_keys=len(runtime.context_lifts),
        cache_hits=runtime.cache_hits,
        cache_misses=runtime.cache_misses,
    )
