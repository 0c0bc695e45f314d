"""The carrier port: what Shoplet asks of a tracking provider, whoever it is.

A provider adapter (``kuaidi100.Kuaidi100Carrier``) subscribes a tracking number, reads a
signed push into a :class:`TrackingPush`, and optionally prints an e-waybill. The normalised
stages the shopper sees are decided here, by pure functions over the provider's state codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Stage = Literal["collected", "in_transit", "delivering", "signed", "exception"]
STAGES: tuple[Stage, ...] = ("collected", "in_transit", "delivering", "signed", "exception")
STAGE_LABELS: dict[Stage, str] = {
    "collected": "揽收",
    "in_transit": "运输中",
    "delivering": "派送中",
    "signed": "签收",
    "exception": "异常",
}

# Kuaidi100's top-level states (``lastResult.state``) and their names (``data[].status``).
_TOP: dict[str, Stage] = {
    "0": "in_transit",  # 在途
    "1": "collected",  # 揽收
    "2": "exception",  # 疑难
    "3": "signed",  # 签收
    "4": "exception",  # 退签
    "5": "delivering",  # 派件
    "6": "exception",  # 退回
    "7": "in_transit",  # 转投: on its way to another address
    "8": "in_transit",  # 清关
    "14": "exception",  # 拒签
}
_NAMES: dict[str, Stage] = {
    "在途": "in_transit",
    "揽收": "collected",
    "疑难": "exception",
    "签收": "signed",
    "退签": "exception",
    "派件": "delivering",
    "退回": "exception",
    "转投": "in_transit",
    "清关": "in_transit",
    "拒签": "exception",
}


def stage_of(state: str) -> Stage:
    """The normalised stage of a Kuaidi100 state: a top-level code (``0``..``8``, ``14``), a
    sub-state (``10``..``13`` 揽收, ``1001``..``1003`` 在途, ``201``.. 疑难, ``301``.. 签收,
    ``401`` 退签, ``501`` 派件, ``80``.. 清关), or a state's name (``在途``, ``签收``, …).
    Anything unknown is an exception a person should look at, never a silent 运输中."""
    text = state.strip()
    if text in _NAMES:
        return _NAMES[text]
    if text in _TOP:
        return _TOP[text]
    if not text.isdigit():
        return "exception"
    if len(text) == 4 and text.startswith("10"):
        return "in_transit"
    if len(text) == 2 and text[0] == "1":
        return "collected"
    if len(text) == 2 and text[0] == "8":
        return "in_transit"
    if len(text) == 3 and text[0] in _TOP:
        return _TOP[text[0]]
    return "exception"


# Carrier names merchants type, and Kuaidi100's company codes.
CARRIER_CODES: dict[str, str] = {
    "顺丰": "shunfeng",
    "顺丰速运": "shunfeng",
    "SF": "shunfeng",
    "圆通": "yuantong",
    "圆通速递": "yuantong",
    "中通": "zhongtong",
    "中通快递": "zhongtong",
    "韵达": "yunda",
    "韵达快递": "yunda",
    "申通": "shentong",
    "申通快递": "shentong",
    "极兔": "jtexpress",
    "极兔速递": "jtexpress",
    "EMS": "ems",
    "邮政": "youzhengguonei",
    "中国邮政": "youzhengguonei",
    "京东": "jd",
    "京东快递": "jd",
}
CARRIER_NAMES: dict[str, str] = {
    "shunfeng": "顺丰速运",
    "yuantong": "圆通速递",
    "zhongtong": "中通快递",
    "yunda": "韵达快递",
    "shentong": "申通快递",
    "jtexpress": "极兔速递",
    "ems": "EMS",
    "youzhengguonei": "中国邮政",
    "jd": "京东快递",
}
# WeChat's delivery_id for 发货信息录入 (express_company), by Kuaidi100 code.
WECHAT_DELIVERY_IDS: dict[str, str] = {
    "shunfeng": "SF",
    "yuantong": "YTO",
    "zhongtong": "ZTO",
    "yunda": "YUNDA",
    "shentong": "STO",
    "jtexpress": "JTSD",
    "ems": "EMS",
    "youzhengguonei": "YZPY",
    "jd": "JD",
}


def carrier_code(carrier: str) -> str | None:
    """Kuaidi100's company code for what a merchant typed (``顺丰``, ``SF``, ``shunfeng``), or
    None when Shoplet does not know the carrier."""
    text = carrier.strip()
    if text.lower() in CARRIER_NAMES:
        return text.lower()
    return CARRIER_CODES.get(text) or CARRIER_CODES.get(text.upper())


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One line of a carrier's track: when (aware UTC), what it said, where."""

    occurred_at: datetime
    context: str
    state: str
    stage: Stage
    area_code: str | None = None
    area_name: str | None = None


@dataclass(frozen=True, slots=True)
class TrackingPush:
    """A verified push: the number, the carrier, its overall state, its whole track."""

    carrier: str
    tracking_no: str
    state: str
    stage: Stage
    is_checked: bool
    events: tuple[TrackingEvent, ...]
    monitor_status: str = "polling"


@dataclass(frozen=True, slots=True)
class Waybill:
    """An e-waybill the carrier issued: the tracking number and the printable label."""

    carrier: str
    tracking_no: str
    task_id: str
    label: bytes
    label_type: str


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    mobile: str
    address: str


class CarrierError(Exception):
    """The provider's refusal or an outage: ``code`` is the provider's (``501``, ``600``, …);
    ``retryable`` tells a retry may succeed (outages, rate limits), or not (a bad key)."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class PushRejected(Exception):
    """A push that is not verifiably the provider's (signature) or cannot be read."""


class Carrier(Protocol):
    async def subscribe(
        self, *, carrier: str, tracking_no: str, callback_url: str, phone: str | None
    ) -> None:
        """Ask the provider to push this number's track; already subscribed is success."""

    def parse_push(self, form: dict[str, str]) -> TrackingPush:
        """Verify and read a push (raises :class:`PushRejected`)."""

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
        """Issue an e-waybill (a tracking number and its label); ``partner_id``/``partner_key``:
        the shop's account with that carrier (客户编码/月结账号 and its password), if any."""
