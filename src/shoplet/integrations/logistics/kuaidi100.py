"""Kuaidi100 (快递100) on httpx: tracking subscriptions, signed pushes and e-waybills.

Wire format (Kuaidi100's own):

- **Subscribe** ``POST https://poll.kuaidi100.com/poll``, form fields ``schema=json`` and
  ``param={"company", "number", "key", "parameters": {"callbackurl", "salt", "resultv2": "1",
  "phone"}}`` (``phone``: the receiver's or sender's phone, required by SF; its last four digits
  suffice). The answer ``{"result": true, "returnCode": "200", "message": "提交成功"}``, or
  ``result: false`` with ``returnCode`` 501 (already subscribed: success for us), 500 (server
  error, retried), 600 (not a valid subscriber: wrong key), 601 (key expired), 700 (bad data:
  company or number), 701 (carrier not supported), 702 (number not recognised).
- **Push** to ``callbackurl``: form fields ``param`` (JSON ``{status, billstatus, message,
  lastResult: {state, ischeck, com, nu, data: [{context, time, ftime, status, areaCode,
  areaName}]}}``, newest line first, times in Asia/Shanghai) and ``sign`` = upper-case hex
  MD5(``param`` + salt). The receiver answers ``{"result": true, "returnCode": "200",
  "message": "成功"}``; anything else makes Kuaidi100 push again later.
- **E-waybill** ``POST https://api.kuaidi100.com/label/order``, form fields ``method=order``,
  ``key``, ``t`` (milliseconds), ``param`` (JSON) and ``sign`` = upper-case hex MD5(``param`` +
  ``t`` + ``key`` + ``secret``); the answer ``{"success", "code", "message", "data": {"taskId",
  "kuaidinum", "label"}}`` with ``label`` the printable image's URL.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import orjson

from shoplet.integrations.logistics.carrier import (
    CarrierError,
    Party,
    PushRejected,
    TrackingEvent,
    TrackingPush,
    Waybill,
    stage_of,
)

POLL_BASE = "https://poll.kuaidi100.com"
API_BASE = "https://api.kuaidi100.com"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The answers a push receiver gives: Kuaidi100 pushes again until it reads a success.
PUSH_OK: dict[str, object] = {"result": True, "returnCode": "200", "message": "成功"}
PUSH_FAILED: dict[str, object] = {"result": False, "returnCode": "500", "message": "失败"}
# Subscription codes: already subscribed counts as done; outages are worth retrying.
ALREADY_SUBSCRIBED = "501"
RETRYABLE_CODES = frozenset({"500", "503"})


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def push_sign(param: str, salt: str) -> str:
    """A push's signature: upper-case hex MD5(param + salt)."""
    return md5_upper(param + salt)


def label_sign(param: str, t: str, key: str, secret: str) -> str:
    """An e-waybill request's signature: upper-case hex MD5(param + t + key + secret)."""
    return md5_upper(param + t + key + secret)


def shanghai_to_utc(text: str) -> datetime:
    """``2024-05-01 13:05:00`` (Asia/Shanghai, as Kuaidi100 writes times) as aware UTC."""
    local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    return local.astimezone(UTC)


