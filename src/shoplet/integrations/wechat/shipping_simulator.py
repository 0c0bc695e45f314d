"""An in-repo stand-in for ``wxa/sec/order/upload_shipping_info`` (see ``shipping.py``).

It checks the access token against the token issuer it is given (the mini-program code
simulator's ``cgi-bin/stable_token``), the body, the payment (a transaction the WeChat Pay
simulator settled, paid by ``payer.openid``: 10060001 otherwise), and answers 10060002 when
that payment already shipped. ``fail_next`` answers 10060012 (system error) to the next calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.shipping import ITEM_DESC_MAX

DELIVERY_IDS = frozenset({"SF", "YTO", "ZTO", "YUNDA", "STO", "JTSD", "EMS", "YZPY", "JD"})


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class WeChatShippingSimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    # transaction_id -> payer openid of a paid transaction, or None when unknown.
    payer_of: Callable[[str], str | None]
    fail_next: int = 0
    uploads: dict[str, dict[str, object]] = field(default_factory=dict)

    def route(self) -> Route:
        return Route("/wxa/sec/order/upload_shipping_info", self._upload, methods=["POST"])

    async def _upload(self, request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
            key = body["order_key"]
            transaction_id = str(key["transaction_id"])
            items = list(body["shipping_list"])
            openid = str(body["payer"]["openid"])
            logistics_type = body["logistics_type"]
            upload_time = str(body["upload_time"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _error(10060014, "参数错误")
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error(10060012, "系统错误")
        if key.get("order_number_type") != 2 or not upload_time or "T" not in upload_time:
            return _error(10060014, "参数错误")
        if logistics_type not in (1, 2, 3, 4):
            return _error(10060005, "物流模式有误")
        if self.payer_of(transaction_id) != openid:
            return _error(10060001, "支付单不存在")
        if transaction_id in self.uploads:
            return _error(10060002, "支付单已完成发货，无法继续发货")
        if not items:
            return _error(10060014, "参数错误")
        for item in items:
            refused = _item_error(item, logistics_type)
            if refused is not None:
                return refused
        self.uploads[transaction_id] = body
        return _error(0, "ok")


def _item_error(item: dict[str, object], logistics_type: object) -> JSONResponse | None:
    desc = str(item.get("item_desc") or "")
    if not desc:
        return _error(10060008, "商品描述字段不能为空")
    if len(desc) > ITEM_DESC_MAX:
        return _error(10060009, "商品描述字段长度不能超过120")
    company = item.get("express_company")
    if logistics_type == 1 and company not in DELIVERY_IDS:
        return _error(10060014, "参数错误：express_company")
    contact = item.get("contact")
    if company == "SF" and not (isinstance(contact, dict) and contact.get("receiver_contact")):
        return _error(10060020, "该笔订单需要填写联系方式")
    return None
