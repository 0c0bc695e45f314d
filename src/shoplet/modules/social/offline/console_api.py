"""Console routes of offline codes (线下码, ``promotions:manage``): create one, or one per store
for a campaign; list with what each brought, totals per store; disable; download the printable
mini-program code and the H5 QR code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.social.offline import service
from shoplet.modules.social.offline.schemas import (
    OfflineCode,
    OfflineCodeBulkCreate,
    OfflineCodeCreate,
    OfflineCodePage,
    OfflineStoreStat,
)
from shoplet.modules.staff.public import StaffIdentity, require_permission

router = APIRouter(tags=["console-offline-code"])

Marketer = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "PNG image"}
}


def _origin(request: Request) -> str:
    return str(request.base_url)


@router.post(
    "/offline-codes", status_code=status.HTTP_201_CREATED, responses=problem_responses(404)
)
async def create_offline_code(
    body: OfflineCodeCreate, staff: Marketer, session: DbSession, request: Request
) -> OfflineCode:
    """A code for one placement (poster, shelf, table tent, receipt…)."""
    return await service.create_code(session, body, staff_id=staff.id, origin=_origin(request))


@router.post(
    "/offline-codes/bulk",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404),
)
async def create_offline_codes_for_stores(
    body: OfflineCodeBulkCreate, staff: Marketer, session: DbSession, request: Request
) -> list[OfflineCode]:
    """One code per store open for business, for one campaign."""
    return await service.create_for_stores(
        session, body, staff_id=staff.id, origin=_origin(request)
    )


@router.get("/offline-codes", responses=problem_responses(400))
async def list_offline_codes(
    _: Marketer,
    session: DbSession,
    request: Request,
    store_id: QueryId = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OfflineCodePage:
    """Codes, newest first, with scans, visitors, orders and revenue."""
    return await service.list_codes(
        session, store_id=store_id, cursor=cursor, limit=limit, origin=_origin(request)
    )


@router.get("/offline-codes/stores")
async def offline_code_store_stats(_: Marketer, session: DbSession) -> list[OfflineStoreStat]:
    """What the codes brought, per store."""
    return await service.store_stats(session)


@router.post("/offline-codes/{code_id}/disable", responses=problem_responses(404))
async def disable_offline_code(
    code_id: PathId, _: Marketer, session: DbSession, request: Request
) -> OfflineCode:
    """Disable a code: scanning it then opens the home page and counts nothing."""
    return await service.set_active(session, code_id, is_active=False, origin=_origin(request))


@router.post("/offline-codes/{code_id}/enable", responses=problem_responses(404))
async def enable_offline_code(
    code_id: PathId, _: Marketer, session: DbSession, request: Request
) -> OfflineCode:
    """Enable a disabled code again."""
    return await service.set_active(session, code_id, is_active=True, origin=_origin(request))


@router.get(
    "/offline-codes/{code_id}/wxacode.png",
    response_class=Response,
    responses={**PNG, **problem_responses(400, 404, 429, 503)},
)
async def offline_code_wxacode(
    code_id: PathId,
    _: Marketer,
    session: DbSession,
    integrations: IntegrationsDep,
    width: Annotated[int, Query(ge=280, le=1280)] = service.PRINT_WIDTH,
) -> Response:
    """The printable mini-program code (scene = the code)."""
    code = await service.get_code(session, code_id)
    png = await service.wxacode_png(integrations.wxacode, code, width)
    return _download(png, f"{code.code}-mp.png")


@router.get(
    "/offline-codes/{code_id}/qr.png",
    response_class=Response,
    responses={**PNG, **problem_responses(404)},
)
async def offline_code_h5_qr(
    code_id: PathId,
    _: Marketer,
    session: DbSession,
    request: Request,
    side: Annotated[int, Query(ge=200, le=1600)] = service.PRINT_WIDTH,
) -> Response:
    """The H5 shop's QR code of the code (``?c=``)."""
    code = await service.get_code(session, code_id)
    png = await service.h5_qr_png(code, _origin(request), side)
    return _download(png, f"{code.code}-h5.png")


def _download(png: bytes, filename: str) -> Response:
    return Response(
        png,
        media_type="image/png",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )
