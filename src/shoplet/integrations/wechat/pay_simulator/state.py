"""The simulator's state: transactions, refunds, notifies and their deliveries, WeChat's error
answer and field checks.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog

from shoplet.integrations.wechat.pay_crypto import format_rfc3339

log = structlog.get_logger("shoplet.wechatpay.simulator")

MAX_CLOCK_SKEW_SECONDS = 5 * 60
PREPAY_TTL = timedelta(hours=2)
BILL_LINK_TTL_SECONDS = 5 * 60
FEE_RATE = Decimal("0.006")
_OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*|]{6,32}$")
_OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-*|@]{1,64}$")
_TRADE_STATE_DESC = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "CLOSED": "订单已关闭",
    "REFUND": "转入退款",
}
_REFUND_SUMMARY = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}


# --- state ---------------------------------------------------------------------------------


@dataclass
class SimTransaction:
    prepay_id: str
    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    total: int
    currency: str
    openid: str
    attach: str | None
    time_expire: datetime | None
    created_at: datetime
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: datetime | None = None
    refunded: int = 0  # refunds not CLOSED/ABNORMAL, including PROCESSING
    trade_type: str = "JSAPI"  # or MWEB (H5)
    payer_client_ip: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": _TRADE_STATE_DESC.get(self.trade_state, self.trade_state),
            "amount": {"total": self.total, "currency": self.currency},
        }
        if self.attach is not None:
            data["attach"] = self.attach
        if self.transaction_id is not None:
            assert self.success_time is not None  # noqa: S101
            data.update(
                transaction_id=self.transaction_id,
                trade_type=self.trade_type,
                bank_type="OTHERS",
                success_time=format_rfc3339(self.success_time),
            )
            # H5 payers have an openid under the merchant's appid only when WeChat knows one.
            if self.openid:
                data["payer"] = {"openid": self.openid}
            data["amount"].update(payer_total=self.total, payer_currency=self.currency)
        return data


@dataclass
class SimRefund:
    refund_id: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    reason: str | None
    notify_url: str | None
    refund: int
    total: int
    currency: str
    create_time: datetime
    status: str = "PROCESSING"
    success_time: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": format_rfc3339(self.create_time),
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
                "settlement_refund": self.refund,
                "settlement_total": self.total,
                "discount_refund": 0,
                "currency": self.currency,
            },
        }
        if self.success_time is not None:
            data["success_time"] = format_rfc3339(self.success_time)
        return data


@dataclass(frozen=True)
class SimNotify:
    """A notify as it goes on the wire."""

    id: str
    event_type: str
    headers: dict[str, str]
    body: bytes


@dataclass
class NotifyDelivery:
    notify: SimNotify
    url: str
    status_code: int | None
    response_text: str
    error: str | None = None
    delivered_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        """WeChat counts 200 and 204 as received; anything else is retried."""
        return self.status_code in {200, 204}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.notify.id,
            "event_type": self.notify.event_type,
            "url": self.url,
            "status_code": self.status_code,
            "response": self.response_text[:2000],
            "error": self.error,
            "ok": self.ok,
        }


class SimError(Exception):
    def __init__(
        self, status: int, code: str, message: str, detail: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            data["detail"] = self.detail
        return data


def _param_error(field_path: str, issue: str, value: Any = None) -> SimError:
    detail: dict[str, Any] = {"field": field_path, "issue": issue, "location": "body"}
    if value is not None:
        detail["value"] = value
    return SimError(400, "PARAM_ERROR", f"参数错误: {field_path} {issue}", detail)


def _text(
    data: dict[str, Any],
    name: str,
    *,
    max_length: int = 256,
    pattern: re.Pattern[str] | None = None,
    parent: str = "",
) -> str:
    value = data.get(name)
    where = f"{parent}/{name}"
    if not isinstance(value, str) or not value:
        raise _param_error(where, "缺少必填参数或类型错误")
    if len(value) > max_length:
        raise _param_error(where, f"长度超过{max_length}", value)
    if pattern is not None and not pattern.match(value):
        raise _param_error(where, "格式错误", value)
    return value


def _optional_text(data: dict[str, Any], name: str, *, max_length: int) -> str | None:
    if data.get(name) is None:
        return None
    return _text(data, name, max_length=max_length)


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise _param_error(f"/{name}", "缺少必填参数或类型错误")
    return value


def _fen(data: dict[str, Any], name: str) -> int:
    """``amount.<name>``: a positive integer number of fen, currency CNY."""
    amount = _object(data, "amount")
    value = amount.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _param_error(f"/amount/{name}", "必须是大于0的整数(单位:分)", value)
    currency = amount.get("currency", "CNY")
    if currency != "CNY":
        raise _param_error("/amount/currency", "仅支持CNY", currency)
    return value


def _notify_url(data: dict[str, Any], *, required: bool) -> str | None:
    if data.get("notify_url") is None and not required:
        return None
    url = _text(data, "notify_url", max_length=255)
    if not url.startswith(("https://", "http://")) or "?" in url:
        raise _param_error("/notify_url", "必须是不带参数的 http(s) URL", url)
    return url


def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _first(item: tuple[datetime, list[str]]) -> datetime:
    return item[0]
