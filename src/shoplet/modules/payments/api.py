"""WeChat Pay's callbacks: payment and refund notifies.

WeChat expects 200/204 for a notify it may forget, anything else (with
``{"code": "FAIL", "message": …}``) to retry it later. Shoplet answers 204 for a notify it
applied or had already applied, 401 when the notify cannot be shown to come from WeChat Pay
(headers, serial, timestamp, signature, replayed nonce), and 400 when it is unreadable or does
not match our records (amount, merchant, appid, unknown payment); a rejected notify writes
nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

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

_NOTIFY_RESPONSES: dict[int | str, dict[str, object]] = {
    204: {"description": "Accepted (or already applied)"},
    400: {"description": 'Unreadable or not matching: `{"code": "FAIL", "message": …}`'},
    401: {"description": 'Not verifiably from WeChat Pay: `{"code": "FAIL", "message": …}`'},
}

Apply = Callable[[AsyncSession, WeChatPayConfig, NotifyResource], Awaitable[service.Outcome]]


def _fail(status: int, message: str) -> Response:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


async def _handle(
    request: Request, session: AsyncSession, integrations: IntegrationsDep, apply: Apply, kind: str
) -> Response:
    body = await request.body()
    pay = integrations.wechat_pay
    try:
        notify = await pay.parse_notify(request.headers, body)
    except NotifyRejected as exc:
        log.warning("wechatpay_notify_rejected", kind=kind, reason=exc.reason)
        return _fail(401 if exc.reason in _UNAUTHENTIC else 400, exc.message)
    except WeChatPayError as exc:  # not configured
        log.error("wechatpay_notify_unavailable", kind=kind, code=exc.code)
        return _fail(500, "payments unavailable")
    outcome = await apply(session, pay.config, notify)
    if not outcome.accepted:
        log.warning(
            "wechatpay_notify_rejected",
            kind=kind,
            reason="mismatch",
            detail=outcome.message,
            notify_id=notify.id,
        )
        return _fail(400, outcome.message)
    log.info("wechatpay_notify_accepted", kind=kind, notify_id=notify.id, result=outcome.result)
    return Response(status_code=204)


@router.post("/payments/wechat/notify", status_code=204, responses=_NOTIFY_RESPONSES)
async def wechat_payment_notify(
    request: Request, session: DbSession, integrations: IntegrationsDep
) -> Response:
    """WeChat Pay payment notify (TRANSACTION.SUCCESS)."""
    return await _handle(request, session, integrations, service.apply_payment_notify, "payment")


@router.post("/payments/wechat/refund-notify", status_code=204, responses=_NOTIFY_RESPONSES)
async def wechat_refund_notify(
    request: Request, session: DbSession, integrations: IntegrationsDep
) -> Response:
    """WeChat Pay refund notify (REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED)."""
    return await _handle(request, session, integrations, service.apply_refund_notify, "refund")
