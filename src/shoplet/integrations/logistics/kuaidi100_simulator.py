"""An in-repo stand-in for Kuaidi100 speaking its wire format (see ``kuaidi100.py``).

``POST /poll`` checks the form (``schema``, ``param``), the key (600), the company (700 for an
unknown one) and the number (700), and answers 501 for a number already subscribed;
``fail_next`` answers 500 to the next subscriptions (an outage). ``push`` sends a scripted track
to the subscription's callback URL, signed with its salt, as Kuaidi100 does; a test may sign it
wrongly or send it out of order. ``POST /label/order`` checks the signature and issues an
e-waybill number with a label image served at ``/label/image/{taskId}``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.logistics.carrier import CARRIER_NAMES
from shoplet.integrations.logistics.kuaidi100 import label_sign, push_sign, utc_to_shanghai

_STATE_NAMES = {
    "0": "在途",
    "1": "揽收",
    "2": "疑难",
    "3": "签收",
    "4": "退签",
    "5": "派件",
    "6": "退回",
    "7": "转投",
    "8": "清关",
    "14": "拒签",
}
_PREFIX = {"shunfeng": "SF", "yuantong": "YT", "zhongtong": "ZT", "yunda": "YD", "ems": "E"}


@dataclass
class Subscription:
    company: str
    number: str
    callback_url: str
    salt: str
    phone: str | None


@dataclass
class Label:
    task_id: str
    company: str
    number: str
    recipient: dict[str, object]
    image: bytes = b""
    # The shop's account with the carrier (客户编码/月结账号), "" when none was sent.
    partner_id: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a scripted track: a state code, what it says and when (aware UTC)."""

    state: str
    context: str
    at: datetime
    area_name: str | None = None


@dataclass
class Kuaidi100Simulator:
    key: str
    secret: str
    # Where pushes go: None posts over the network; an ASGI transport delivers in-process.
    push_transport: httpx.AsyncBaseTransport | None = None
    fail_next: int = 0
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    pushes: list[dict[str, object]] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/poll", self._poll, methods=["POST"]),
                Route("/label/order", self._label, methods=["POST"]),
                Route("/label/image/{task_id}", self._image, methods=["GET"]),
            ]
        )

    # -- subscriptions -------------------------------------------------------------------------

    async def _poll(self, request: Request) -> Response:
        form = await request.form()
        if form.get("schema") != "json":
            return _answer(False, "700", "schema 参数错误")
        try:
            param = orjson.loads(str(form.get("param") or ""))
            company = str(param["company"])
            number = str(param["number"])
            key = str(param["key"])
            parameters = param.get("parameters") or {}
            callback_url = str(parameters["callbackurl"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _answer(False, "700", "订阅方的订阅数据存在错误")
        if key != self.key:
            return _answer(False, "600", "您不是合法的订阅者")
        if self.fail_next > 0:
            self.fail_next -= 1
            return _answer(False, "500", "服务器错误")
        if company not in CARRIER_NAMES:
            return _answer(False, "700", "订阅方的订阅数据存在错误（不支持的快递公司）")
        if not 4 <= len(number) <= 40:
            return _answer(False, "700", "订阅方的订阅数据存在错误（单号）")
        if company == "shunfeng" and not parameters.get("phone"):
            return _answer(False, "700", "顺丰单号需要提供手机号后四位")
        if (company, number) in self.subscriptions:
            return _answer(False, "501", "重复订阅")
        self.subscriptions[(company, number)] = Subscription(
            company=company,
            number=number,
            callback_url=callback_url,
            salt=str(parameters.get("salt") or ""),
            phone=str(parameters["phone"]) if parameters.get("phone") else None,
        )
        return _answer(True, "200", "提交成功")

    def push_param(self, company: str, number: str, steps: list[Step]) -> str:
        """The ``param`` Kuaidi100 would push for this track (lines newest first)."""
        ordered = sorted(steps, key=lambda s: s.at, reverse=True)
        state = ordered[0].state if ordered else "0"
        data = [
            {
                "context": s.context,
                "time": utc_to_shanghai(s.at),
                "ftime": utc_to_shanghai(s.at),
                "status": _STATE_NAMES.get(s.state, "在途"),
                "areaCode": None,
                "areaName": s.area_name,
            }
            for s in ordered
        ]
        signed = state == "3"
        body = {
            "status": "shutdown" if signed else "polling",
            "billstatus": "check" if signed else "got",
            "message": "",
            "lastResult": {
                "message": "ok",
                "nu": number,
                "ischeck": "1" if signed else "0",
                "condition": "F00",
                "com": company,
                "status": "200",
                "state": state,
                "data": data,
            },
        }
        return orjson.dumps(body).decode()

    async def push(
        self, company: str, number: str, steps: list[Step], *, bad_sign: bool = False
    ) -> httpx.Response:
        """Push this track to the subscription's callback URL, signed (or not) with its salt."""
        sub = self.subscriptions[(company, number)]
        param = self.push_param(company, number, steps)
        sign = push_sign(param, sub.salt + ("x" if bad_sign else ""))
        async with httpx.AsyncClient(transport=self.push_transport, timeout=10.0) as http:
            response = await http.post(sub.callback_url, data={"param": param, "sign": sign})
        self.pushes.append({"number": number, "status": response.status_code})
        return response

    # -- e-waybills ----------------------------------------------------------------------------

    async def _label(self, request: Request) -> Response:
        form = await request.form()
        method, key = form.get("method"), form.get("key")
        t, param, sign = str(form.get("t") or ""), str(form.get("param") or ""), form.get("sign")
        if key != self.key:
            return _label_error(30002, "key 不正确")
        if method != "order":
            return _label_error(30001, "method 不支持")
        if sign != label_sign(param, t, self.key, self.secret):
            return _label_error(30004, "签名错误")
        try:
            body = orjson.loads(param)
            company = str(body["kuaidicom"])
            recipient = dict(body["recMan"])
            if not recipient.get("name") or not recipient.get("mobile"):
                raise KeyError("recMan")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _label_error(30003, "参数错误")
        if company not in CARRIER_NAMES:
            return _label_error(30005, "不支持的快递公司")
        serial = next(self._numbers)
        number = f"{_PREFIX.get(company, 'KD')}{7700000000000 + serial}"
        task_id = f"SIM{serial:012d}"
        self.labels[task_id] = Label(
            task_id, company, number, recipient, partner_id=str(body.get("partnerId") or "")
        )
        return JSONResponse(
            {
                "success": True,
                "code": 200,
                "message": "success",
                "data": {
                    "taskId": task_id,
                    "kuaidinum": number,
                    "label": f"{str(request.base_url).rstrip('/')}/label/image/{task_id}",
                },
            }
        )

    async def _image(self, request: Request) -> Response:
        label = self.labels.get(request.path_params["task_id"])
        if label is None:
            return Response(status_code=404)
        if not label.image:
            from shoplet.integrations.wechat.wxacode_simulator import qr_image

            label.image, _ = qr_image(f"kuaidi100:{label.company}:{label.number}", 300)
        return Response(label.image, media_type="image/jpeg")


def _answer(result: bool, code: str, message: str) -> JSONResponse:
    return JSONResponse({"result": result, "returnCode": code, "message": message})


def _label_error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message, "data": None})
