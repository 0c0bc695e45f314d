"""An in-repo stand-in for ``wxa/business/getuserphonenumber`` (see ``phone.py``).

It checks the access token against the token issuer it is given (the mini-program code
simulator's ``cgi-bin/stable_token``: 40001 otherwise), the JSON body (47001), then the code: a
code is what :meth:`PhoneNumberSimulator.issue_code` handed out (the phone's
``getPhoneNumber`` button), single-use and good for five minutes — unknown, spent or expired
codes answer 40029 as WeChat does. ``fail_next`` queues WeChat error codes to answer next
(-1 system busy, 40013 invalid appid, 45011 frequency limit); ``watermark_appid`` signs answers
for another app (a test of the client's watermark check).

``POST /sim/phone-code`` {phoneNumber, countryCode?} → {code} plays the phone's button for the
embedded shop and browser tests (the simulator is mounted only where simulators are).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CODE_TTL_SECONDS = 300
_MESSAGES = {
    -1: "system error",
    40013: "invalid appid",
    45011: "api minute-quota reach limit",
}


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class _Code:
    pure_phone_number: str
    country_code: str
    expires_at: float
    used: bool = False


@dataclass
class PhoneNumberSimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    appid: str
    clock: Callable[[], float] = time.time
    watermark_appid: str | None = None
    fail_next: list[int] = field(default_factory=list)
    codes: dict[str, _Code] = field(default_factory=dict)
    exchanges: int = 0

    def issue_code(self, pure_phone_number: str, country_code: str = "86") -> str:
        """What the phone's ``getPhoneNumber`` button yields once the shopper allows it."""
        code = secrets.token_hex(32)
        self.codes[code] = _Code(pure_phone_number, country_code, self.clock() + CODE_TTL_SECONDS)
        return code

    def routes(self) -> list[Route]:
        return [
            Route("/wxa/business/getuserphonenumber", self._exchange, methods=["POST"]),
            Route("/sim/phone-code", self._issue, methods=["POST"]),
        ]

    async def _issue(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            phone = str(body["phoneNumber"])
            country = str(body.get("countryCode", "86"))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "phoneNumber required"}, status_code=400)
        return JSONResponse({"code": self.issue_code(phone, country)})

    async def _exchange(self, request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error(47001, "data format error")
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return _error(47001, "data format error")
        if self.fail_next:
            errcode = self.fail_next.pop(0)
            return _error(errcode, _MESSAGES.get(errcode, "system error"))
        found = self.codes.get(body["code"])
        now = self.clock()
        if found is None or found.used or found.expires_at <= now:
            return _error(40029, "invalid code")
        found.used = True
        self.exchanges += 1
        country = found.country_code
        pure = found.pure_phone_number
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    # WeChat writes a foreign number with its country code, a Chinese one bare.
                    "phoneNumber": pure if country == "86" else f"+{country}{pure}",
                    "purePhoneNumber": pure,
                    "countryCode": country,
                    "watermark": {
                        "timestamp": int(now),
                        "appid": self.watermark_appid or self.appid,
                    },
                },
            }
        )
