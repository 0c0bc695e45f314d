"""Console routes of payments: the daily reconciliation with WeChat Pay's trade bill.

Thin: each route checks a permission (``staff.public``), calls the service and appends an audit
entry in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.integrations.wechat.pay import WeChatPayError
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import public as payments
from .errors import ReconciliationNotFound, ReconciliationUnavailable
from .schemas import ReconciliationOut

SHANGHAI = ZoneInfo("Asia/Shanghai")

router = APIRouter()

# Money reports: owners and operators (the dashboard's audience), not support.
MoneyReader = Annotated[StaffIdentity, Depends(require_permission("dashboard:read"))]


def _report(report: payments.ReconciliationReport) -> ReconciliationOut:
    return ReconciliationOut(
        bill_date=report.bill_date,
        status=report.status,
        summary=report.summary,
        differences=report.differences,
        created_at=report.created_at,
    )


@router.get("/payments/reconciliation", responses=problem_responses(404))
async def get_reconciliation(
    _: MoneyReader,
    session: DbSession,
    day: Annotated[date, Query(alias="date", description="China calendar day, YYYY-MM-DD")],
) -> ReconciliationOut:
    """A day's comparison of WeChat Pay's trade bill with Shoplet's payments and refunds."""
    report = await payments.get_reconciliation(session, day)
    if report is None:
        raise ReconciliationNotFound(f"no reconciliation for {day.isoformat()} yet")
    return _report(report)


@router.post("/payments/reconciliation", responses=problem_responses(400, 502))
async def run_reconciliation(
    staff: MoneyReader,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    day: Annotated[date, Query(alias="date", description="China calendar day, YYYY-MM-DD")],
) -> ReconciliationOut:
    """Reconcile a day again now (after a late bill or a fix), replacing its report."""
    if day >= utcnow().astimezone(SHANGHAI).date():
        raise ReconciliationUnavailable("bills are published the day after, from 10:00")
    try:
        # payments runs its own short transactions around the WeChat Pay call.
        report = await payments.reconcile(ctx, day)
    except WeChatPayError as exc:
        if exc.verified and 400 <= exc.http_status < 500:
            raise ReconciliationUnavailable(exc.message, provider_code=exc.code) from exc
        raise payments.ProviderError(
            "WeChat Pay could not be reached", provider_code=exc.code
        ) from exc
    await record_audit(
        session,
        staff,
        "payments.reconcile",
        f"reconciliation:{day.isoformat()}",
        {"status": report.status, "differences": len(report.differences)},
        origin_of(request),
    )
    return _report(report)
