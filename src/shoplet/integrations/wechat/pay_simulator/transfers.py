"""Merchant transfers (商家转账) in the simulator: ``POST /v3/fund-app/mch-transfer/transfer-bills``
and the query by ``out_bill_no``, signed and verified like every Pay v3 call.

A new transfer answers ``WAIT_USER_CONFIRM`` with a ``package_info`` (the shopper confirms the
receipt in WeChat); the control route ``POST /transfers/{out_bill_no}/complete`` {state:
SUCCESS|FAIL|CANCELLED} plays the outcome. Checks as WeChat's: ``appid`` of the merchant, an
``out_bill_no`` of 5..32 letters and digits, at least 0.10 yuan, a ``user_recognized_name`` from
2,000 yuan on, a remark of at most 32 characters (``PARAM_ERROR``); a repeated ``out_bill_no``
answers the first bill when its fields agree, ``INVALID_REQUEST`` otherwise; not enough balance
(``PUT /balance``) is 403 ``NOT_ENOUGH``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shoplet.integrations.wechat.pay_crypto import CHINA_TZ, decrypt_sensitive, format_rfc3339

from .cashier import _Cashier
from .state import SimError, _digits, _optional_text, _param_error, _text

_OUT_BILL_NO = re.compile(r"^[0-9A-Za-z]{5,32}$")
MIN_TRANSFER = 10
NAME_REQUIRED_FROM = 200_000
TRANSFER_STATES = ("SUCCESS", "FAIL", "CANCELLED")


@dataclass
class SimTransfer:
    mch_id: str
    appid: str
    out_bill_no: str
    transfer_bill_no: str
    transfer_scene_id: str
    openid: str
    transfer_amount: int
    transfer_remark: str
    user_recognized_name: str | None
    create_time: datetime
    update_time: datetime
    state: str = "WAIT_USER_CONFIRM"
    fail_reason: str | None = None

    def created_json(self) -> dict[str, Any]:
        return {
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "create_time": format_rfc3339(self.create_time),
            "state": self.state,
            "package_info": f"ABBQO+oYAAABAAAAAAB{self.transfer_bill_no}",
        }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mch_id": self.mch_id,
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "appid": self.appid,
            "state": self.state,
            "transfer_amount": self.transfer_amount,
            "transfer_remark": self.transfer_remark,
            "openid": self.openid,
            "create_time": format_rfc3339(self.create_time),
            "update_time": format_rfc3339(self.update_time),
        }
        if self.fail_reason:
            data["fail_reason"] = self.fail_reason
        return data


class _Transfers(_Cashier):
    """Merchant transfers on top of payments, refunds and bills."""

    _transfers: dict[str, SimTransfer] | None = None

    @property
    def transfers(self) -> dict[str, SimTransfer]:
        """Transfers by ``out_bill_no`` (made on first use: the base's state stays as it was)."""
        if self._transfers is None:
            self._transfers = {}
        return self._transfers

    def _payee_name(self, request: Request, encrypted: str | None) -> str | None:
        """The payee's name, sent encrypted with the WeChat Pay public key that the request's
        ``Wechatpay-Serial`` names: a name in clear, another key or no serial is refused."""
        if encrypted is None:
            return None
        if request.headers.get("wechatpay-serial") != self.keys.platform_serial:
            raise SimError(400, "PARAM_ERROR", "Wechatpay-Serial 与微信支付公钥ID不一致")
        try:
            return decrypt_sensitive(self.keys.platform_private_key, encrypted)
        except ValueError:
            raise _param_error("/user_recognized_name", "敏感信息解密失败") from None

    async def _create_transfer(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        appid = _text(data, "appid", max_length=32)
        if appid != self.appid:
            raise SimError(400, "INVALID_REQUEST", "appid 与商户号的绑定关系不存在")
        out_bill_no = _text(data, "out_bill_no", max_length=32, pattern=_OUT_BILL_NO)
        scene = _text(data, "transfer_scene_id", max_length=36)
        openid = _text(data, "openid", max_length=64)
        remark = _text(data, "transfer_remark", max_length=32)
        name = self._payee_name(
            request, _optional_text(data, "user_recognized_name", max_length=1024)
        )
        amount = data.get("transfer_amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < MIN_TRANSFER:
            raise _param_error("/transfer_amount", "转账金额不能低于0.1元(单位:分)", amount)
        if amount >= NAME_REQUIRED_FROM and name is None:
            raise _param_error(
                "/user_recognized_name", "转账金额大于等于2000元时必须填写收款用户姓名"
            )
        existing = self.transfers.get(out_bill_no)
        if existing is not None:
            if (existing.openid, existing.transfer_amount) != (openid, amount):
                raise SimError(400, "INVALID_REQUEST", "商户单号重复，且参数与首次请求不一致")
            return 200, existing.created_json()
        if self.available_balance is not None and amount > self.available_balance:
            raise SimError(403, "NOT_ENOUGH", "商户运营账户资金不足")
        if self.available_balance is not None:
            self.available_balance -= amount
        now = self.now()
        record = SimTransfer(
            mch_id=self.mchid,
            appid=appid,
            out_bill_no=out_bill_no,
            transfer_bill_no="1330" + now.astimezone(CHINA_TZ).strftime("%Y%m%d") + _digits(18),
            transfer_scene_id=scene,
            openid=openid,
            transfer_amount=amount,
            transfer_remark=remark,
            user_recognized_name=name,
            create_time=now,
            update_time=now,
        )
        self.transfers[out_bill_no] = record
        return 200, record.created_json()

    async def _query_transfer(self, request: Request, body: bytes) -> tuple[int, Any]:
        record = self.transfers.get(request.path_params["out_bill_no"])
        if record is None:
            raise SimError(404, "NOT_FOUND", "商户单号不存在")
        return 200, record.to_json()

    def complete_transfer(self, out_bill_no: str, state: str = "SUCCESS") -> SimTransfer:
        """The shopper confirms (SUCCESS), or the transfer fails / is cancelled; money that does
        not go out comes back to the balance."""
        record = self.transfers.get(out_bill_no)
        if record is None:
            raise SimError(404, "NOT_FOUND", "商户单号不存在")
        if state not in TRANSFER_STATES:
            raise SimError(400, "PARAM_ERROR", f"state must be one of {', '.join(TRANSFER_STATES)}")
        if record.state in TRANSFER_STATES:
            raise SimError(400, "INVALID_REQUEST", f"转账单已是终态 {record.state}")
        record.state = state
        record.update_time = self.now()
        if state != "SUCCESS":
            record.fail_reason = "PAYEE_ACCOUNT_ABNORMAL" if state == "FAIL" else None
            if self.available_balance is not None:
                self.available_balance += record.transfer_amount
        return record

    async def _control_complete_transfer(self, request: Request) -> Response:
        try:
            raw = await request.body() or b"{}"
            data = orjson.loads(raw)
            state = data.get("state", "SUCCESS") if isinstance(data, dict) else None
            if not isinstance(state, str):
                raise SimError(400, "PARAM_ERROR", "state must be a string")
            record = self.complete_transfer(request.path_params["out_bill_no"], state)
        except orjson.JSONDecodeError:
            return JSONResponse({"code": "PARAM_ERROR", "message": "body is not JSON"}, 400)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse({"transfer": record.to_json()})
