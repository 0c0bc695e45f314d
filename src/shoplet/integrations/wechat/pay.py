"""WeChat Pay API v3 client for a direct merchant (JSAPI / mini program), in public-key mode.

A thin client on httpx + cryptography that speaks the documented wire protocol:

- every request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…`` signed with the merchant private key;
- every response (errors included, when WeChat signs them) is verified with the WeChat Pay public
  key: ``Wechatpay-Serial`` must be the configured public key id, ``Wechatpay-Timestamp`` within
  five minutes, ``Wechatpay-Signature`` over ``TIMESTAMP\\nNONCE\\nBODY\\n``;
- notifies are verified the same way, refused when their nonce was seen in the last ten minutes,
  and their ``AEAD_AES_256_GCM`` resource is decrypted with the APIv3 key.

The base URL is configurable (``SHOPLET_WECHATPAY_API_BASE``), so the same client talks to
``https://api.mch.weixin.qq.com`` in production and to the in-repo simulator everywhere else.
Errors are typed: :class:`WeChatPayError` for API and transport failures, :class:`NotifyRejected`
for notifies that must not be trusted. Neither knows about HTTP problem+json: the payments module
maps them.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import httpx
import orjson
import structlog
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from shoplet import __version__
from shoplet.core.settings import Settings, parse_platform_keys
from shoplet.integrations.wechat.pay_crypto import (
    AEAD_ALGORITHM,
    DecryptionFailed,
    aead_decrypt,
    build_authorization,
    format_rfc3339,
    load_private_key,
    load_public_key,
    new_nonce,
    parse_rfc3339,
    response_message,
    rsa_sign,
    rsa_verify,
    signing_message,
)

log = structlog.get_logger("shoplet.wechatpay")
_T = TypeVar("_T")

API_BASE = "https://api.mch.weixin.qq.com"
NOTIFY_PATH = "/api/v1/payments/wechat/notify"
REFUND_NOTIFY_PATH = "/api/v1/payments/wechat/refund-notify"
MAX_CLOCK_SKEW_SECONDS = 5 * 60
REPLAY_WINDOW_SECONDS = 10 * 60
USER_AGENT = f"Shoplet/{__version__} (WeChatPay-APIv3; python-httpx)"

TradeState = Literal["SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"]
RefundStatus = Literal["SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"]
BillType = Literal["ALL", "SUCCESS", "REFUND"]
NotifyRejectReason = Literal[
    "missing_headers",
    "serial_mismatch",
    "stale_timestamp",
    "bad_signature",
    "replayed_nonce",
    "malformed_body",
    "unsupported_algorithm",
    "decrypt_failed",
    "merchant_mismatch",
]


class WeChatPayError(Exception):
    """An API call failed: WeChat's error ``code`` (``PARAM_ERROR``, ``ORDERPAID``,
    ``ORDER_NOT_EXIST``, ``NOT_ENOUGH``, ``SIGN_ERROR``…), its message and HTTP status.

    Shoplet's own failure codes: ``NETWORK_ERROR`` (http_status 0: the outcome is unknown, query
    before retrying anything that moves money), ``RESPONSE_UNVERIFIED`` (see
    :class:`ResponseUnverified`), ``UNEXPECTED_RESPONSE`` and ``BILL_HASH_MISMATCH``.
    ``verified`` is False when WeChat's answer carried no signature: such an error is fine to
    give up on, but must not be taken as a fact about the order (confirm with a query).
    """

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int,
        *,
        detail: dict[str, Any] | None = None,
        verified: bool = True,
    ) -> None:
        super().__init__(f"{code} ({http_status}): {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.detail = detail
        self.verified = verified

    @property
    def is_retryable(self) -> bool:
        """Worth retrying with the same request (same out_trade_no / out_refund_no)."""
        return (
            self.http_status == 0
            or self.http_status >= 500
            or self.code
            in {
                "SYSTEM_ERROR",
                "SYSTEMERROR",
                "FREQUENCY_LIMITED",
                "RESPONSE_UNVERIFIED",
            }
        )


class ResponseUnverified(WeChatPayError):
    """The answer did not come from WeChat Pay (or was altered on the way): bad or missing
    signature, unknown serial, or a timestamp more than five minutes off."""

    def __init__(self, reason: str, message: str, http_status: int) -> None:
        super().__init__("RESPONSE_UNVERIFIED", message, http_status, verified=False)
        self.reason = reason


class NotifyRejected(Exception):
    """A notify that must not be trusted. ``reason`` is stable (see ``NotifyRejectReason``);
    answer WeChat with HTTP 4xx/5xx and :meth:`response_body` so it retries a genuine one."""

    def __init__(self, reason: NotifyRejectReason, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason: NotifyRejectReason = reason
        self.message = message

    def response_body(self) -> dict[str, str]:
        return {"code": "FAIL", "message": self.message}


# --- configuration -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    merchant_private_key: rsa.RSAPrivateKey
    merchant_serial: str
    apiv3_key: bytes
    platform_public_key: rsa.RSAPublicKey
    platform_serial: str
    notify_url: str
    refund_notify_url: str
    # Serial -> key of other WeChat Pay keys accepted on answers and notifies (a rotation: both
    # keys verify until the switch is done). ``platform_public_key`` stays the one that
    # encrypts sensitive request fields (its serial goes in the Wechatpay-Serial header).
    other_platform_keys: Mapping[str, rsa.RSAPublicKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.apiv3_key) != 32:
            raise ValueError("the WeChat Pay APIv3 key must be exactly 32 bytes")

    def verifying_key(self, serial: str) -> rsa.RSAPublicKey | None:
        """The WeChat Pay key named by a Wechatpay-Serial header, None for an unknown serial."""
        if serial == self.platform_serial:
            return self.platform_public_key
        return self.other_platform_keys.get(serial)


def notify_base_url(settings: Settings) -> str:
    if settings.wechatpay_notify_base_url:
        return settings.wechatpay_notify_base_url.rstrip("/")
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host  # nosec B104 # noqa: S104
    return f"http://{host}:{settings.port}"


def notify_urls(settings: Settings) -> tuple[str, str]:
    """``(payment notify_url, refund notify_url)`` served by the payments module."""
    base = notify_base_url(settings)
    return base + NOTIFY_PATH, base + REFUND_NOTIFY_PATH


def config_from_settings(settings: Settings) -> WeChatPayConfig:
    """The production configuration: every credential comes from settings and key files."""
    mchid = settings.wechatpay_mchid
    key_path = settings.wechatpay_merchant_key_path
    serial = settings.wechatpay_merchant_serial
    apiv3_key = settings.wechatpay_apiv3_key
    public_key_path = settings.wechatpay_platform_public_key_path
    platform_serial = settings.wechatpay_platform_serial
    if not (mchid and key_path and serial and apiv3_key and public_key_path and platform_serial):
        missing = [
            name
            for name, value in (
                ("SHOPLET_WECHATPAY_MCHID", mchid),
                ("SHOPLET_WECHATPAY_MERCHANT_KEY_PATH", key_path),
                ("SHOPLET_WECHATPAY_MERCHANT_SERIAL", serial),
                ("SHOPLET_WECHATPAY_APIV3_KEY", apiv3_key),
                ("SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH", public_key_path),
                ("SHOPLET_WECHATPAY_PLATFORM_SERIAL", platform_serial),
            )
            if not value
        ]
        raise ValueError(f"WeChat Pay needs {', '.join(missing)}")
    notify, refund_notify = notify_urls(settings)
    return WeChatPayConfig(
        mchid=mchid,
        appid=settings.wechatpay_appid or settings.wechat_appid,
        merchant_private_key=load_private_key(Path(key_path).read_bytes()),
        merchant_serial=serial,
        apiv3_key=apiv3_key.get_secret_value().encode(),
        platform_public_key=load_public_key(Path(public_key_path).read_bytes()),
        platform_serial=platform_serial,
        notify_url=notify,
        refund_notify_url=refund_notify,
        other_platform_keys={
            other: load_public_key(path.read_bytes())
            for other, path in parse_platform_keys(settings.wechatpay_platform_keys).items()
            if other != platform_serial
        },
    )


# --- notify replay protection --------------------------------------------------------------


class ReplayStore(Protocol):
    async def claim(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is claimed within ``ttl_seconds``, False afterwards."""
        ...


