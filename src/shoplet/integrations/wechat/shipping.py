"""WeChat 发货信息录入 for mini-program orders paid with WeChat Pay:
``POST /wxa/sec/order/upload_shipping_info?access_token=…``.

Wire format (WeChat's own): a JSON body ``{order_key: {order_number_type: 2, transaction_id},
logistics_type: 1 (实体物流), delivery_mode: 1 (统一发货), shipping_list: [{tracking_no,
express_company (WeChat's delivery_id: SF, YTO, ZTO, …), item_desc (≤ 120 characters), contact:
{receiver_contact} (a masked phone, required for SF)}], upload_time (RFC 3339 with offset),
payer: {openid}}``; the answer ``{errcode, errmsg}``:

- 0 ok; 10060002 the payment already shipped (done: a retry after a lost answer);
- 40001 / 42001 invalid or expired access token (the client fetches a new one and retries once);
- 10060001 no such payment, 10060004 the payment cannot ship now, 10060005 bad logistics type,
  10060008 / 10060009 item description empty / too long, 10060014 bad arguments,
  10060020 contact required (SF): refused for good;
- 10060012 system error and -1 busy: worth a retry.

The access token is the one the mini-program code client keeps (``cgi-bin/stable_token``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import orjson

INVALID_TOKEN = (40001, 42001)
ALREADY_SHIPPED = 10060002
RETRYABLE = frozenset({-1, 10060012})
ITEM_DESC_MAX = 120
_SHANGHAI = ZoneInfo("Asia/Shanghai")

TokenSource = Callable[[bool], Awaitable[str]]


class ShippingUploadError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        return self.errcode in RETRYABLE


@dataclass(frozen=True, slots=True)
class ShippingInfo:
    transaction_id: str
    payer_openid: str
    tracking_no: str
    express_company: str
    item_desc: str
    receiver_contact: str | None
    upload_time: datetime


def upload_body(info: ShippingInfo) -> dict[str, object]:
    item: dict[str, object] = {
        "tracking_no": info.tracking_no,
        "express_company": info.express_company,
        "item_desc": info.item_desc[:ITEM_DESC_MAX],
    }
    if info.receiver_contact:
        item["contact"] = {"receiver_contact": info.receiver_contact}
    return {
        "order_key": {"order_number_type": 2, "transaction_id": info.transaction_id},
        "logistics_type": 1,
        "delivery_mode": 1,
        "shipping_list": [item],
        "upload_time": info.upload_time.astimezone(_SHANGHAI).isoformat(timespec="milliseconds"),
        "payer": {"openid": info.payer_openid},
    }


class WeChatShippingClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token`` gives the access token (``True``: fetch a fresh one)."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource) -> None:
        self._http = http
        self._token = token

    async def upload(self, info: ShippingInfo) -> None:
        """Upload one shipment; already uploaded counts as done. :class:`ShippingUploadError`."""
        content = orjson.dumps(upload_body(info))
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.post(
                    "/wxa/sec/order/upload_shipping_info",
                    params={"access_token": token},
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise ShippingUploadError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise ShippingUploadError(-1, f"HTTP {response.status_code}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise ShippingUploadError(-1, "not JSON") from exc
            errcode = int(data.get("errcode", -1)) if isinstance(data, dict) else -1
            if errcode in (0, ALREADY_SHIPPED):
                return
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise ShippingUploadError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover
