"""An in-repo stand-in for Tencent Cloud SMS ``SendSms`` (2021-01-11) speaking its wire format.

It verifies what the real service verifies: the TC3-HMAC-SHA256 signature over the signed
headers and the body, the SecretId, the timestamp window (5 minutes either way), the action and
version, the app, signature name and template. Per number it answers like Tencent Cloud:

- a number that is not ``+86`` and 11 digits: ``InvalidParameterValue.IncorrectPhoneNumber``;
- a number ending in ``0400``: ``InvalidParameterValue.IncorrectPhoneNumber`` (passes Shoplet's
  own format check, rejected by the provider);
- ending in ``0429``: ``LimitExceeded.PhoneNumberDailyLimit``;
- ending in ``0502``: ``FailedOperation.InsufficientBalanceInSmsPackage``;
- ending in ``0503``: the whole request fails with ``InternalError.RequestTimeException``;
- anything else: ``Ok``, and the message is kept (``sent``, ``last_params``) for tests and the
  embedded ``/_sim/sms/last-code`` route.
"""

from __future__ import annotations

import hmac
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shoplet.integrations.tencent_sms import (
    ACTION,
    SERVICE,
    VERSION,
    canonical_request,
    tc3_signature,
)

SIMULATOR_SECRET_ID = "AKIDshopletsimulator000000000000000"  # nosec B105 # noqa: S105 - public
SIMULATOR_SECRET_KEY = "shoplet-sms-simulator-key"  # nosec B105 # noqa: S105 - the simulator's public key
SIMULATOR_SDK_APP_ID = "1400000000"
SIMULATOR_SIGN_NAME = "Shoplet"
SIMULATOR_LOGIN_TEMPLATE_ID = "100001"
TIMESTAMP_WINDOW_SECONDS = 300

_MAINLAND = re.compile(r"^\+861[3-9]\d{9}$")
_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)"
    r"/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


@dataclass(frozen=True, slots=True)
class SentSms:
    phone: str  # E.164
    template_id: str
    params: tuple[str, ...]


