"""Console routes of invoicing (``invoices:manage``): the 发票 queue by status, an invoice's
PDF or OFD, 重试 for a failed issue, and a product's tax profile (税收分类编码 and rate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.invoicing import service
from shoplet.modules.invoicing.schemas import (
    InvoiceAdmin,
    InvoiceStatus,
    TaxProfile,
    TaxProfileInput,
)
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

router = APIRouter()

Manager = Annotated[StaffIdentity, Depends(require_permission("invoices:manage"))]
InvoiceNo = Annotated[str, Path(min_length=20, max_length=20, pattern=r"^FP[0-9A-F]{18}$")]
# Checked by the service (400 invoicing.format_unknown), not by the schema (422).
FileFormat = Annotated[
    str, Query(alias="format", max_length=20, description="`pdf` (default) or `ofd`")
]


@router.get("/invoices", responses=problem_responses(400))
async def list_invoices(
    *,
    staff: Manager,
    session: DbSession,
    status: InvoiceStatus | None = None,
    order_no: Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"^\d+$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[InvoiceAdmin]:
    """发票: invoices newest first, by status or order."""
    return await service.list_admin(
        session, status=status, order_no=order_no, cursor=cursor, limit=limit
    )


def _inline(document: bytes, filename: str, media_type: str) -> Response:
    return Response(
        document,
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/invoices/{invoice_no}/pdf",
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the invoice"},
        **problem_responses(404, 409),
    },
)
async def invoice_pdf(invoice_no: InvoiceNo, *, staff: Manager, session: DbSession) -> Response:
    return _inline(*await service.invoice_file(session, invoice_no, member_id=None))


@router.get(
    "/invoices/{invoice_no}/download",
    responses={
        200: {
            "content": {"application/pdf": {}, "application/ofd": {}},
            "description": "the invoice",
        },
        **problem_responses(400, 404, 409),
    },
)
async def download_invoice(
    invoice_no: InvoiceNo,
    *,
    staff: Manager,
    session: DbSession,
    file_format: FileFormat = "pdf",
) -> Response:
    """An issued invoice as ``pdf`` or ``ofd`` (GB/T 33190); another format is 400
    ``invoicing.format_unknown``."""
    return _inline(
        *await service.invoice_file(session, invoice_no, member_id=None, file_format=file_format)
    )


@router.post("/invoices/{invoice_no}/retry", responses=problem_responses(404, 409))
async def retry_invoice(
    invoice_no: InvoiceNo, *, staff: Manager, request: Request, session: DbSession
) -> InvoiceAdmin:
    """Queue a failed invoice again now (the issue job submits it within 15 s)."""
    invoice = await service.retry(session, invoice_no)
    await record_audit(
        session, staff, "invoicing.retry", f"invoice:{invoice_no}", {}, origin_of(request)
    )
    return invoice


@router.get("/invoices/tax-profiles/{product_id}")
async def get_tax_profile(product_id: PathId, *, staff: Manager, session: DbSession) -> TaxProfile:
    """A product's 税收分类编码 and rate (the shop's defaults until set)."""
    return await service.tax_profile(session, product_id)


@router.put("/invoices/tax-profiles/{product_id}")
async def put_tax_profile(
    product_id: PathId,
    data: TaxProfileInput,
    *,
    staff: Manager,
    request: Request,
    session: DbSession,
) -> TaxProfile:
    profile = await service.set_tax_profile(session, product_id, data)
    await record_audit(
        session,
        staff,
        "invoicing.tax_profile",
        f"product:{product_id}",
        {"tax_code": data.tax_code, "tax_rate_bp": data.tax_rate_bp},
        origin_of(request),
    )
    return profile
