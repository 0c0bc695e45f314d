"""The simulator's core: its state, clock and keys, and the signing and verifying of WeChat Pay API
v3 requests and answers.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shoplet.integrations.wechat.pay_crypto import (
    SIGNATURE_SCHEME,
    new_nonce,
    parse_authorization,
    parse_rfc3339,
    response_message,
    rsa_sign,
    rsa_verify,
    signing_message,
)

from .keys import SimulatorKeys
from .state import (
    MAX_CLOCK_SKEW_SECONDS,
    NotifyDelivery,
    SimError,
    SimRefund,
    SimTransaction,
    _param_error,
)


class _SimulatorBase:
    """State, clock, keys and request signing.

    :class:`WeChatPaySimulator` is built in layers, one file each, every layer on top of the
    one before: base, notify, actions, handlers, bills, cashier, app."""

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
        self.app = Starlette(routes=self._routes())

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

    def _routes(self) -> list[Route]:
        """The app's routes (:class:`WeChatPaySimulator`)."""
        raise NotImplementedError
