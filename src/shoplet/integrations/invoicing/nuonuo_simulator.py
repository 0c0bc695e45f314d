"""An in-repo stand-in for 诺诺 (Nuonuo) speaking its wire format (see ``nuonuo.py``).

``POST /open/v1/services`` checks the query (``appkey``, ``senid``, ``nonce``, ``timestamp``),
the ``X-Nuonuo-Sign`` signature, the ``accessToken``, ``userTax`` and ``method`` headers and the
order: a 19-digit ``goodsCode`` on every line, tax-inclusive = tax-exclusive + tax on each line,
a buyer's tax id of 18 characters when one is given, a red invoice naming a blue one it issued
and not already reversed, for no more than its amount. It answers with a serial number and
issues asynchronously: :meth:`complete` pushes the signed callback (issued, or failed with a
message) to the order's ``callBackUrl``; with ``auto_issue`` it does so right after answering
(the embedded shop). ``fail_next`` answers ``E9999`` (an outage) to the next requests.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import httpx
import orjson
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.invoicing.nuonuo import (
    ISSUE_METHOD,
    SERVICES_PATH,
    callback_sign,
    request_sign,
)


@dataclass
class Issue:
    """An invoice the simulator accepted: Shoplet's number, Nuonuo's serial, what was asked."""

    orderno: str
    serial: str
    callback_url: str
    order: dict[str, object]
    total: Decimal
    status: str = "pending"  # pending → issued | failed
    number: str | None = None
    reversed_by: str | None = None


@dataclass
class NuonuoSimulator:
    app_key: str
    app_secret: str
    access_token: str
    seller_tax_id: str
    # Where callbacks go: None posts over the network; an ASGI transport delivers in-process.
    callback_transport: httpx.AsyncBaseTransport | None = None
    auto_issue: bool = False
    fail_next: int = 0
    clock: Callable[[], float] = time.time
    issues: dict[str, Issue] = field(default_factory=dict)
    callbacks: list[dict[str, object]] = field(default_factory=list)
    _serials: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[Route(SERVICES_PATH, self._services, methods=["POST"])])

    async def _services(self, request: Request) -> Response:
        body = (await request.body()).decode()
        refused = self._refuse(request, body)
        if refused is not None:
            return refused
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error("E9999", "系统繁忙，请稍后再试")
        try:
            order = orjson.loads(body)["order"]
            orderno = str(order["orderNo"])
            callback_url = str(order["callBackUrl"])
            total = self._check(order)
        except (orjson.JSONDecodeError, KeyError, TypeError, InvalidOperation) as exc:
            return _error("E0001", f"参数错误: {type(exc).__name__}")
        except ValueError as exc:
            return _error("E0002", str(exc))
        existing = self.issues.get(orderno)
        if existing is not None:
            # The same orderNo again (a retry after a lost answer): the same serial.
            return _ok(existing.serial)
        serial = f"{time.strftime('%y%m%d')}{next(self._serials):012d}"
        issue = Issue(orderno, serial, callback_url, order, total)
        if order.get("invoiceType") == "2":
            blue = self._blue(str(order.get("invoiceNum") or ""))
            if blue is None:
                return _error("E0003", "红冲的蓝票不存在或已红冲")
            if -total > blue.total:
                return _error("E0004", "红冲金额超过蓝票金额")
            blue.reversed_by = orderno
        self.issues[orderno] = issue
        task = BackgroundTask(self.complete, orderno) if self.auto_issue else None
        return _ok(serial, background=task)

    def _refuse(self, request: Request, body: str) -> JSONResponse | None:
        """Nuonuo's answer to a request that is not signed and authorised as it wants."""
        q = request.query_params
        senid, nonce, timestamp = q.get("senid", ""), q.get("nonce", ""), q.get("timestamp", "")
        if q.get("appkey") != self.app_key:
            return _error("E1006", "appKey 无效")
        expected = request_sign(
            self.app_secret,
            app_key=self.app_key,
            senid=senid,
            nonce=nonce,
            timestamp=timestamp,
            body=body,
        )
        checks = (
            (request.headers.get("X-Nuonuo-Sign") == expected, "E1007", "签名校验失败"),
            (
                timestamp.isdigit() and abs(self.clock() - int(timestamp)) <= 600,
                "E1008",
                "时间戳过期",
            ),
            (request.headers.get("accessToken") == self.access_token, "E1001", "accessToken 无效"),
            (request.headers.get("userTax") == self.seller_tax_id, "E1002", "税号与授权不符"),
            (request.headers.get("method") == ISSUE_METHOD, "E1003", "method 不支持"),
        )
        for ok, code, describe in checks:
            if not ok:
                return _error(code, describe)
        return None

    def _blue(self, number: str) -> Issue | None:
        for issue in self.issues.values():
            if issue.number == number and issue.status == "issued" and issue.reversed_by is None:
                return issue
        return None

    @staticmethod
    def _check(order: dict[str, object]) -> Decimal:
        """The order's tax-inclusive total; ValueError for what Nuonuo refuses."""
        tax_id = str(order.get("buyerTaxNum") or "")
        if tax_id and len(tax_id) not in (15, 18, 20):
            raise ValueError("购方税号格式错误")
        if not str(order.get("buyerName") or ""):
            raise ValueError("购方名称不能为空")
        details = order["invoiceDetail"]
        if not isinstance(details, list) or not details:
            raise ValueError("明细不能为空")
        total = Decimal(0)
        red = order.get("invoiceType") == "2"
        for line in details:
            code = str(line["goodsCode"])
            if len(code) != 19 or not code.isdigit():
                raise ValueError("商品编码(税收分类编码)必须为19位数字")
            included = Decimal(str(line["taxIncludedAmount"]))
            excluded = Decimal(str(line["taxExcludedAmount"]))
            tax = Decimal(str(line["tax"]))
            if included != excluded + tax:
                raise ValueError("含税金额不等于不含税金额与税额之和")
            if (included < 0) != red:
                raise ValueError("蓝票金额须为正数，红票金额须为负数")
            total += included
        return total

    async def complete(
        self, orderno: str, *, ok: bool = True, message: str = "", bad_sign: bool = False
    ) -> httpx.Response:
        """Issue (or fail) an accepted invoice and push the signed callback to Shoplet."""
        issue = self.issues[orderno]
        issue.status = "issued" if ok else "failed"
        if ok and issue.number is None:
            issue.number = f"26{int(self.clock()) % 10**8:08d}{next(self._serials):010d}"
        content = orjson.dumps(
            {
                "c_orderno": orderno,
                "c_fpqqlsh": issue.serial,
                "c_status": "2" if ok else "22",
                "c_fpdm": "",
                "c_fphm": issue.number if ok else "",
                "c_kprq": int(self.clock() * 1000),
                "c_resultmsg": message or ("开票成功" if ok else "开票失败"),
            }
        ).decode()
        nonce = secrets.token_hex(8)
        timestamp = str(int(self.clock()))
        sign = callback_sign(
            self.app_secret + ("x" if bad_sign else ""),
            app_key=self.app_key,
            orderno=orderno,
            nonce=nonce,
            timestamp=timestamp,
            content=content,
        )
        form = {
            "operater": "callback",
            "orderno": orderno,
            "nonce": nonce,
            "timestamp": timestamp,
            "content": content,
        }
        async with httpx.AsyncClient(transport=self.callback_transport, timeout=10.0) as http:
            response = await http.post(
                issue.callback_url, data=form, headers={"X-Nuonuo-Sign": sign}
            )
        self.callbacks.append({"orderno": orderno, "status": response.status_code})
        return response


def _ok(serial: str, background: BackgroundTask | None = None) -> JSONResponse:
    return JSONResponse(
        {"code": "E0000", "describe": "开票提交成功", "result": {"invoiceSerialNum": serial}},
        background=background,
    )


def _error(code: str, describe: str) -> JSONResponse:
    return JSONResponse({"code": code, "describe": describe, "result": None})
