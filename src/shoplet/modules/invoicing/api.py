"""Storefront and provider routes of invoicing (tag invoicing): a shopper's invoice titles,
an order's invoice request, its invoices and their files (PDF, OFD), and Nuonuo's callback
(public: the signature is the authentication)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.integrations.invoicing.nuonuo import CALLBACK_FAILED, CALLBACK_OK
from shoplet.integrations.invoicing.provider import CallbackRejected
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.invoicing import service
from shoplet.modules.invoicing.schemas import Invoice, InvoiceRequestInput, Title, TitleInput
from shoplet.modules.members.public import CurrentMember

router = APIRouter(tags=["invoicing"])
log = structlog.get_logger("shoplet.invoicing")

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
InvoiceNo = Annotated[str, Path(min_length=20, max_length=20, pattern=r"^FP[0-9A-F]{18}$")]
# Checked by the service (400 invoicing.format_unknown), not by the schema (422).
FileFormat = Annotated[
    str, Query(alias="format", max_length=20, description="`pdf` (default) or `ofd`")
]
CALLBACK_FORM_MAX = 64 * 1024


@router.get("/invoice-titles", responses=problem_responses(401))
async def list_titles(
    *, member: CurrentMember, session: DbSession, response: Response
) -> list[Title]:
    """The shopper's saved invoice titles (发票抬头)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.list_titles(session, member.id)


@router.post("/invoice-titles", status_code=201, responses=problem_responses(400, 401, 409))
async def create_title(data: TitleInput, *, member: CurrentMember, session: DbSession) -> Title:
    """Save a title: a person's name, or a company with its 统一社会信用代码 (checked: 400
    ``invoicing.tax_id_invalid``, nothing saved)."""
    return await service.create_title(session, member.id, data)


@router.put("/invoice-titles/{title_id}", responses=problem_responses(400, 401, 404))
async def update_title(
    title_id: PathId, data: TitleInput, *, member: CurrentMember, session: DbSession
) -> Title:
    return await service.update_title(session, member.id, title_id, data)


@router.delete("/invoice-titles/{title_id}", status_code=204, responses=problem_responses(401, 404))
async def delete_title(title_id: PathId, *, member: CurrentMember, session: DbSession) -> None:
    await service.delete_title(session, member.id, title_id)


@router.post(
    "/orders/{order_no}/invoices", status_code=201, responses=problem_responses(401, 404, 409)
)
async def request_invoice(
    order_no: OrderNo, data: InvoiceRequestInput, *, member: CurrentMember, session: DbSession
) -> Invoice:
    """Ask for the order's e-invoice (paid or completed orders; one active invoice per order:
    409 ``invoicing.already_requested``). It is issued within a minute or so."""
    return await service.request_invoice(session, member.id, order_no, data)


@router.get("/orders/{order_no}/invoices", responses=problem_responses(401, 404))
async def order_invoices(
    order_no: OrderNo, *, member: CurrentMember, session: DbSession, response: Response
) -> list[Invoice]:
    """The order's invoices, oldest first (red-letter ones included)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.order_invoices(session, member.id, order_no)


_FILE_RESPONSES: dict[str, object] = {"application/pdf": {}, "application/ofd": {}}


def _attachment(document: bytes, filename: str, media_type: str) -> Response:
    return Response(
        document,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/invoices/{invoice_no}/pdf",
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the invoice"},
        **problem_responses(401, 404, 409),
    },
)
async def invoice_pdf(
    invoice_no: InvoiceNo, *, member: CurrentMember, session: DbSession
) -> Response:
    """An issued invoice's PDF (the shopper's own)."""
    return _attachment(*await service.invoice_file(session, invoice_no, member_id=member.id))


@router.get(
    "/invoices/{invoice_no}/download",
    responses={
        200: {"content": _FILE_RESPONSES, "description": "the invoice"},
        **problem_responses(400, 401, 404, 409),
    },
)
async def download_invoice(
    invoice_no: InvoiceNo,
    *,
    member: CurrentMember,
    session: DbSession,
    file_format: FileFormat = "pdf",
) -> Response:
    """An issued invoice as ``pdf`` or ``ofd`` (GB/T 33190, ``application/ofd``), the
    shopper's own; another format is 400 ``invoicing.format_unknown``."""
    return _attachment(
        *await service.invoice_file(
            session, invoice_no, member_id=member.id, file_format=file_format
        )
    )


@router.post(
    "/invoicing/nuonuo/callback",
    responses={200: {"description": "Nuonuo's answer: status 0000, or anything else to retry"}},
)
async def nuonuo_callback(
    request: Request, *, session: DbSession, integrations: IntegrationsDep
) -> JSONResponse:
    """Nuonuo's issue result (form ``operater``, ``orderno``, ``nonce``, ``timestamp``,
    ``content``; header ``X-Nuonuo-Sign``): verified, applied once, answered in Nuonuo's
    format. A bad or missing signature, a stale timestamp or an invoice that is not ours
    changes nothing and is answered with a failure."""
    provider = integrations.invoice_provider
    if provider is None:
        return JSONResponse(CALLBACK_FAILED)
    form = await request.form(max_files=0, max_fields=10, max_part_size=CALLBACK_FORM_MAX)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        result = provider.parse_callback(fields, request.headers.get("X-Nuonuo-Sign"))
    except CallbackRejected as exc:
        log.warning("nuonuo_callback_rejected", reason=str(exc))
        return JSONResponse(CALLBACK_FAILED)
    if not await service.apply_result(session, result, now=utcnow()):
        log.warning("nuonuo_callback_unknown", invoice_no=result.invoice_no)
        return JSONResponse(CALLBACK_FAILED)
    return JSONResponse(CALLBACK_OK)
