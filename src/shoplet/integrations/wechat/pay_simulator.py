"""An in-repo stand-in for WeChat Pay API v3 (``api.mch.weixin.qq.com``) speaking its wire format.

It holds its own "WeChat Pay" RSA key pair and the merchant's key pair (generated once and kept in
a directory: ``data_dir/wechatpay-sim`` in embedded mode), verifies every request's
``Authorization`` signature (401 ``SIGN_ERROR``), validates fields (400 ``PARAM_ERROR`` with
WeChat's ``{"code","message","detail"}``), keeps transactions and refunds in memory, signs every
answer, serves trade bills, and delivers signed, AES-256-GCM encrypted notifies over HTTP.

API routes (as WeChat): ``POST /v3/pay/transactions/jsapi``, ``POST /v3/pay/transactions/h5``,
``GET /v3/pay/transactions/out-trade-no/{no}``, ``POST …/{no}/close``,
``POST /v3/refund/domestic/refunds``, ``GET /v3/refund/domestic/refunds/{no}``,
``GET /v3/bill/tradebill``, ``GET /v3/billdownload/file``.

Control routes (the simulator's own, unsigned; mounted on Shoplet only in embedded/test mode):
``POST /pay`` (the shopper pays: SUCCESS + ``TRANSACTION.SUCCESS`` notify),
``POST /refunds/{out_refund_no}/complete`` (``REFUND.SUCCESS|ABNORMAL|CLOSED`` notify),
``POST /notifies/{id}/redeliver``, ``GET /notifies``, ``PUT /balance``, and ``GET /h5?prepay_id=…``
(the cashier page an H5 payment's ``h5_url`` points at: one button that calls ``POST /pay``).
Tests forge notifies through :meth:`WeChatPaySimulator.build_notify`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import os
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import structlog
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.pay_crypto import (
    AEAD_ALGORITHM,
    CHINA_TZ,
    SIGNATURE_SCHEME,
    aead_encrypt,
    format_rfc3339,
    generate_private_key,
    key_fingerprint_serial,
    load_private_key,
    new_nonce,
    parse_authorization,
    parse_rfc3339,
    private_key_pem,
    public_key_pem,
    response_message,
    rsa_sign,
    rsa_verify,
    signing_message,
    write_secret_file,
)

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

# --- keys ----------------------------------------------------------------------------------

_FILES = {
    "merchant": "apiclient_key.pem",  # what the merchant platform lets a merchant download
    "platform": "wechatpay_private_key.pem",  # only the simulator holds WeChat Pay's private key
    "platform_public": "pub_key.pem",  # the WeChat Pay public key a merchant downloads
    "apiv3": "apiv3_key",
}


@dataclass(frozen=True)
class SimulatorKeys:
    merchant_private_key: rsa.RSAPrivateKey
    platform_private_key: rsa.RSAPrivateKey
    apiv3_key: bytes

    @property
    def merchant_public_key(self) -> rsa.RSAPublicKey:
        return self.merchant_private_key.public_key()

    @property
    def platform_public_key(self) -> rsa.RSAPublicKey:
        return self.platform_private_key.public_key()

    @property
    def merchant_serial(self) -> str:
        return key_fingerprint_serial(self.merchant_public_key)

    @property
    def platform_serial(self) -> str:
        """Shaped like WeChat's public key ids: ``PUB_KEY_ID_`` and 28 digits."""
        digits = str(int(key_fingerprint_serial(self.platform_public_key), 16))
        return "PUB_KEY_ID_" + digits[:28].rjust(28, "0")

    @classmethod
    def generate(cls) -> SimulatorKeys:
        return cls(
            merchant_private_key=generate_private_key(),
            platform_private_key=generate_private_key(),
            apiv3_key=secrets.token_hex(16).encode(),
        )

    @classmethod
    def load(cls, directory: Path) -> SimulatorKeys:
        return cls(
            merchant_private_key=load_private_key((directory / _FILES["merchant"]).read_bytes()),
            platform_private_key=load_private_key((directory / _FILES["platform"]).read_bytes()),
            apiv3_key=(directory / _FILES["apiv3"]).read_bytes().strip(),
        )

    def write(self, directory: Path) -> None:
        write_secret_file(
            directory / _FILES["merchant"], private_key_pem(self.merchant_private_key)
        )
        write_secret_file(
            directory / _FILES["platform"], private_key_pem(self.platform_private_key)
        )
        write_secret_file(
            directory / _FILES["platform_public"], public_key_pem(self.platform_public_key)
        )
        write_secret_file(directory / _FILES["apiv3"], self.apiv3_key)

    @classmethod
    def load_or_create(cls, directory: Path) -> SimulatorKeys:
        """Generate on first run; concurrent first runs (api + worker) agree on one key set
        because the directory appears atomically (rename of a fully written temp dir)."""
        if (directory / _FILES["apiv3"]).exists():
            return cls.load(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.parent / f".{directory.name}.{secrets.token_hex(4)}"
        tmp.mkdir(mode=0o700)
        keys = cls.generate()
        keys.write(tmp)
        try:
            os.rename(tmp, directory)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return cls.load(directory)
        log.info("wechatpay_simulator_keys_created", directory=str(directory))
        return keys


def lazy_keys(directory: Path) -> Callable[[], SimulatorKeys]:
    """Load or create the keys on first use only (RSA generation costs ~50 ms per key)."""
    cache: list[SimulatorKeys] = []

    def get() -> SimulatorKeys:
        if not cache:
            cache.append(SimulatorKeys.load_or_create(directory))
        return cache[0]

    return get


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


# --- the simulator -------------------------------------------------------------------------


class WeChatPaySimulator:
    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        keys: SimulatorKeys | Callable[[], SimulatorKeys],
        notify_transport: httpx.AsyncBaseTransport | None = None,
        refund_delay_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
        cashier_base_url: str | None = None,
    ) -> None:
        self.mchid = mchid
        self.appid = appid
        self._keys = keys if isinstance(keys, SimulatorKeys) else None
        self._keys_factory = None if isinstance(keys, SimulatorKeys) else keys
        self.notify_transport = notify_transport
        self.refund_delay_seconds = refund_delay_seconds
        # Where browsers reach this simulator (for H5 ``h5_url``s); None: the request's own base.
        self.cashier_base_url = cashier_base_url.rstrip("/") if cashier_base_url else None
        self.clock = clock
        # Merchant's available balance in fen for refunds; None: unlimited.
        self.available_balance: int | None = None
        self.transactions: dict[str, SimTransaction] = {}
        self.refunds: dict[str, SimRefund] = {}
        self.deliveries: list[NotifyDelivery] = []
        self._by_prepay: dict[str, str] = {}
        self._bills: dict[str, tuple[bytes, float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._notify_http: httpx.AsyncClient | None = None
        self.app = Starlette(
            routes=[
                Route("/v3/pay/transactions/jsapi", self._api(self._prepay), methods=["POST"]),
                Route("/v3/pay/transactions/h5", self._api(self._prepay_h5), methods=["POST"]),
                Route("/h5", self._cashier_page, methods=["GET"]),
                Route(
                    "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                    self._api(self._query),
                    methods=["GET"],
                ),
                Route(
                    "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
                    self._api(self._close),
                    methods=["POST"],
                ),
                Route("/v3/refund/domestic/refunds", self._api(self._refund), methods=["POST"]),
                Route(
                    "/v3/refund/domestic/refunds/{out_refund_no}",
                    self._api(self._query_refund),
                    methods=["GET"],
                ),
                Route("/v3/bill/tradebill", self._api(self._trade_bill), methods=["GET"]),
                Route("/v3/billdownload/file", self._download_bill, methods=["GET"]),
                Route("/pay", self._control_pay, methods=["POST"]),
                Route(
                    "/refunds/{out_refund_no}/complete",
                    self._control_complete_refund,
                    methods=["POST"],
                ),
                Route("/notifies/{notify_id}/redeliver", self._control_redeliver, methods=["POST"]),
                Route("/notifies", self._control_notifies, methods=["GET"]),
                Route("/balance", self._control_balance, methods=["PUT"]),
            ]
        )

    @property
    def keys(self) -> SimulatorKeys:
        if self._keys is None:
            assert self._keys_factory is not None  # noqa: S101
            self._keys = self._keys_factory()
        return self._keys

    def now(self) -> datetime:
        return datetime.fromtimestamp(int(self.clock()), tz=UTC)

    async def aclose(self) -> None:
        """Cancel pending refund completions and close the notify HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._notify_http is not None:
            await self._notify_http.aclose()
            self._notify_http = None

    # -- signing --

    def signed_response(self, status: int, payload: Any | None) -> Response:
        body = b"" if payload is None else orjson.dumps(payload)
        timestamp = str(int(self.clock()))
        nonce = new_nonce()
        headers = {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.keys.platform_serial,
            "Wechatpay-Signature": rsa_sign(
                self.keys.platform_private_key, response_message(timestamp, nonce, body)
            ),
            "Wechatpay-Signature-Type": SIGNATURE_SCHEME,
            "Request-ID": uuid.uuid4().hex,
        }
        media_type = None if payload is None else "application/json"
        return Response(body, status_code=status, headers=headers, media_type=media_type)

    def _authenticate(self, request: Request, body: bytes) -> None:
        auth = parse_authorization(request.headers.get("authorization"))
        if auth is None:
            raise SimError(401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考签名规则")
        if auth.mchid != self.mchid:
            raise SimError(401, "SIGN_ERROR", "Authorization中的商户号与请求商户不一致")
        if auth.serial_no != self.keys.merchant_serial:
            raise SimError(401, "SIGN_ERROR", "商户证书序列号有误。请检查 serial_no")
        try:
            skew = abs(self.clock() - int(auth.timestamp))
        except ValueError:
            skew = float("inf")
        if skew > MAX_CLOCK_SKEW_SECONDS:
            raise SimError(401, "SIGN_ERROR", "请求的时间戳已过期或与服务器时间相差过大")
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string", b"")
        url = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        message = signing_message(
            request.method, url, auth.timestamp, auth.nonce_str, body.decode("utf-8", "replace")
        )
        if not rsa_verify(self.keys.merchant_public_key, message, auth.signature):
            raise SimError(401, "SIGN_ERROR", "签名错误，请检查签名参数和方法是否符合签名算法要求")

    def _api(
        self, handler: Callable[[Request, bytes], Awaitable[tuple[int, Any]]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            try:
                self._authenticate(request, body)
                # Handlers never await before their state change is done, so each call is
                # atomic on the event loop without a lock.
                status, payload = await handler(request, body)
            except SimError as exc:
                return self.signed_response(exc.status, exc.payload())
            return self.signed_response(status, payload)

        return endpoint

    @staticmethod
    def _json_body(body: bytes) -> dict[str, Any]:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise SimError(400, "PARAM_ERROR", "请求体不是合法的JSON") from exc
        if not isinstance(data, dict):
            raise SimError(400, "PARAM_ERROR", "请求体必须是JSON对象")
        return data

    def _time_expire(self, data: dict[str, Any]) -> datetime | None:
        if "time_expire" not in data:
            return None
        raw = data["time_expire"]
        try:
            if not isinstance(raw, str) or not re.search(r"[+-]\d\d:\d\d$", raw):
                raise ValueError(raw)
            moment = parse_rfc3339(raw)
        except ValueError as exc:
            raise _param_error("/time_expire", "不符合rfc3339格式", raw) from exc
        if moment <= self.now():
            raise SimError(400, "INVALID_REQUEST", "time_expire 不能早于当前时间")
        return moment

    # -- API handlers --

    async def _prepay(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        openid = _text(_object(data, "payer"), "openid", max_length=128, parent="/payer")
        txn = self._create_transaction(data, trade_type="JSAPI", openid=openid)
        return 200, {"prepay_id": txn.prepay_id}

    async def _prepay_h5(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        scene = _object(data, "scene_info")
        client_ip = _text(scene, "payer_client_ip", max_length=45, parent="/scene_info")
        h5_info = scene.get("h5_info")
        if not isinstance(h5_info, dict):
            raise _param_error("/scene_info/h5_info", "缺少必填参数或类型错误")
        h5_type = _text(h5_info, "type", max_length=32, parent="/scene_info/h5_info")
        if h5_type not in {"Wap", "iOS", "Android"}:
            raise _param_error("/scene_info/h5_info/type", "取值错误", h5_type)
        txn = self._create_transaction(data, trade_type="MWEB", openid="", client_ip=client_ip)
        if self.cashier_base_url is not None:
            base = self.cashier_base_url
        else:
            base = str(request.base_url).rstrip("/") + request.scope.get("root_path", "")
        return 200, {"h5_url": f"{base}/h5?prepay_id={txn.prepay_id}"}

    def _create_transaction(
        self, data: dict[str, Any], *, trade_type: str, openid: str, client_ip: str | None = None
    ) -> SimTransaction:
        """Validate a prepay request (JSAPI or H5) and create, or find again, its transaction."""
        appid = _text(data, "appid", max_length=32)
        mchid = _text(data, "mchid", max_length=32)
        description = _text(data, "description", max_length=127)
        out_trade_no = _text(data, "out_trade_no", pattern=_OUT_TRADE_NO)
        notify_url = _notify_url(data, required=True) or ""
        attach = _optional_text(data, "attach", max_length=128)
        total = _fen(data, "total")
        time_expire = self._time_expire(data)
        if mchid != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        if appid != self.appid:
            raise SimError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        existing = self.transactions.get(out_trade_no)
        if existing is not None:
            if existing.trade_state in {"SUCCESS", "REFUND"}:
                raise SimError(400, "ORDERPAID", "该订单已支付")
            if existing.trade_state == "CLOSED":
                raise SimError(400, "ORDER_CLOSED", "订单已关闭")
            same = (
                existing.total == total
                and existing.openid == openid
                and existing.description == description
                and existing.trade_type == trade_type
            )
            if not same:
                raise SimError(403, "OUT_TRADE_NO_USED", "商户订单号重复，且参数与首次请求不一致")
            # The same order asked again gets the same prepay session (WeChat behaves so).
            existing.notify_url = notify_url
            existing.time_expire = time_expire
            return existing
        now = self.now()
        prepay_id = "wx" + now.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10)
        txn = SimTransaction(
            prepay_id=prepay_id,
            appid=self.appid,
            mchid=self.mchid,
            description=description,
            out_trade_no=out_trade_no,
            notify_url=notify_url,
            total=total,
            currency="CNY",
            openid=openid,
            attach=attach,
            time_expire=time_expire,
            created_at=now,
            trade_type=trade_type,
            payer_client_ip=client_ip,
        )
        self.transactions[out_trade_no] = txn
        self._by_prepay[prepay_id] = out_trade_no
        return txn

    def _transaction(self, out_trade_no: str) -> SimTransaction:
        txn = self.transactions.get(out_trade_no)
        if txn is None:
            raise SimError(404, "ORDER_NOT_EXIST", "订单不存在")
        return txn

    async def _query(self, request: Request, body: bytes) -> tuple[int, Any]:
        mchid = request.query_params.get("mchid")
        if not mchid:
            raise SimError(
                400,
                "PARAM_ERROR",
                "参数错误: 缺少 mchid",
                {"field": "mchid", "issue": "缺少必填参数", "location": "query"},
            )
        if mchid != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        return 200, self._transaction(request.path_params["out_trade_no"]).to_json()

    async def _close(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        if not isinstance(data.get("mchid"), str):
            raise _param_error("/mchid", "缺少必填参数")
        if data["mchid"] != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        txn = self._transaction(request.path_params["out_trade_no"])
        if txn.trade_state in {"SUCCESS", "REFUND"}:
            raise SimError(400, "ORDERPAID", "订单已支付，不能关闭")
        txn.trade_state = "CLOSED"
        return 204, None

    async def _refund(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        out_refund_no = _text(data, "out_refund_no", pattern=_OUT_REFUND_NO)
        out_trade_no = _optional_text(data, "out_trade_no", max_length=32)
        transaction_id = _optional_text(data, "transaction_id", max_length=32)
        if out_trade_no is None and transaction_id is None:
            raise _param_error("/out_trade_no", "out_trade_no 与 transaction_id 必须二选一")
        reason = _optional_text(data, "reason", max_length=80)
        notify_url = _notify_url(data, required=False)
        refund = _fen(data, "refund")
        total = _fen(data, "total")
        if out_trade_no is not None:
            txn = self.transactions.get(out_trade_no)
        else:
            txn = next(
                (t for t in self.transactions.values() if t.transaction_id == transaction_id),
                None,
            )
        if txn is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if existing.out_trade_no != txn.out_trade_no or existing.refund != refund:
                raise SimError(400, "INVALID_REQUEST", "商户退款单号重复，且参数与首次请求不一致")
            return 200, existing.to_json()
        if txn.transaction_id is None or txn.trade_state not in {"SUCCESS", "REFUND"}:
            raise SimError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != txn.total:
            raise SimError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
        if txn.refunded + refund > txn.total:
            raise SimError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        if self.available_balance is not None and refund > self.available_balance:
            raise SimError(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
        if self.available_balance is not None:
            self.available_balance -= refund
        now = self.now()
        record = SimRefund(
            refund_id="50" + now.astimezone(CHINA_TZ).strftime("%Y%m%d") + _digits(19),
            out_refund_no=out_refund_no,
            out_trade_no=txn.out_trade_no,
            transaction_id=txn.transaction_id,
            reason=reason,
            notify_url=notify_url,
            refund=refund,
            total=total,
            currency="CNY",
            create_time=now,
        )
        self.refunds[out_refund_no] = record
        txn.refunded += refund
        txn.trade_state = "REFUND"
        if self.refund_delay_seconds is not None:
            self._spawn(self._complete_later(out_refund_no, self.refund_delay_seconds))
        return 200, record.to_json()

    async def _query_refund(self, request: Request, body: bytes) -> tuple[int, Any]:
        record = self.refunds.get(request.path_params["out_refund_no"])
        if record is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return 200, record.to_json()

    async def _trade_bill(self, request: Request, body: bytes) -> tuple[int, Any]:
        raw_date = request.query_params.get("bill_date", "")
        try:
            bill_date = date.fromisoformat(raw_date)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
                raise ValueError(raw_date)
        except ValueError as exc:
            raise SimError(
                400,
                "PARAM_ERROR",
                "参数错误: bill_date 格式为 yyyy-MM-DD",
                {"field": "bill_date", "value": raw_date, "issue": "格式错误", "location": "query"},
            ) from exc
        bill_type = request.query_params.get("bill_type", "ALL")
        if bill_type not in {"ALL", "SUCCESS", "REFUND"}:
            raise SimError(400, "PARAM_ERROR", "参数错误: bill_type", {"field": "bill_type"})
        tar_type = request.query_params.get("tar_type")
        if tar_type not in {None, "GZIP"}:
            raise SimError(400, "PARAM_ERROR", "参数错误: tar_type", {"field": "tar_type"})
        today = self.now().astimezone(CHINA_TZ).date()
        if bill_date > today or bill_date < today - timedelta(days=90):
            raise SimError(400, "INVALID_REQUEST", "只能下载三个月以内的账单")
        content = self.render_trade_bill(bill_date, bill_type)
        if content is None:
            raise SimError(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = secrets.token_urlsafe(24)
        stored = gzip.compress(content) if tar_type == "GZIP" else content
        self._bills[token] = (stored, self.clock() + BILL_LINK_TTL_SECONDS)
        root = request.scope.get("root_path", "")
        download_url = str(
            request.url.replace(path=f"{root}/v3/billdownload/file", query=f"token={token}")
        )
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
            "download_url": download_url,
        }

    async def _download_bill(self, request: Request) -> Response:
        body = await request.body()
        try:
            self._authenticate(request, body)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        stored = self._bills.get(request.query_params.get("token", ""))
        if stored is None or stored[1] < self.clock():
            return JSONResponse(
                {"code": "INVALID_REQUEST", "message": "下载链接无效或已过期"}, status_code=400
            )
        # Like WeChat, the file answer carries no signature: its SHA-1 is the integrity check.
        return Response(stored[0], media_type="application/octet-stream")

    def render_trade_bill(self, bill_date: date, bill_type: str = "ALL") -> bytes | None:
        """The trade bill text for a China-time date, or None when there was no trade."""
        lines: list[tuple[datetime, list[str]]] = []
        totals = {"settlement": 0, "refund": 0, "order": 0, "requested": 0}
        fee_total = Decimal("0")

        def day(moment: datetime) -> date:
            return moment.astimezone(CHINA_TZ).date()

        if bill_type in {"ALL", "SUCCESS"}:
            for txn in self.transactions.values():
                if txn.success_time is None or day(txn.success_time) != bill_date:
                    continue
                fee = (Decimal(txn.total) * FEE_RATE / 100).quantize(Decimal("0.00001"))
                fee_total += fee
                totals["settlement"] += txn.total
                totals["order"] += txn.total
                lines.append(
                    (
                        txn.success_time,
                        [
                            *self._bill_line(txn, txn.success_time, "SUCCESS", fee),
                            _fen_text(txn.total),
                            "0.00",
                            "",
                        ],
                    )
                )
        if bill_type in {"ALL", "REFUND"}:
            for record in self.refunds.values():
                if day(record.create_time) != bill_date:
                    continue
                txn = self.transactions[record.out_trade_no]
                fee = -(Decimal(record.refund) * FEE_RATE / 100).quantize(Decimal("0.00001"))
                fee_total += fee
                totals["refund"] += record.refund
                totals["requested"] += record.refund
                line = self._bill_line(txn, record.create_time, "REFUND", fee, refund=record)
                lines.append((record.create_time, [*line, "0.00", _fen_text(record.refund), ""]))
        if not lines:
            return None
        header = (
            "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
            "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
            "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
            "费率备注"
        )
        out = [header]
        out.extend(",".join(f"`{cell}" for cell in cells) for _, cells in sorted(lines, key=_first))
        out.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        summary = [
            str(len(lines)),
            _fen_text(totals["settlement"]),
            _fen_text(totals["refund"]),
            "0.00",
            str(fee_total.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)),
            _fen_text(totals["order"]),
            _fen_text(totals["requested"]),
        ]
        out.append(",".join(f"`{cell}" for cell in summary))
        return ("\r\n".join(out) + "\r\n").encode()

    def _bill_line(
        self,
        txn: SimTransaction,
        moment: datetime,
        state: str,
        fee: Decimal,
        *,
        refund: SimRefund | None = None,
    ) -> list[str]:
        return [
            moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            txn.appid,
            txn.mchid,
            "0",
            "",
            txn.transaction_id or "",
            txn.out_trade_no,
            txn.openid,
            txn.trade_type,
            state,
            "OTHERS",
            "CNY",
            _fen_text(txn.total if refund is None else 0),
            "0.00",
            refund.refund_id if refund else "0",
            refund.out_refund_no if refund else "0",
            _fen_text(refund.refund if refund else 0),
            "0.00",
            "ORIGINAL" if refund else "",
            refund.status if refund else "",
            # The bill is comma-separated without quoting: keep free text from splitting lines.
            txn.description.replace(",", "，"),
            (txn.attach or "").replace(",", "，"),
            str(fee),
            "0.60%",
        ]

    # -- shopper and WeChat-side actions --

    async def pay(
        self, prepay_id: str, *, notify_total: int | None = None, deliver: bool = True
    ) -> tuple[SimTransaction, NotifyDelivery | None]:
        """The shopper pays: SUCCESS, then a ``TRANSACTION.SUCCESS`` notify (optionally
        claiming ``notify_total`` instead of the real amount, to test amount checks)."""
        out_trade_no = self._by_prepay.get(prepay_id)
        if out_trade_no is None:
            raise SimError(404, "PREPAY_NOT_EXIST", "prepay_id 不存在")
        txn = self.transactions[out_trade_no]
        if txn.trade_state != "NOTPAY":
            code = "ORDER_CLOSED" if txn.trade_state == "CLOSED" else "ORDERPAID"
            raise SimError(400, code, _TRADE_STATE_DESC[txn.trade_state])
        now = self.now()
        if (txn.time_expire and txn.time_expire <= now) or txn.created_at + PREPAY_TTL <= now:
            raise SimError(400, "ORDER_EXPIRED", "订单已过支付截止时间")
        txn.trade_state = "SUCCESS"
        txn.transaction_id = "42000" + now.astimezone(CHINA_TZ).strftime("%Y%m%d") + _digits(15)
        txn.success_time = now
        if self.available_balance is not None:
            self.available_balance += txn.total
        if not deliver:
            return txn, None
        resource = txn.to_json()
        if notify_total is not None:
            resource["amount"].update(total=notify_total, payer_total=notify_total)
        notify = self.build_notify(
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=resource,
        )
        return txn, await self.deliver(txn.notify_url, notify)

    async def complete_refund(
        self, out_refund_no: str, status: str = "SUCCESS", *, deliver: bool = True
    ) -> NotifyDelivery | None:
        """Finish a PROCESSING refund and send ``REFUND.<status>`` to its notify_url."""
        if status not in _REFUND_SUMMARY:
            raise SimError(400, "PARAM_ERROR", f"unknown refund status {status}")
        record = self.refunds.get(out_refund_no)
        if record is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        if record.status != "PROCESSING":
            raise SimError(400, "INVALID_REQUEST", f"退款单已是 {record.status}")
        record.status = status
        txn = self.transactions[record.out_trade_no]
        if status == "SUCCESS":
            record.success_time = self.now()
        else:
            # The money did not leave: it can be refunded again.
            txn.refunded -= record.refund
            if self.available_balance is not None:
                self.available_balance += record.refund
        if not deliver or not record.notify_url:
            return None
        notify = self.build_notify(
            event_type=f"REFUND.{status}",
            summary=_REFUND_SUMMARY[status],
            original_type="refund",
            resource=self.refund_resource(out_refund_no),
        )
        return await self.deliver(record.notify_url, notify)

    def transaction_resource(self, out_trade_no: str) -> dict[str, Any]:
        """The decrypted resource of a payment notify, as WeChat would send it now."""
        return self.transactions[out_trade_no].to_json()

    def refund_resource(self, out_refund_no: str) -> dict[str, Any]:
        """The decrypted resource of a refund notify (``refund_status``, not ``status``)."""
        record = self.refunds[out_refund_no]
        data: dict[str, Any] = {
            "mchid": self.mchid,
            "out_trade_no": record.out_trade_no,
            "transaction_id": record.transaction_id,
            "out_refund_no": record.out_refund_no,
            "refund_id": record.refund_id,
            "refund_status": record.status,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": record.total,
                "refund": record.refund,
                "payer_total": record.total,
                "payer_refund": record.refund,
            },
        }
        if record.success_time is not None:
            data["success_time"] = format_rfc3339(record.success_time)
        return data

    def build_notify(
        self,
        *,
        event_type: str,
        summary: str,
        original_type: str,
        resource: dict[str, Any],
        notify_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        serial: str | None = None,
        signature: str | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        apiv3_key: bytes | None = None,
        tamper_ciphertext: bool = False,
        algorithm: str = AEAD_ALGORITHM,
    ) -> SimNotify:
        """A notify exactly as WeChat sends it. Every knob exists so tests can forge one: an
        old ``timestamp``, a reused ``nonce``, another ``serial``, a ``signature`` or
        ``signing_key`` of their own, a different APIv3 key, or a ciphertext whose GCM tag
        fails (``tamper_ciphertext``; the body is still correctly signed)."""
        resource_nonce = new_nonce(12)
        ciphertext = aead_encrypt(
            apiv3_key or self.keys.apiv3_key,
            nonce=resource_nonce,
            associated_data=original_type,
            plaintext=orjson.dumps(resource),
        )
        if tamper_ciphertext:
            flipped = "A" if ciphertext[0] != "A" else "B"
            ciphertext = flipped + ciphertext[1:]
        notify_id = notify_id or str(uuid.uuid4())
        body = orjson.dumps(
            {
                "id": notify_id,
                "create_time": format_rfc3339(self.now()),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": {
                    "original_type": original_type,
                    "algorithm": algorithm,
                    "ciphertext": ciphertext,
                    "associated_data": original_type,
                    "nonce": resource_nonce,
                },
            }
        )
        return self.sign_notify(
            notify_id,
            event_type,
            body,
            timestamp=timestamp,
            nonce=nonce,
            serial=serial,
            signature=signature,
            signing_key=signing_key,
        )

    def sign_notify(
        self,
        notify_id: str,
        event_type: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        serial: str | None = None,
        signature: str | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
    ) -> SimNotify:
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        nonce = nonce or new_nonce()
        sig = signature or rsa_sign(
            signing_key or self.keys.platform_private_key, response_message(ts, nonce, body)
        )
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial or self.keys.platform_serial,
            "Wechatpay-Signature": sig,
            "Wechatpay-Signature-Type": SIGNATURE_SCHEME,
            "Request-ID": uuid.uuid4().hex,
        }
        return SimNotify(id=notify_id, event_type=event_type, headers=headers, body=body)

    async def deliver(self, url: str, notify: SimNotify) -> NotifyDelivery:
        """POST the notify to ``url`` (through ``notify_transport`` when one was given)."""
        if self._notify_http is None:
            self._notify_http = httpx.AsyncClient(transport=self.notify_transport, timeout=5.0)
        try:
            response = await self._notify_http.post(
                url, content=notify.body, headers=notify.headers
            )
            delivery = NotifyDelivery(
                notify=notify,
                url=url,
                status_code=response.status_code,
                response_text=response.text,
            )
        except httpx.HTTPError as exc:
            delivery = NotifyDelivery(
                notify=notify, url=url, status_code=None, response_text="", error=type(exc).__name__
            )
        self.deliveries.append(delivery)
        log.info(
            "wechatpay_notify_delivered",
            notify_id=notify.id,
            event_type=notify.event_type,
            status=delivery.status_code,
            error=delivery.error,
        )
        return delivery

    async def redeliver(self, notify_id: str, *, resign: bool = True) -> NotifyDelivery:
        """Send a notify again. ``resign=True`` is WeChat's retry (same id and body, fresh
        timestamp, nonce and signature); ``resign=False`` replays the exact bytes and headers."""
        previous = next((d for d in reversed(self.deliveries) if d.notify.id == notify_id), None)
        if previous is None:
            raise SimError(404, "NOTIFY_NOT_EXIST", "通知不存在")
        notify = previous.notify
        if resign:
            notify = self.sign_notify(notify.id, notify.event_type, notify.body)
        return await self.deliver(previous.url, notify)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _complete_later(self, out_refund_no: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.complete_refund(out_refund_no)
        except SimError as exc:  # completed by hand in the meantime
            log.info("wechatpay_refund_autocomplete_skipped", code=exc.code)

    # -- control routes (JSON, unsigned: the simulator's own, not WeChat's) --

    async def _cashier_page(self, request: Request) -> Response:
        """The H5 cashier a shopper's browser opens from ``h5_url``: pays through ``POST pay``,
        then goes to ``redirect_url`` (which the shop appends, as with WeChat) when given."""
        prepay_id = request.query_params.get("prepay_id", "")
        out_trade_no = self._by_prepay.get(prepay_id)
        if out_trade_no is None:
            return HTMLResponse(
                "<!doctype html><html lang='zh-CN'><title>微信支付</title>"
                "<p role='alert'>支付会话不存在或已过期</p></html>",
                status_code=404,
            )
        txn = self.transactions[out_trade_no]
        redirect = request.query_params.get("redirect_url", "")
        if not redirect.startswith(("https://", "http://", "/")):
            redirect = ""
        page = _CASHIER_PAGE.format(
            description=html.escape(txn.description),
            amount=_fen_text(txn.total),
            prepay_id=orjson.dumps(prepay_id).decode(),
            redirect=orjson.dumps(redirect).decode().replace("<", "\\u003c"),
            paid="true" if txn.trade_state != "NOTPAY" else "false",
        )
        return HTMLResponse(page)

    @staticmethod
    async def _control_body(request: Request) -> dict[str, Any]:
        try:
            data = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError as exc:
            raise SimError(400, "PARAM_ERROR", "body is not JSON") from exc
        if not isinstance(data, dict):
            raise SimError(400, "PARAM_ERROR", "body must be a JSON object")
        return data

    async def _control_pay(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            prepay_id = data.get("prepay_id")
            notify_total = data.get("notify_total")
            if not isinstance(prepay_id, str):
                raise SimError(400, "PARAM_ERROR", "prepay_id is required")
            if notify_total is not None and (
                not isinstance(notify_total, int) or isinstance(notify_total, bool)
            ):
                raise SimError(400, "PARAM_ERROR", "notify_total must be an integer")
            txn, delivery = await self.pay(prepay_id, notify_total=notify_total)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse(
            {"transaction": txn.to_json(), "notify": delivery.to_json() if delivery else None}
        )

    async def _control_complete_refund(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            status = data.get("status", "SUCCESS")
            if not isinstance(status, str):
                raise SimError(400, "PARAM_ERROR", "status must be a string")
            out_refund_no = request.path_params["out_refund_no"]
            delivery = await self.complete_refund(out_refund_no, status)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse(
            {
                "refund": self.refunds[out_refund_no].to_json(),
                "notify": delivery.to_json() if delivery else None,
            }
        )

    async def _control_redeliver(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            delivery = await self.redeliver(
                request.path_params["notify_id"], resign=data.get("resign", True) is not False
            )
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse({"notify": delivery.to_json()})

    async def _control_notifies(self, request: Request) -> Response:
        return JSONResponse({"items": [d.to_json() for d in self.deliveries]})

    async def _control_balance(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        available = data.get("available")
        if available is not None and (
            not isinstance(available, int) or isinstance(available, bool)
        ):
            return JSONResponse(
                {"code": "PARAM_ERROR", "message": "available must be an integer or null"},
                status_code=400,
            )
        self.available_balance = available
        return JSONResponse({"available": available})


_CASHIER_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付（模拟）</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}}
button{{width:100%;padding:.9rem;font-size:1.1rem;background:#07c160;color:#fff;border:0;
border-radius:.4rem}}button:focus{{outline:3px solid #0a5}}</style></head>
<body><main><h1>微信支付（模拟收银台）</h1>
<p>{description}</p><p>金额 <strong>¥{amount}</strong></p>
<button id="pay" type="button">确认支付</button>
<p id="status" role="status" aria-live="polite"></p></main>
<script>
const prepayId = {prepay_id}, redirect = {redirect}, paid = {paid};
const status = document.getElementById("status"), button = document.getElementById("pay");
function done() {{
  status.textContent = "支付成功"; button.disabled = true;
  if (redirect) location.href = redirect;
}}
if (paid) done();
button.addEventListener("click", async () => {{
  button.disabled = true;
  const r = await fetch("pay", {{method: "POST", headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{prepay_id: prepayId}})}});
  const data = await r.json();
  if (r.ok) return done();
  status.textContent = data.message || "支付失败";
  button.disabled = false;
}});
</script></body></html>
"""


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _first(item: tuple[datetime, list[str]]) -> datetime:
    return item[0]


__all__ = [
    "NotifyDelivery",
    "SimError",
    "SimNotify",
    "SimRefund",
    "SimTransaction",
    "SimulatorKeys",
    "WeChatPaySimulator",
    "lazy_keys",
]
