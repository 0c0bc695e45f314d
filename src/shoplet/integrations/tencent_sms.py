"""Tencent Cloud SMS, API 2021-01-11 ``SendSms``, signed with TC3-HMAC-SHA256, on httpx.

A request is ``POST /`` with a JSON body (``PhoneNumberSet``, ``SmsSdkAppId``, ``SignName``,
``TemplateId``, ``TemplateParamSet``) and the headers ``X-TC-Action``, ``X-TC-Version``,
``X-TC-Timestamp``, ``X-TC-Region`` and ``Authorization``. The answer is
``{"Response": {"SendStatusSet": [{"Code": "Ok", …}], "RequestId": …}}`` or, when the whole
request fails, ``{"Response": {"Error": {"Code": …, "Message": …}, "RequestId": …}}``.
Codes map to :class:`SmsError` kinds (see ``classify``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import orjson
import structlog

from shoplet.core.security import mask_phone
from shoplet.integrations.sms import SmsError, SmsFailure, SmsMessage

log = structlog.get_logger("shoplet.sms")

API_BASE = "https://sms.tencentcloudapi.com"
SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"

# Per-number codes that are the shopper's side: the number, or the provider's limits on it.
_PHONE_REJECTED = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.PhoneNumberParseFail",
        "UnsupportedOperation.UnsupportedRegion",
    }
)
# Codes that mean our account's set-up is wrong: credentials, app, signature, template.
_MISCONFIGURED_PREFIXES = ("AuthFailure.", "UnauthorizedOperation.")
_MISCONFIGURED = frozenset(
    {
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "InvalidParameterValue.SdkAppIdNotExist",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    }
)


def classify(code: str) -> SmsFailure:
    """The kind of failure a Tencent Cloud error code reports."""
    if code in _PHONE_REJECTED:
        return "phone_rejected"
    if code.startswith("LimitExceeded.PhoneNumber"):
        return "rate_limited"
    if code in _MISCONFIGURED or code.startswith(_MISCONFIGURED_PREFIXES):
        return "misconfigured"
    return "unavailable"


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tc3_signature(
    *,
    secret_key: str,
    timestamp: int,
    service: str,
    canonical_request: str,
) -> str:
    """Signature of TC3-HMAC-SHA256: the string to sign under a key derived per day/service."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        (ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode()))
    )
    secret_date = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac_sha256(secret_date, service)
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(
    *, method: str, headers: dict[str, str], signed_headers: str, payload: bytes
) -> str:
    """``headers`` by lower-case name; values are trimmed and lower-cased as TC3 requires."""
    names = signed_headers.split(";")
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in names
    )
    return "\n".join((method, "/", "", canonical_headers, signed_headers, _sha256_hex(payload)))


def sign_headers(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    region: str,
    payload: bytes,
    timestamp: int,
    action: str = ACTION,
    version: str = VERSION,
    service: str = SERVICE,
) -> dict[str, str]:
    """The headers of a signed TC3 ``POST /`` request."""
    signed = {"content-type": CONTENT_TYPE, "host": host, "x-tc-action": action}
    request = canonical_request(
        method="POST", headers=signed, signed_headers=SIGNED_HEADERS, payload=payload
    )
    signature = tc3_signature(
        secret_key=secret_key, timestamp=timestamp, service=service, canonical_request=request
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    authorization = (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
    return {
        "Authorization": authorization,
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": region,
    }


@dataclass(frozen=True, slots=True)
class TencentSmsTemplate:
    """An approved template: its id and which message params fill ``{1}``, ``{2}``, …"""

    template_id: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class TencentSmsConfig:
    secret_id: str
    secret_key: str = field(repr=False)
    sdk_app_id: str
    sign_name: str
    region: str
    # Shoplet's template names (``SmsMessage.template``) to approved Tencent templates.
    templates: dict[str, TencentSmsTemplate]


def e164(phone: str) -> str:
    """Mainland numbers as +86…; numbers already in E.164 unchanged."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsSender:
    def __init__(self, http: httpx.AsyncClient, config: TencentSmsConfig) -> None:
        self._http = http
        self._config = config

    async def send(self, message: SmsMessage) -> None:
        config = self._config
        template = config.templates.get(message.template)
        if template is None:
            raise SmsError("misconfigured", "Shoplet.UnknownTemplate", message.template)
        try:
            params = [message.params[name] for name in template.params]
        except KeyError as exc:
            raise SmsError("misconfigured", "Shoplet.MissingTemplateParam", str(exc)) from exc
        payload = orjson.dumps(
            {
                "PhoneNumberSet": [e164(message.phone)],
                "SmsSdkAppId": config.sdk_app_id,
                "SignName": config.sign_name,
                "TemplateId": template.template_id,
                "TemplateParamSet": params,
            }
        )
        headers = sign_headers(
            secret_id=config.secret_id,
            secret_key=config.secret_key,
            host=self._http.base_url.netloc.decode(),
            region=config.region,
            payload=payload,
            timestamp=int(time.time()),
        )
        try:
            response = await self._http.post("/", content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsError("unavailable", "Shoplet.NetworkError", type(exc).__name__) from exc
        if response.status_code != 200:
            raise SmsError("unavailable", "Shoplet.HttpStatus", str(response.status_code))
        try:
            body = orjson.loads(response.content)["Response"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise SmsError("unavailable", "Shoplet.MalformedResponse") from exc
        error = body.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", "InternalError"))
            raise SmsError(classify(code), code, str(error.get("Message", "")))
        statuses = body.get("SendStatusSet")
        if (
            not isinstance(statuses, list)
            or len(statuses) != 1
            or not isinstance(statuses[0], dict)
        ):
            raise SmsError("unavailable", "Shoplet.MalformedResponse", "SendStatusSet")
        code = str(statuses[0].get("Code", ""))
        if code != "Ok":
            raise SmsError(classify(code), code, str(statuses[0].get("Message", "")))
        log.info(
            "sms_sent",
            provider="tencent",
            phone=mask_phone(message.phone),
            template=message.template,
            request_id=body.get("RequestId"),
        )
