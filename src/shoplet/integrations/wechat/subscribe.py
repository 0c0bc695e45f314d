"""WeChat subscribe messages (订阅消息, one-time): ``POST /cgi-bin/message/subscribe/send?
access_token=…``.

Wire format (WeChat's own): a JSON body ``{touser (openid), template_id, page, miniprogram_state
("developer" | "trial" | "formal"), lang ("zh_CN" | "en_US" | "zh_HK" | "zh_TW"), data: {key:
{value}}}``; the answer ``{errcode, errmsg}`` (``msgid`` too on success):

- 0 sent (one of the shopper's accepts is spent);
- 40001 / 42001 invalid or expired access token (a fresh token, one retry);
- 40003 invalid openid; 40037 invalid template id; 41030 invalid page;
- 43101 the shopper refused or has no subscription left;
- 47003 template params invalid (a key the template lacks, a value outside its type's rule).

A template's keys name their type (``thing1``, ``amount2``, ``character_string3``…); each type
has WeChat's rule (:data:`FIELD_RULES`), checked here before any call (:func:`check_data`),
so a value WeChat would refuse costs no credit: it is refused with a stable reason, never cut.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx
import orjson

INVALID_TOKEN = (40001, 42001)
INVALID_OPENID = 40003
INVALID_TEMPLATE = 40037
INVALID_PAGE = 41030
USER_REFUSED = 43101
INVALID_PARAMS = 47003

TokenSource = Callable[[bool], Awaitable[str]]

_HAN = r"\u4e00-\u9fff"
_DATE = r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}"
_TIME = r"\d{1,2}:\d{2}(:\d{2})?"


@dataclass(frozen=True, slots=True)
class FieldRule:
    max_length: int
    pattern: re.Pattern[str] | None
    what: str


# WeChat's documented rules per keyword type (subscribeMessage.send, 参数值限制).
FIELD_RULES: dict[str, FieldRule] = {
    "thing": FieldRule(20, None, "20 个以内字符"),
    "number": FieldRule(32, re.compile(r"^-?\d+(\.\d+)?$"), "32 位以内数字，可带小数"),
    "letter": FieldRule(32, re.compile(r"^[A-Za-z]+$"), "32 位以内字母"),
    "symbol": FieldRule(5, re.compile(r"^[^\w\s]+$"), "5 位以内符号"),
    "character_string": FieldRule(32, re.compile(r"^[\x21-\x7e]+$"), "32 位以内数字、字母或符号"),
    "time": FieldRule(32, re.compile(rf"^(({_DATE})\s*)?{_TIME}$"), "24 小时制时间，可带日期"),
    "date": FieldRule(32, re.compile(rf"^({_DATE})(\s*{_TIME})?$"), "年月日格式，可带时间"),
    "amount": FieldRule(
        16,
        re.compile(r"^[¥￥$]?-?\d{1,10}(\.\d{1,2})?元?$"),
        "1 个币种符号 + 10 位以内纯数字，可带小数，结尾可带元",
    ),
    "phone_number": FieldRule(17, re.compile(r"^\+?[\d\-\s()]+$"), "17 位以内数字、符号"),
    "car_number": FieldRule(
        8,
        re.compile(rf"^[{_HAN}A-Za-z0-9]?[A-Za-z0-9]+[{_HAN}A-Za-z0-9]?$"),
        "8 位以内，第一位与最后一位可为汉字，其余为字母或数字",
    ),
    "name": FieldRule(
        20,
        re.compile(rf"^([{_HAN}]{{1,10}}|[A-Za-z ]{{1,20}})$"),
        "10 个以内纯汉字或 20 个以内纯字母",
    ),
    "phrase": FieldRule(5, re.compile(rf"^[{_HAN}]+$"), "5 个以内汉字"),
}
_KEY = re.compile(r"^([a-z_]+?)(\d+)$")


def field_type(key: str) -> str | None:
    """The type a template key names (``character_string12`` → ``character_string``)."""
    found = _KEY.fullmatch(key)
    if found is None or found.group(1) not in FIELD_RULES:
        return None
    return found.group(1)


class FieldInvalid(ValueError):
    """A value WeChat would refuse (47003): ``reason`` is ``unknown_type``, ``empty``,
    ``too_long`` or ``bad_format``."""

    def __init__(self, key: str, reason: str, rule: str = "") -> None:
        super().__init__(f"{key}: {reason} {rule}".strip())
        self.key = key
        self.reason = reason
        self.rule = rule


def check_value(key: str, value: str) -> None:
    kind = field_type(key)
    if kind is None:
        raise FieldInvalid(key, "unknown_type")
    rule = FIELD_RULES[kind]
    if not value:
        raise FieldInvalid(key, "empty", rule.what)
    if len(value) > rule.max_length:
        raise FieldInvalid(key, "too_long", rule.what)
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        raise FieldInvalid(key, "bad_format", rule.what)


def check_data(data: Mapping[str, str]) -> None:
    for key, value in data.items():
        check_value(key, value)


class SubscribeSendError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class SubscribeMessage:
    touser: str
    template_id: str
    data: Mapping[str, str]
    page: str = ""
    miniprogram_state: str = "formal"
    lang: str = "zh_CN"

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "touser": self.touser,
            "template_id": self.template_id,
            "miniprogram_state": self.miniprogram_state,
            "lang": self.lang,
            "data": {key: {"value": value} for key, value in self.data.items()},
        }
        if self.page:
            body["page"] = self.page
        return body


class SubscribeMessageClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token(force_refresh)`` gives the stable access token."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource) -> None:
        self._http = http
        self._token = token

    async def send(self, message: SubscribeMessage) -> int | None:
        """Send one message: WeChat's ``msgid``. :class:`FieldInvalid` before any call for a
        value WeChat would refuse; :class:`SubscribeSendError` with WeChat's code otherwise."""
        check_data(message.data)
        content = orjson.dumps(message.body())
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.post(
                    "/cgi-bin/message/subscribe/send",
                    params={"access_token": token},
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise SubscribeSendError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise SubscribeSendError(-1, f"HTTP {response.status_code}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise SubscribeSendError(-1, "response is not JSON") from exc
            errcode = data.get("errcode", -1) if isinstance(data, dict) else -1
            errcode = errcode if isinstance(errcode, int) else -1
            if errcode == 0:
                msgid = data.get("msgid")
                return msgid if isinstance(msgid, int) else None
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise SubscribeSendError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover
