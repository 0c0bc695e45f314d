"""诺诺开放平台 (Nuonuo) e-invoicing on httpx: signed requests, asynchronous issue, signed
callbacks.

Wire format (Nuonuo's open-platform shape):

- **Request** ``POST https://sdk.nuonuo.com/open/v1/services?senid=…&nonce=…&timestamp=…&appkey=…``
  with headers ``Content-Type: application/json``, ``accessToken`` (the merchant's token),
  ``userTax`` (the seller's tax id), ``method`` (``nuonuo.OpeMplatform.requestBillingNew``) and
  ``X-Nuonuo-Sign`` = Base64(HMAC-SHA1(appSecret, ``a=services&l=v1&p=open&k={appKey}&i={senid}
  &n={nonce}&t={timestamp}&f={body}``)). The body is ``{"order": {…}}``: buyer (``buyerName``,
  ``buyerTaxNum``, ``email``), seller (``salerTaxNum``), ``orderNo`` (Shoplet's invoice number,
  at most 20 characters), ``invoiceDate``, ``invoiceType`` (``1`` blue, ``2`` red with
  ``invoiceCode``/``invoiceNum`` of the blue one), ``invoiceLine`` (``pc``: 数电普票),
  ``callBackUrl`` and ``invoiceDetail`` (``goodsName``, ``goodsCode`` — the 19-digit 税收分类编码,
  ``num``, ``withTax: "1"``, ``taxRate`` (``"0.13"``), ``taxIncludedAmount``,
  ``taxExcludedAmount``, ``tax``: yuan with two decimals, negative on a red invoice).
  The answer ``{"code": "E0000", "describe": "开票提交成功", "result": {"invoiceSerialNum"}}``,
  or another ``code`` (``E9xxx``: server side, retried; anything else: refused).
- **Callback** ``POST callBackUrl``, form fields ``operater=callback``, ``orderno``, ``nonce``,
  ``timestamp`` (seconds) and ``content`` (JSON ``{c_orderno, c_fpqqlsh, c_status (2 issued,
  20/22 failed), c_fpdm, c_fphm, c_kprq (ms), c_resultmsg}``), with header ``X-Nuonuo-Sign`` =
  Base64(HMAC-SHA1(appSecret, ``a=callback&k={appKey}&i={orderno}&n={nonce}&t={timestamp}
  &f={content}``)); older than :data:`CALLBACK_WINDOW_SECONDS` is refused. The receiver answers
  ``{"status": "0000", "message": "成功"}``; anything else makes Nuonuo call again later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import orjson

from shoplet.integrations.invoicing.provider import (
    CallbackRejected,
    IssueRequest,
    IssueResult,
    ProviderError,
)

API_BASE = "https://sdk.nuonuo.com"
SERVICES_PATH = "/open/v1/services"
ISSUE_METHOD = "nuonuo.OpeMplatform.requestBillingNew"
CALLBACK_OK: dict[str, object] = {"status": "0000", "message": "成功"}
CALLBACK_FAILED: dict[str, object] = {"status": "9999", "message": "失败"}
CALLBACK_WINDOW_SECONDS = 600
ISSUED = "2"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def hmac_sha1_b64(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def request_sign(
    secret: str, *, app_key: str, senid: str, nonce: str, timestamp: str, body: str
) -> str:
    """A request's ``X-Nuonuo-Sign``."""
    text = f"a=services&l=v1&p=open&k={app_key}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    return hmac_sha1_b64(secret, text)


def callback_sign(
    secret: str, *, app_key: str, orderno: str, nonce: str, timestamp: str, content: str
) -> str:
    """A callback's ``X-Nuonuo-Sign``."""
    text = f"a=callback&k={app_key}&i={orderno}&n={nonce}&t={timestamp}&f={content}"
    return hmac_sha1_b64(secret, text)


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def rate_text(bp: int) -> str:
    """1300 basis points → ``"0.13"``, 600 → ``"0.06"``, 0 → ``"0"``."""
    if bp == 0:
        return "0"
    return f"{bp / 10000:.4f}".rstrip("0")


def order_body(request: IssueRequest, *, callback_url: str, today: str) -> dict[str, object]:
    """The ``order`` Nuonuo issues from (see the module docstring)."""
    order: dict[str, object] = {
        "buyerName": request.buyer_name,
        "buyerTaxNum": request.buyer_tax_id or "",
        "email": request.buyer_email or "",
        "pushMode": "1" if request.buyer_email else "-1",
        "salerTaxNum": request.seller_tax_id,
        "salerName": request.seller_name,
        "orderNo": request.invoice_no,
        "invoiceDate": today,
        "clerk": "Shoplet",
        "invoiceType": "2" if request.kind == "red" else "1",
        "invoiceLine": "pc",
        "callBackUrl": callback_url,
        "invoiceDetail": [
            {
                "goodsName": line.name,
                "goodsCode": line.tax_code,
                "specType": line.spec,
                "unit": line.unit,
                "num": str(line.quantity if line.amount >= 0 else -line.quantity),
                "withTax": "1",
                "taxRate": rate_text(line.tax_rate_bp),
                "taxIncludedAmount": fen_to_yuan(line.amount),
                "taxExcludedAmount": fen_to_yuan(line.net),
                "tax": fen_to_yuan(line.tax),
            }
            for line in request.lines
        ],
    }
    if request.kind == "red":
        order["invoiceCode"] = request.original_code or ""
        order["invoiceNum"] = request.original_number or ""
    return {"order": order}


def read_callback(orderno: str, content: str) -> IssueResult:
    try:
        body = orjson.loads(content)
        if not isinstance(body, dict):
            raise TypeError("content is not an object")
        number = str(body.get("c_orderno") or orderno)
        if number != orderno:
            raise ValueError("orderno and content disagree")
        status = str(body["c_status"])
        issued_ms = body.get("c_kprq")
        issued_at = (
            datetime.fromtimestamp(int(issued_ms) / 1000, UTC).isoformat() if issued_ms else None
        )
        return IssueResult(
            invoice_no=number,
            serial=str(body.get("c_fpqqlsh") or ""),
            ok=status == ISSUED,
            invoice_code=str(body["c_fpdm"]) if body.get("c_fpdm") else None,
            invoice_number=str(body["c_fphm"]) if body.get("c_fphm") else None,
            issued_at=issued_at,
            message=str(body.get("c_resultmsg") or "")[:200],
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CallbackRejected(f"unreadable callback: {type(exc).__name__}") from exc


class NuonuoProvider:
    """The :class:`~shoplet.integrations.invoicing.provider.InvoiceProvider` adapter for
    Nuonuo; ``http`` points at Nuonuo in production, at the simulator otherwise."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        app_key: str,
        app_secret: str,
        access_token: str,
        seller_tax_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._key = app_key
        self._secret = app_secret
        self._token = access_token
        self._seller = seller_tax_id
        self._clock = clock

    async def issue(self, request: IssueRequest, *, callback_url: str) -> str:
        now = self._clock()
        today = datetime.fromtimestamp(now, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        body = orjson.dumps(order_body(request, callback_url=callback_url, today=today)).decode()
        senid = secrets.token_hex(16)
        nonce = str(secrets.randbelow(10**8) + 10**8)
        timestamp = str(int(now))
        sign = request_sign(
            self._secret,
            app_key=self._key,
            senid=senid,
            nonce=nonce,
            timestamp=timestamp,
            body=body,
        )
        try:
            response = await self._http.post(
                SERVICES_PATH,
                params={
                    "senid": senid,
                    "nonce": nonce,
                    "timestamp": timestamp,
                    "appkey": self._key,
                },
                content=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Nuonuo-Sign": sign,
                    "accessToken": self._token,
                    "userTax": self._seller,
                    "method": ISSUE_METHOD,
                },
            )
        except httpx.HTTPError as exc:
            raise ProviderError("network", type(exc).__name__, retryable=True) from exc
        if response.status_code >= 500:
            raise ProviderError(str(response.status_code), "server error", retryable=True)
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise ProviderError("format", "not JSON", retryable=True) from exc
        if not isinstance(answer, dict):
            raise ProviderError("format", "not an object", retryable=True)
        code = str(answer.get("code", ""))
        result = answer.get("result")
        if code == "E0000" and isinstance(result, dict) and result.get("invoiceSerialNum"):
            return str(result["invoiceSerialNum"])
        raise ProviderError(
            code or "unknown",
            str(answer.get("describe", ""))[:150],
            retryable=code.startswith("E9"),
        )

    def parse_callback(self, form: dict[str, str], signature: str | None) -> IssueResult:
        orderno = form.get("orderno", "")
        content = form.get("content", "")
        nonce = form.get("nonce", "")
        timestamp = form.get("timestamp", "")
        if form.get("operater") != "callback" or not orderno or not content or not signature:
            raise CallbackRejected("callback without operater, orderno, content or signature")
        if not timestamp.isdigit() or abs(self._clock() - int(timestamp)) > CALLBACK_WINDOW_SECONDS:
            raise CallbackRejected("stale or missing timestamp")
        expected = callback_sign(
            self._secret,
            app_key=self._key,
            orderno=orderno,
            nonce=nonce,
            timestamp=timestamp,
            content=content,
        )
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise CallbackRejected("bad signature")
        return read_callback(orderno, content)