class TencentSmsSimulator:
    def __init__(
        self,
        *,
        secret_id: str = SIMULATOR_SECRET_ID,
        secret_key: str = SIMULATOR_SECRET_KEY,
        sdk_app_id: str = SIMULATOR_SDK_APP_ID,
        sign_name: str = SIMULATOR_SIGN_NAME,
        templates: dict[str, int] | None = None,
        clock: Callable[[], float] = time.time,
        keep: int = 100,
    ) -> None:
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        # Approved template ids and how many parameters each takes.
        self.templates = templates or {SIMULATOR_LOGIN_TEMPLATE_ID: 2}
        self._clock = clock
        self.sent: deque[SentSms] = deque(maxlen=keep)
        self.app = Starlette(routes=[Route("/", self._endpoint, methods=["POST"])])

    def last_params(self, phone: str) -> tuple[str, ...] | None:
        """The parameters of the last message sent to ``phone`` (mainland or E.164)."""
        number = phone if phone.startswith("+") else f"+86{phone}"
        for message in reversed(self.sent):
            if message.phone == number:
                return message.params
        return None

    def last_code(self, phone: str) -> str | None:
        """The login template's first parameter is the code."""
        params = self.last_params(phone)
        return params[0] if params else None

    async def _endpoint(self, request: Request) -> JSONResponse:
        request_id = str(uuid.uuid4())
        body = await request.body()
        error = self._authenticate(request, body)
        if error is not None:
            return _error(request_id, *error)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _error(request_id, "InvalidParameter", "body is not JSON")
        if not isinstance(data, dict):
            return _error(request_id, "InvalidParameter", "body is not an object")
        error = self._validate(data)
        if error is not None:
            return _error(request_id, *error)
        numbers: list[str] = data["PhoneNumberSet"]
        if any(n.endswith("0503") for n in numbers):
            return _error(request_id, "InternalError.RequestTimeException", "request timed out")
        statuses = [self._send_one(n, data) for n in numbers]
        return JSONResponse({"Response": {"SendStatusSet": statuses, "RequestId": request_id}})

    def _authenticate(self, request: Request, body: bytes) -> tuple[str, str] | None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        match = _AUTHORIZATION.match(headers.get("authorization", ""))
        if match is None:
            return "AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256"
        if headers.get("x-tc-action") != ACTION:
            return "InvalidAction", f"action {headers.get('x-tc-action')!r} is not supported"
        if headers.get("x-tc-version") != VERSION:
            return "NoSuchVersion", f"version {headers.get('x-tc-version')!r} is not supported"
        if not headers.get("x-tc-region"):
            return "MissingParameter", "X-TC-Region is required"
        signed = match["signed"]
        if not {"content-type", "host"} <= set(signed.split(";")):
            return "AuthFailure.SignatureFailure", "content-type and host must be signed"
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            return "AuthFailure.InvalidAuthorization", "X-TC-Timestamp is not a number"
        if abs(self._clock() - timestamp) > TIMESTAMP_WINDOW_SECONDS:
            return "AuthFailure.SignatureExpire", "the request timestamp is out of the window"
        if match["id"] != self.secret_id:
            return "AuthFailure.SecretIdNotFound", "the SecretId does not exist"
        if match["service"] != SERVICE:
            return "AuthFailure.InvalidAuthorization", "credential scope names another service"
        expected = tc3_signature(
            secret_key=self.secret_key,
            timestamp=timestamp,
            service=SERVICE,
            canonical_request=canonical_request(
                method=request.method, headers=headers, signed_headers=signed, payload=body
            ),
        )
        # The scope's date must be the timestamp's: it is part of what was signed.
        scope_date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
        if match["date"] != scope_date or not hmac.compare_digest(expected, match["sig"]):
            return "AuthFailure.SignatureFailure", "the signature does not match"
        return None

    def _validate(self, data: dict[str, Any]) -> tuple[str, str] | None:
        numbers = data.get("PhoneNumberSet")
        if not isinstance(numbers, list) or not numbers or len(numbers) > 200:
            return "InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet is required"
        if not all(isinstance(n, str) for n in numbers):
            return "InvalidParameterValue.IncorrectPhoneNumber", "numbers are strings"
        if data.get("SmsSdkAppId") != self.sdk_app_id:
            return "InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId does not exist"
        if data.get("SignName") != self.sign_name:
            return "FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved"
        expected = self.templates.get(str(data.get("TemplateId")))
        if expected is None:
            return "FailedOperation.TemplateIncorrectOrUnapproved", "template not approved"
        params = data.get("TemplateParamSet", [])
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            return "InvalidParameterValue.TemplateParameterFormatError", "params are strings"
        if len(params) != expected:
            return (
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "the number of parameters does not match the template",
            )
        return None

    def _send_one(self, number: str, data: dict[str, Any]) -> dict[str, Any]:
        code, message = "Ok", "send success"
        if not _MAINLAND.match(number) or number.endswith("0400"):
            code, message = "InvalidParameterValue.IncorrectPhoneNumber", "incorrect number"
        elif number.endswith("0429"):
            code, message = "LimitExceeded.PhoneNumberDailyLimit", "daily limit reached"
        elif number.endswith("0502"):
            code, message = "FailedOperation.InsufficientBalanceInSmsPackage", "no balance"
        if code == "Ok":
            self.sent.append(
                SentSms(number, str(data["TemplateId"]), tuple(data["TemplateParamSet"]))
            )
        return {
            "SerialNo": f"{uuid.uuid4().int % 10**10}:{uuid.uuid4().hex[:24]}"
            if code == "Ok"
            else "",
            "PhoneNumber": number,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": "",
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }


def _error(request_id: str, code: str, message: str) -> JSONResponse:
    # Tencent Cloud API 3.0 answers errors with HTTP 200 and Response.Error.
    return JSONResponse(
        {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
    )