class MemoryReplayStore:
    """One process only (embedded mode). Entries expire in insertion order (the TTL is fixed)."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 200_000
    ) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._expiry: OrderedDict[str, float] = OrderedDict()

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        now = self._clock()
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now and len(self._expiry) < self._max_entries:
                break
            del self._expiry[oldest]
        if key in self._expiry:
            return False
        self._expiry[key] = now + ttl_seconds
        return True


class RedisReplayStore:
    """Shared by every replica: ``SET key 1 NX EX ttl`` is atomic, so only one claim wins."""

    def __init__(self, redis: Redis, *, prefix: str = "shoplet:wechatpay:notify-nonce:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self._redis.set(self._prefix + key, b"1", nx=True, ex=ttl_seconds))


# --- results -------------------------------------------------------------------------------


def _obj(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is missing or not a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} is missing or not an integer")
    return value


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    return parse_rfc3339(value) if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Transaction:
    """A payment as WeChat sees it (query answer or decrypted ``TRANSACTION.*`` notify)."""

    appid: str
    mchid: str
    out_trade_no: str
    transaction_id: str | None
    trade_type: str | None
    trade_state: str
    trade_state_desc: str
    bank_type: str | None
    attach: str | None
    success_time: datetime | None
    payer_openid: str | None
    total: int
    payer_total: int | None
    currency: str
    raw: dict[str, Any]

    @property
    def is_paid(self) -> bool:
        """Money was received (a later refund turns the state to REFUND, still paid)."""
        return self.trade_state in {"SUCCESS", "REFUND"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transaction:
        amount = _obj(data, "amount")
        return cls(
            appid=_str(data, "appid"),
            mchid=_str(data, "mchid"),
            out_trade_no=_str(data, "out_trade_no"),
            transaction_id=_opt_str(data, "transaction_id"),
            trade_type=_opt_str(data, "trade_type"),
            trade_state=_str(data, "trade_state"),
            trade_state_desc=str(data.get("trade_state_desc", "")),
            bank_type=_opt_str(data, "bank_type"),
            attach=_opt_str(data, "attach"),
            success_time=_opt_time(data, "success_time"),
            payer_openid=_opt_str(_obj(data, "payer"), "openid"),
            total=_int(amount, "total"),
            payer_total=_opt_int(amount, "payer_total"),
            currency=str(amount.get("currency") or "CNY"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund (apply / query answer, or decrypted ``REFUND.*`` notify)."""

    refund_id: str
    out_refund_no: str
    transaction_id: str
    out_trade_no: str
    status: str
    refund: int
    total: int
    payer_refund: int | None
    payer_total: int | None
    currency: str
    channel: str | None
    user_received_account: str | None
    create_time: datetime | None
    success_time: datetime | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Refund:
        amount = _obj(data, "amount")
        # The API answers ``status``; the refund notify calls the same field ``refund_status``.
        status = data.get("status", data.get("refund_status"))
        if not isinstance(status, str):
            raise ValueError("status is missing")
        return cls(
            refund_id=_str(data, "refund_id"),
            out_refund_no=_str(data, "out_refund_no"),
            transaction_id=_str(data, "transaction_id"),
            out_trade_no=_str(data, "out_trade_no"),
            status=status,
            refund=_int(amount, "refund"),
            total=_int(amount, "total"),
            payer_refund=_opt_int(amount, "payer_refund"),
            payer_total=_opt_int(amount, "payer_total"),
            currency=str(amount.get("currency") or "CNY"),
            channel=_opt_str(data, "channel"),
            user_received_account=_opt_str(data, "user_received_account"),
            create_time=_opt_time(data, "create_time"),
            success_time=_opt_time(data, "success_time"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class NotifyResource:
    """A verified, decrypted notify. ``data`` is the decrypted resource JSON."""

    id: str
    create_time: datetime | None
    event_type: str
    resource_type: str
    summary: str
    original_type: str
    data: dict[str, Any]

    def transaction(self) -> Transaction:
        return Transaction.from_json(self.data)

    def refund(self) -> Refund:
        return Refund.from_json(self.data)


# --- trade bill ----------------------------------------------------------------------------

_BILL_SUMMARY_FIRST_COLUMN = "总交易单数"


@dataclass(frozen=True, slots=True)
class TradeBillRow:
    """One line of a trade bill. Amounts are fen; ``fee`` is yuan (WeChat gives 5 decimals)."""

    trade_time: datetime
    appid: str
    mchid: str
    transaction_id: str
    out_trade_no: str
    openid: str
    trade_type: str
    trade_state: str
    bank_type: str
    currency: str
    settlement_total: int
    coupon_amount: int
    refund_id: str | None
    out_refund_no: str | None
    refund_amount: int
    coupon_refund_amount: int
    refund_type: str | None
    refund_status: str | None
    description: str
    attach: str
    fee: Decimal
    rate: str
    order_amount: int
    requested_refund_amount: int
    columns: dict[str, str]


@dataclass(frozen=True, slots=True)
class TradeBillSummary:
    count: int
    settlement_total: int
    refund_total: int
    coupon_refund_total: int
    fee_total: Decimal
    order_total: int
    requested_refund_total: int


@dataclass(frozen=True, slots=True)
class TradeBill:
    bill_date: date
    rows: tuple[TradeBillRow, ...]
    summary: TradeBillSummary


def _yuan(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc


def _fen(text: str) -> int:
    """Bill amounts are yuan with two decimals; anything finer is not money we can book."""
    fen = _yuan(text) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {text!r}")
    return int(fen)


def _id_or_none(text: str) -> str | None:
    # Payment lines carry ``0`` (or nothing) in the refund id columns.
    return None if text in {"", "0"} else text


def parse_trade_bill(content: str, bill_date: date) -> TradeBill:
    """Parse WeChat's trade bill: a header line, detail lines whose every field starts with a
    backtick, then the summary header (``总交易单数,…``) and one summary line.

    Columns are looked up by their header, so the ALL / SUCCESS / REFUND layouts all parse.
    """
    lines = [line for line in content.lstrip("\ufeff").splitlines() if line.strip()]
    records = [[cell.strip().removeprefix("`") for cell in r] for r in csv.reader(lines)]
    if not records:
        raise ValueError("empty bill")
    header = records[0]
    rows: list[TradeBillRow] = []
    summary: TradeBillSummary | None = None
    index = 1
    while index < len(records):
        record = records[index]
        if record and record[0] == _BILL_SUMMARY_FIRST_COLUMN:
            if index + 1 >= len(records):
                raise ValueError("bill summary header without values")
            values = dict(zip(record, records[index + 1], strict=False))
            summary = TradeBillSummary(
                count=int(values.get("总交易单数") or 0),
                settlement_total=_fen(values.get("应结订单总金额", "0")),
                refund_total=_fen(values.get("退款总金额", "0")),
                coupon_refund_total=_fen(values.get("充值券退款总金额", "0")),
                fee_total=_yuan(values.get("手续费总金额", "0")),
                order_total=_fen(values.get("订单总金额", "0")),
                requested_refund_total=_fen(values.get("申请退款总金额", "0")),
            )
            break
        columns = dict(zip(header, record, strict=False))
        c = columns.get
        # Bill times are China time without an offset.
        trade_time = datetime.strptime(c("交易时间", "") + "+0800", "%Y-%m-%d %H:%M:%S%z")
        rows.append(
            TradeBillRow(
                trade_time=trade_time.astimezone(UTC),
                appid=c("公众账号ID", ""),
                mchid=c("商户号", ""),
                transaction_id=c("微信订单号", ""),
                out_trade_no=c("商户订单号", ""),
                openid=c("用户标识", ""),
                trade_type=c("交易类型", ""),
                trade_state=c("交易状态", ""),
                bank_type=c("付款银行", ""),
                currency=c("货币种类", ""),
                settlement_total=_fen(c("应结订单金额", "0")),
                coupon_amount=_fen(c("代金券金额", "0")),
                refund_id=_id_or_none(c("微信退款单号", "")),
                out_refund_no=_id_or_none(c("商户退款单号", "")),
                refund_amount=_fen(c("退款金额", "0")),
                coupon_refund_amount=_fen(c("充值券退款金额", "0")),
                refund_type=c("退款类型") or None,
                refund_status=c("退款状态") or None,
                description=c("商品名称", ""),
                attach=c("商户数据包", ""),
                fee=_yuan(c("手续费", "0")),
                rate=c("费率", ""),
                order_amount=_fen(c("订单金额", "0")),
                requested_refund_amount=_fen(c("申请退款金额", "0")),
                columns=columns,
            )
        )
        index += 1
    if summary is None:
        raise ValueError("bill has no summary")
    return TradeBill(bill_date=bill_date, rows=tuple(rows), summary=summary)


# --- the client ----------------------------------------------------------------------------


class WeChatPayClient:
    """One per process; safe to share between requests (it holds no per-call state)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: WeChatPayConfig | Callable[[], WeChatPayConfig],
        *,
        replay_store: ReplayStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        # Embedded mode passes a factory: simulator keys are generated on first use, not at
        # start-up, so processes (and tests) that never pay never pay for RSA key generation.
        self._config = config if isinstance(config, WeChatPayConfig) else None
        self._config_factory = None if isinstance(config, WeChatPayConfig) else config
        self._replay = replay_store or MemoryReplayStore()
        self._clock = clock

    @property
    def config(self) -> WeChatPayConfig:
        if self._config is None:
            assert self._config_factory is not None  # noqa: S101
            self._config = self._config_factory()
        return self._config

    @property
    def replay_store(self) -> ReplayStore:
        return self._replay

    # -- API calls --

    async def prepay_jsapi(
        self,
        *,
        out_trade_no: str,
        description: str,
        total: int,
        payer_openid: str,
        time_expire: datetime,
        attach: str | None = None,
        notify_url: str | None = None,
    ) -> str:
        """``POST /v3/pay/transactions/jsapi``: the prepay_id (valid two hours) for an order.

        Repeating the same out_trade_no with the same parameters returns the same prepay_id.
        """
        cfg = self.config
        body: dict[str, Any] = {
            "appid": cfg.appid,
            "mchid": cfg.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": format_rfc3339(time_expire),
            "notify_url": notify_url or cfg.notify_url,
            "amount": {"total": total, "currency": "CNY"},
            "payer": {"openid": payer_openid},
        }
        if attach is not None:
            body["attach"] = attach
        data = await self._call("POST", "/v3/pay/transactions/jsapi", json_body=body)
        prepay_id = data.get("prepay_id") if data else None
        if not isinstance(prepay_id, str) or not prepay_id:
            raise WeChatPayError("UNEXPECTED_RESPONSE", "no prepay_id in the answer", 200)
        return prepay_id

    async def prepay_h5(
        self,
        *,
        out_trade_no: str,
        description: str,
        total: int,
        payer_client_ip: str,
        time_expire: datetime,
        h5_type: Literal["Wap", "iOS", "Android"] = "Wap",
        attach: str | None = None,
        notify_url: str | None = None,
    ) -> str:
        """``POST /v3/pay/transactions/h5``: the ``h5_url`` (WeChat's cashier page, valid five
        minutes; the shop appends ``&redirect_url=…``) for a payment in a mobile browser.

        Repeating the same out_trade_no with the same parameters is idempotent at WeChat.
        """
        cfg = self.config
        body: dict[str, Any] = {
            "appid": cfg.appid,
            "mchid": cfg.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": format_rfc3339(time_expire),
            "notify_url": notify_url or cfg.notify_url,
            "amount": {"total": total, "currency": "CNY"},
            "scene_info": {"payer_client_ip": payer_client_ip, "h5_info": {"type": h5_type}},
        }
        if attach is not None:
            body["attach"] = attach
        data = await self._call("POST", "/v3/pay/transactions/h5", json_body=body)
        h5_url = data.get("h5_url") if data else None
        if not isinstance(h5_url, str) or not h5_url:
            raise WeChatPayError("UNEXPECTED_RESPONSE", "no h5_url in the answer", 200)
        return h5_url

    def jsapi_pay_params(self, prepay_id: str) -> dict[str, str]:
        """What the mini program passes to ``wx.requestPayment`` (``paySign`` covers
        ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``, signed with the merchant key)."""
        cfg = self.config
        timestamp = str(int(self._clock()))
        nonce = new_nonce()
        package = f"prepay_id={prepay_id}"
        pay_sign = rsa_sign(
            cfg.merchant_private_key, signing_message(cfg.appid, timestamp, nonce, package)
        )
        return {
            "appId": cfg.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": pay_sign,
        }

    async def query_by_out_trade_no(self, out_trade_no: str) -> Transaction:
        """``GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…``."""
        data = await self._call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}",
            params={"mchid": self.config.mchid},
        )
        return self._parse(Transaction.from_json, data)

    async def close(self, out_trade_no: str) -> None:
        """``POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`` (204 when closed)."""
        await self._call(
            "POST",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
            json_body={"mchid": self.config.mchid},
        )

    async def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        refund: int,
        total: int,
        reason: str | None = None,
        notify_url: str | None = None,
    ) -> Refund:
        """``POST /v3/refund/domestic/refunds``: usually answers PROCESSING; the outcome comes
        as a ``REFUND.*`` notify (or a refund query). Retry with the same out_refund_no."""
        body: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "notify_url": notify_url or self.config.refund_notify_url,
            "amount": {"refund": refund, "total": total, "currency": "CNY"},
        }
        if reason:
            body["reason"] = reason
        data = await self._call("POST", "/v3/refund/domestic/refunds", json_body=body)
        return self._parse(Refund.from_json, data)

    async def query_refund(self, out_refund_no: str) -> Refund:
        """``GET /v3/refund/domestic/refunds/{out_refund_no}``."""
        data = await self._call(
            "GET", f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}"
        )
        return self._parse(Refund.from_json, data)

    async def trade_bill(self, bill_date: date, bill_type: BillType = "ALL") -> TradeBill:
        """``GET /v3/bill/tradebill`` for the download_url, then download the file (that answer
        is not signed: its SHA-1 must match ``hash_value``) and parse it."""
        data = await self._call(
            "GET",
            "/v3/bill/tradebill",
            params={"bill_date": bill_date.isoformat(), "bill_type": bill_type},
        )
        if not data:
            raise WeChatPayError("UNEXPECTED_RESPONSE", "empty bill answer", 200)
        url, hash_type, hash_value = (
            data.get(k) for k in ("download_url", "hash_type", "hash_value")
        )
        if not isinstance(url, str) or not isinstance(hash_value, str) or hash_type != "SHA1":
            raise WeChatPayError("UNEXPECTED_RESPONSE", "bill answer lacks download_url", 200)
        content = await self._download(url)
        digest = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        if digest.lower() != hash_value.lower():
            raise WeChatPayError("BILL_HASH_MISMATCH", "bill file does not match hash_value", 200)
        try:
            return parse_trade_bill(content.decode("utf-8"), bill_date)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WeChatPayError("UNEXPECTED_RESPONSE", f"unreadable bill: {exc}", 200) from exc

    # -- notifies --

    async def parse_notify(self, headers: Mapping[str, str], body: bytes) -> NotifyResource:
        """Verify, de-duplicate and decrypt a notify; raise :class:`NotifyRejected` otherwise.

        Order matters: the nonce is remembered only once the signature proved the notify is
        WeChat's, so forged requests cannot burn nonces of genuine ones.
        """
        cfg = self.config
        h = {k.lower(): v for k, v in headers.items()}
        timestamp = h.get("wechatpay-timestamp", "")
        nonce = h.get("wechatpay-nonce", "")
        signature = h.get("wechatpay-signature", "")
        serial = h.get("wechatpay-serial", "")
        if not (timestamp and nonce and signature and serial):
            raise NotifyRejected("missing_headers", "缺少 Wechatpay 签名头")
        key = cfg.verifying_key(serial)
        if key is None:
            raise NotifyRejected("serial_mismatch", "Wechatpay-Serial 与微信支付公钥ID不一致")
        if not self._fresh(timestamp):
            raise NotifyRejected("stale_timestamp", "Wechatpay-Timestamp 与当前时间相差超过5分钟")
        if not rsa_verify(key, response_message(timestamp, nonce, body), signature):
            raise NotifyRejected("bad_signature", "签名验证失败")
        if not await self._replay.claim(nonce, REPLAY_WINDOW_SECONDS):
            raise NotifyRejected("replayed_nonce", "重复的通知(Wechatpay-Nonce 已处理过)")
        try:
            envelope = orjson.loads(body)
            resource = envelope["resource"]
            algorithm = resource["algorithm"]
            ciphertext = resource["ciphertext"]
            resource_nonce = resource["nonce"]
            associated_data = resource.get("associated_data") or ""
            notify_id = envelope["id"]
            event_type = envelope["event_type"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise NotifyRejected("malformed_body", "通知报文格式错误") from exc
        if algorithm != AEAD_ALGORITHM:
            raise NotifyRejected("unsupported_algorithm", f"不支持的加密算法 {algorithm}")
        try:
            plaintext = aead_decrypt(
                cfg.apiv3_key,
                nonce=str(resource_nonce),
                associated_data=str(associated_data),
                ciphertext=str(ciphertext),
            )
            data = orjson.loads(plaintext)
        except (DecryptionFailed, orjson.JSONDecodeError) as exc:
            raise NotifyRejected("decrypt_failed", "通知资源解密失败") from exc
        if not isinstance(data, dict) or data.get("mchid") != cfg.mchid:
            raise NotifyRejected("merchant_mismatch", "通知不属于本商户号")
        create_time = envelope.get("create_time")
        try:
            created = parse_rfc3339(create_time) if isinstance(create_time, str) else None
        except ValueError:
            created = None
        return NotifyResource(
            id=str(notify_id),
            create_time=created,
            event_type=str(event_type),
            resource_type=str(envelope.get("resource_type", "")),
            summary=str(envelope.get("summary", "")),
            original_type=str(resource.get("original_type", "")),
            data=data,
        )

    # -- protocol plumbing --

    def _fresh(self, timestamp: str) -> bool:
        try:
            moment = int(timestamp)
        except ValueError:
            return False
        return abs(self._clock() - moment) <= MAX_CLOCK_SKEW_SECONDS

    def _sign(self, request: httpx.Request, body: str) -> None:
        cfg = self.config
        request.headers["Authorization"] = build_authorization(
            mchid=cfg.mchid,
            serial_no=cfg.merchant_serial,
            private_key=cfg.merchant_private_key,
            method=request.method,
            # What is signed is exactly what goes on the wire: path (with any base-URL prefix)
            # and the encoded query.
            url=request.url.raw_path.decode("ascii"),
            body=body,
            timestamp=int(self._clock()),
            nonce=new_nonce(),
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.HTTPError as exc:
            log.warning("wechatpay_network_error", url=str(request.url), error=type(exc).__name__)
            raise WeChatPayError(
                "NETWORK_ERROR", f"network error: {type(exc).__name__}", 0, verified=False
            ) from exc

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        body = orjson.dumps(json_body).decode() if json_body is not None else ""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(extra_headers or {})}
        if json_body is not None:
            headers["Content-Type"] = "application/json"
        request = self._http.build_request(
            method, path, params=params, content=body.encode() or None, headers=headers
        )
        self._sign(request, body)
        response = await self._send(request)
        signed = self._verify_response(response)
        if response.status_code >= 300 or response.status_code == 202:
            raise self._error(response, verified=signed)
        if not response.content:
            return None
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise WeChatPayError(
                "UNEXPECTED_RESPONSE", "answer is not JSON", response.status_code
            ) from exc
        if not isinstance(data, dict):
            raise WeChatPayError("UNEXPECTED_RESPONSE", "answer is not an object", 200)
        return data

    def _verify_response(self, response: httpx.Response) -> bool:
        """True when signed by WeChat Pay; raise when a signature is wrong, or missing on a
        success. (An unsigned error is returned as an error with ``verified=False``.)"""
        cfg = self.config
        h = response.headers
        timestamp = h.get("wechatpay-timestamp")
        nonce = h.get("wechatpay-nonce")
        signature = h.get("wechatpay-signature")
        serial = h.get("wechatpay-serial")
        status = response.status_code
        if not (timestamp and nonce and signature and serial):
            if status >= 400:
                return False
            raise ResponseUnverified("missing_headers", "answer is not signed", status)
        key = cfg.verifying_key(serial)
        if key is None:
            raise ResponseUnverified(
                "serial_mismatch", f"answer signed by unknown key {serial!r}", status
            )
        if not self._fresh(timestamp):
            raise ResponseUnverified(
                "stale_timestamp", "answer timestamp is off by > 5 min", status
            )
        if not rsa_verify(key, response_message(timestamp, nonce, response.content), signature):
            raise ResponseUnverified("bad_signature", "answer signature does not verify", status)
        return True

    @staticmethod
    def _error(response: httpx.Response, *, verified: bool) -> WeChatPayError:
        try:
            data = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        detail = data.get("detail")
        return WeChatPayError(
            str(data.get("code") or f"HTTP_{response.status_code}"),
            str(data.get("message") or response.reason_phrase),
            response.status_code,
            detail=detail if isinstance(detail, dict) else None,
            verified=verified,
        )

    async def _download(self, url: str) -> bytes:
        request = self._http.build_request(
            "GET", url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        self._sign(request, "")
        response = await self._send(request)
        if response.status_code != 200:
            # The download endpoint does not sign its answers, so neither its errors.
            raise self._error(response, verified=False)
        return response.content

    @staticmethod
    def _parse(parse: Callable[[dict[str, Any]], _T], data: dict[str, Any] | None) -> _T:
        try:
            if data is None:
                raise ValueError("empty answer")
            return parse(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise WeChatPayError("UNEXPECTED_RESPONSE", f"unexpected answer: {exc}", 200) from exc


__all__ = [
    "API_BASE",
    "NOTIFY_PATH",
    "REFUND_NOTIFY_PATH",
    "MemoryReplayStore",
    "NotifyRejectReason",
    "NotifyRejected",
    "NotifyResource",
    "RedisReplayStore",
    "Refund",
    "ReplayStore",
    "ResponseUnverified",
    "TradeBill",
    "TradeBillRow",
    "TradeBillSummary",
    "Transaction",
    "WeChatPayClient",
    "WeChatPayConfig",
    "WeChatPayError",
    "config_from_settings",
    "notify_urls",
    "parse_trade_bill",
]
