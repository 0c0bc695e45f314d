"""WeChat Pay's callbacks: payment and refund notifies.

The v3 notify contract: 200/204 (no body needed) means "received", WeChat stops; 4XX/5XX with
``{"code": "FAIL", "message": …}`` means "failed", WeChat retries for about 24 hours. So a FAIL
is answered only when a retry could succeed:

- 204 for a notify applied or already applied;
- 401 FAIL when the notify cannot be shown to come from WeChat Pay (headers, serial, timestamp,
  signature, replayed nonce): a key rotation in progress may make a retry pass;
- 400 FAIL when a signed notify cannot be read (body, algorithm, APIv3 key): fixing the key fixes
  the retry;
- 503 FAIL when payments are not configured here (configuring them makes the retry succeed);
- 200 ``{"code": "SUCCESS"}`` for a genuine notify that can never match our records (unknown
  ``out_trade_no``, another merchant or app, another amount, an unexpected event): retrying
  would not change it, so it is acknowledged, written nowhere, logged as an error and counted
  in ``shoplet_alerts_total{kind="wechatpay_notify_unmatched"}`` for an operator to look at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.integrations.setup import IntegrationsDep
from shoplet.integrations.wechat.pay import (
    NotifyRejected,
    NotifyResource,
    WeChatPayConfig,
    WeChatPayError,
)
from shoplet.modules.payments import service

log = structlog.get_logger("shoplet.payments")

router = APIRouter(tags=["payments"])

# The notify cannot be shown to be WeChat's (as opposed to unreadable or not ours).
_UNAUTHENTIC = {
    "missing_headers",
    "serial_mismatch",
    "stale_timestamp",
    "bad_signature",
    "replayed_nonce",
}

# Genuine notifies that no retry can make match: acknowledged, never applied.
_UNMATCHABLE = {"merchant_mismatch"}
UNMATCHED_ALERT = "wechatpay_notify_unmatched"

_NOTIFY_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": 'Genuine but never matching our records: `{"code": "SUCCESS"}`'},
    204: {"description": "Accepted (or already applied)"},
    400: {"description": 'Signed but unreadable: `{"code": "FAIL", "message": …}`'},
    401: {"description": 'Not verifiably from WeChat Pay: `{"code": "FAIL", "message": …}`'},
    503: {"description": 'Payments not configured: `{"code": "FAIL", "message": …}`'},
}

Apply = Callable[[AsyncSession, WeChatPayConfig, NotifyResource], Awaitable[service.Outcome]]


def _fail(status: int, message: str) -> Response:
    # WeChat takes up to 64 characters of message.
    return JSONResponse({"code": "FAIL", "message": message[:64]}, status_code=status)


def _unmatched(ctx: Ctx, kind: str, reason: str, message: str, notify_id: str | None) -> Response:
    log.error(
        UNMATCHED_ALERT, kind=kind, reason=reason, detail=message, notify_id=notify_id, alert=True
    )
    ctx.metrics.alerts.labels(UNMATCHED_ALERT).inc()
    return JSONResponse({"code": "SUCCESS", "message": message[:64]}, status_code=200)


async def _handle(  # noqa: PLR0917
    request: Request,
    session: AsyncSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
    apply: Apply,
    kind: str,
) -> Response:
    body = await request.body()
    pay = integrations.wechat_pay
    try:
        notify = await pay.parse_notify(request.headers, body)
    except NotifyRejected as exc:
        if exc.reason in _UNMATCHABLE:
            return _unmatched(ctx, kind, exc.reason, exc.message, None)
        log.warning("wechatpay_notify_rejected", kind=kind, reason=exc.reason)
        return _fail(401 if exc.reason in _UNAUTHENTIC else 400, exc.message)
    except WeChatPayError as exc:  # not configured: configuring payments makes a retry succeed
        log.error("wechatpay_notify_unavailable", kind=kind, code=exc.code, alert=True)
        return _fail(503, "payments are not configured")
    outcome = await apply(session, pay.config, notify)
    if not outcome.accepted:
        return _unmatched(ctx, kind, "mismatch", outcome.message, notify.id)
    log.info("wechatpay_notify_accepted", kind=kind, notify_id=notify.id, result=outcome.result)
    return Response(status_code=204)


@router.post("/payments/wechat/notify", status_code=204, responses=_NOTIFY_RESPONSES)
async def wechat_payment_notify(
    request: Request, session: DbSession, ctx: Ctx, integrations: IntegrationsDep
) -> Response:
    """WeChat Pay payment notify (TRANSACTION.SUCCESS)."""
    return await _handle(
        request, session, ctx, integrations, service.apply_payment_notify, "payment"
    )


@router.post("/payments/wechat/refund-notify", status_code=204, responses=_NOTIFY_RESPONSES)
async def wechat_refund_notify(
    request: Request, session: DbSession, ctx: Ctx, integrations: IntegrationsDep
) -> Response:
    """WeChat Pay refund notify (REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED)."""
    return await _handle(request, session, ctx, integrations, service.apply_refund_notify, "refund")