def utc_to_shanghai(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def read_push(param: str) -> TrackingPush:
    """The track in a push's ``param`` (already verified); :class:`PushRejected` when it is
    not Kuaidi100's shape."""
    try:
        body = orjson.loads(param)
        last = body["lastResult"]
        number = str(last["nu"]).strip()
        company = str(last["com"]).strip()
        state = str(last.get("state", "")).strip()
        lines = last.get("data") or []
        if not isinstance(lines, list) or not number or not company:
            raise PushRejected("push without a number, a carrier or a track")
        events = []
        for line in lines:
            line_state = str(line.get("statusCode") or line.get("status") or state)
            events.append(
                TrackingEvent(
                    occurred_at=shanghai_to_utc(str(line.get("ftime") or line["time"])),
                    context=str(line["context"])[:500],
                    state=line_state[:16],
                    stage=stage_of(line_state),
                    area_code=(str(line["areaCode"])[:16] if line.get("areaCode") else None),
                    area_name=(str(line["areaName"])[:64] if line.get("areaName") else None),
                )
            )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PushRejected(f"unreadable push: {type(exc).__name__}") from exc
    return TrackingPush(
        carrier=company,
        tracking_no=number,
        state=state,
        stage=stage_of(state) if state else (events[0].stage if events else "in_transit"),
        is_checked=str(last.get("ischeck", "0")) == "1",
        events=tuple(events),
        monitor_status=str(body.get("status", "polling")),
    )


class Kuaidi100Carrier:
    """The :class:`~shoplet.integrations.logistics.carrier.Carrier` adapter for Kuaidi100.
    ``poll_http`` and ``api_http`` point at Kuaidi100 in production, at the simulator otherwise."""

    def __init__(
        self,
        poll_http: httpx.AsyncClient,
        api_http: httpx.AsyncClient,
        *,
        key: str,
        secret: str,
        salt: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._poll = poll_http
        self._api = api_http
        self._key = key
        self._secret = secret
        self._salt = salt
        self._clock = clock

    async def _form(self, http: httpx.AsyncClient, path: str, data: dict[str, str]) -> object:
        try:
            response = await http.post(path, data=data)
        except httpx.HTTPError as exc:
            raise CarrierError("network", type(exc).__name__, retryable=True) from exc
        if response.status_code >= 500:
            raise CarrierError(str(response.status_code), "server error", retryable=True)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise CarrierError("format", "not JSON", retryable=True) from exc

    async def subscribe(
        self, *, carrier: str, tracking_no: str, callback_url: str, phone: str | None
    ) -> None:
        parameters: dict[str, str] = {
            "callbackurl": callback_url,
            "salt": self._salt,
            "resultv2": "1",
        }
        if phone:
            parameters["phone"] = phone[-4:]
        param = {
            "company": carrier,
            "number": tracking_no,
            "key": self._key,
            "parameters": parameters,
        }
        body = await self._form(
            self._poll, "/poll", {"schema": "json", "param": orjson.dumps(param).decode()}
        )
        if not isinstance(body, dict):
            raise CarrierError("format", "not an object", retryable=True)
        code = str(body.get("returnCode", ""))
        if body.get("result") is True or code == ALREADY_SUBSCRIBED:
            return
        raise CarrierError(
            code or "unknown", str(body.get("message", "")), retryable=code in RETRYABLE_CODES
        )

    def parse_push(self, form: dict[str, str]) -> TrackingPush:
        param = form.get("param", "")
        sign = form.get("sign", "")
        if not param or not sign:
            raise PushRejected("push without param or sign")
        if not _equal(sign.upper(), push_sign(param, self._salt)):
            raise PushRejected("bad signature")
        return read_push(param)

    async def print_waybill(
        self,
        *,
        carrier: str,
        order_ref: str,
        sender: Party,
        recipient: Party,
        cargo: str,
        partner_id: str = "",
        partner_key: str = "",
    ) -> Waybill:
        param = orjson.dumps(
            {
                "printType": "IMAGE",
                "partnerId": partner_id,
                "partnerKey": partner_key,
                "kuaidicom": carrier,
                "recMan": {
                    "name": recipient.name,
                    "mobile": recipient.mobile,
                    "printAddr": recipient.address,
                },
                "sendMan": {
                    "name": sender.name,
                    "mobile": sender.mobile,
                    "printAddr": sender.address,
                },
                "cargo": cargo[:40],
                "count": 1,
                "orderId": order_ref,
                "expType": "标准快递",
            }
        ).decode()
        t = str(int(self._clock() * 1000))
        body = await self._form(
            self._api,
            "/label/order",
            {
                "method": "order",
                "key": self._key,
                "t": t,
                "param": param,
                "sign": label_sign(param, t, self._key, self._secret),
            },
        )
        if not isinstance(body, dict):
            raise CarrierError("format", "not an object", retryable=True)
        code = str(body.get("code", ""))
        data = body.get("data")
        if body.get("success") is not True or not isinstance(data, dict):
            raise CarrierError(
                code or "unknown", str(body.get("message", "")), retryable=code.startswith("5")
            )
        number = str(data.get("kuaidinum") or "")
        label_url = str(data.get("label") or "")
        if not number or not label_url:
            raise CarrierError("format", "no kuaidinum or label", retryable=False)
        try:
            image = await self._api.get(label_url)
        except httpx.HTTPError as exc:
            raise CarrierError("network", type(exc).__name__, retryable=True) from exc
        if image.status_code != 200:
            raise CarrierError(str(image.status_code), "label not fetched", retryable=True)
        return Waybill(
            carrier=carrier,
            tracking_no=number,
            task_id=str(data.get("taskId") or ""),
            label=image.content,
            label_type=image.headers.get("content-type", "image/jpeg").split(";")[0],
        )


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
