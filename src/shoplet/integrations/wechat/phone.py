"""WeChat mini-program phone numbers: the storefront's ``<button open-type="getPhoneNumber">``
yields a one-time ``code`` that the server exchanges with
``POST /wxa/business/getuserphonenumber?access_token=…``.

Wire format (WeChat's own): the JSON body ``{"code": "…"}``; the answer ``{errcode: 0, errmsg:
"ok", phone_info: {phoneNumber ("+86…" abroad, digits at home), purePhoneNumber (no country
code), countryCode ("86"), watermark: {timestamp, appid}}}``, or ``{errcode, errmsg}``:

- 40029 invalid code (unknown, used or older than five minutes: a code is single-use);
- 40001 / 42001 invalid or expired access token (a fresh token, one retry);
- 40013 invalid appid; -1 system busy; 45011 frequency limit.

The access token is the stable one (``POST /cgi-bin/stable_token``) the mini-program code client
keeps until shortly before it expires. The watermark's appid must be this mini program's: an
answer for another app proves nothing (:data:`WATERMARK_MISMATCH`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import orjson

INVALID_TOKEN = (40001, 42001)
INVALID_CODE = 40029
INVALID_APPID = 40013
SYSTEM_BUSY = -1
# Not WeChat's: the answer's watermark names another app (checked here, never sent by WeChat).
WATERMARK_MISMATCH = -40013

TokenSource = Callable[[bool], Awaitable[str]]


class WeChatPhoneError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    # Kept out of repr: logging an answer must not leak the number.
    phone_number: str = field(repr=False)
    pure_phone_number: str = field(repr=False)
    country_code: str = "86"
    watermark_timestamp: int = 0


class WeChatPhoneClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token(force_refresh)`` gives the access token."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource, *, appid: str) -> None:
        self._http = http
        self._token = token
        self._appid = appid

    async def get_phone_number(self, code: str) -> PhoneInfo:
        """The phone the code proves; :class:`WeChatPhoneError` with WeChat's code otherwise."""
        content = orjson.dumps({"code": code})
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.post(
                    "/wxa/business/getuserphonenumber",
                    params={"access_token": token},
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise WeChatPhoneError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise WeChatPhoneError(-1, f"HTTP {response.status_code}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise WeChatPhoneError(-1, "response is not JSON") from exc
            if not isinstance(data, dict):
                raise WeChatPhoneError(-1, "response is not a JSON object")
            errcode = data.get("errcode", 0)
            errcode = errcode if isinstance(errcode, int) else -1
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            if errcode != 0:
                raise WeChatPhoneError(errcode, str(data.get("errmsg", "")))
            return self._phone_info(data.get("phone_info"))
        raise AssertionError("unreachable")  # pragma: no cover

    def _phone_info(self, info: object) -> PhoneInfo:
        if not isinstance(info, dict):
            raise WeChatPhoneError(-1, "response lacks phone_info")
        watermark = info.get("watermark")
        if not isinstance(watermark, dict) or watermark.get("appid") != self._appid:
            raise WeChatPhoneError(WATERMARK_MISMATCH, "watermark appid is not this app's")
        phone, pure, country = (
            info.get("phoneNumber"),
            info.get("purePhoneNumber"),
            info.get("countryCode"),
        )
        if not (isinstance(phone, str) and isinstance(pure, str) and isinstance(country, str)):
            raise WeChatPhoneError(-1, "phone_info lacks the number")
        stamp = watermark.get("timestamp")
        return PhoneInfo(
            phone_number=phone,
            pure_phone_number=pure,
            country_code=country,
            watermark_timestamp=stamp if isinstance(stamp, int) else 0,
        )
