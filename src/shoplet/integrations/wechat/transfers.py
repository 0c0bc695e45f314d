"""Payouts to shoppers: WeChat Pay v3 merchant transfers (商家转账, ``/v3/fund-app/mch-transfer``).

:class:`Payouts` is what Shoplet needs (send a transfer, look one up); :class:`WeChatTransfers`
speaks the documented wire protocol through the Pay v3 client, so requests are signed with the
same ``WECHATPAY2-SHA256-RSA2048`` Authorization and answers verified with the WeChat Pay public
key:

- ``POST /v3/fund-app/mch-transfer/transfer-bills`` {appid, out_bill_no, transfer_scene_id,
  openid, transfer_amount, transfer_remark, user_recognized_name?, notify_url?,
  transfer_scene_report_infos} → {out_bill_no, transfer_bill_no, create_time, state,
  package_info};
- ``GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`` → the bill.

States: ``ACCEPTED``, ``PROCESSING``, ``WAIT_USER_CONFIRM`` (the shopper confirms in WeChat with
``package_info``), ``TRANSFERING``, then ``SUCCESS``, ``FAIL`` or ``CANCELLED``. Retrying with the
same ``out_bill_no`` is idempotent at WeChat. Errors are :class:`WeChatPayError` (``PARAM_ERROR``,
``NOT_ENOUGH``, ``INVALID_REQUEST``, ``NOT_FOUND``, …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, Protocol
from urllib.parse import quote

from shoplet.integrations.wechat.pay import WeChatPayClient, WeChatPayError
from shoplet.integrations.wechat.pay_crypto import encrypt_sensitive, parse_rfc3339

TRANSFER_PATH: Final = "/v3/fund-app/mch-transfer/transfer-bills"
# 佣金报酬: the transfer scene a merchant opens for paying commissions.
COMMISSION_SCENE_ID: Final = "1005"
TransferState = Literal[
    "ACCEPTED",
    "PROCESSING",
    "WAIT_USER_CONFIRM",
    "TRANSFERING",
    "SUCCESS",
    "FAIL",
    "CANCELLED",
]
FINAL_STATES: Final = frozenset({"SUCCESS", "FAIL", "CANCELLED"})
FAILED_STATES: Final = frozenset({"FAIL", "CANCELLED"})


@dataclass(frozen=True, slots=True)
class TransferBill:
    """A transfer as WeChat answers it (create or query)."""

    out_bill_no: str
    transfer_bill_no: str
    state: str
    create_time: datetime | None
    package_info: str | None
    fail_reason: str | None
    raw: dict[str, Any]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TransferBill:
        out_bill_no = data.get("out_bill_no")
        bill_no = data.get("transfer_bill_no")
        state = data.get("state")
        if not (isinstance(out_bill_no, str) and isinstance(bill_no, str)):
            raise ValueError("out_bill_no / transfer_bill_no missing")
        if not isinstance(state, str):
            raise ValueError("state missing")
        created = data.get("create_time")
        package = data.get("package_info")
        reason = data.get("fail_reason")
        return cls(
            out_bill_no=out_bill_no,
            transfer_bill_no=bill_no,
            state=state,
            create_time=parse_rfc3339(created) if isinstance(created, str) and created else None,
            package_info=package if isinstance(package, str) and package else None,
            fail_reason=reason if isinstance(reason, str) and reason else None,
            raw=data,
        )


class Payouts(Protocol):
    """Money out to a shopper's WeChat wallet."""

    async def transfer(
        self,
        *,
        out_bill_no: str,
        openid: str,
        amount: int,
        remark: str,
        user_name: str | None = None,
    ) -> TransferBill: ...

    async def query(self, out_bill_no: str) -> TransferBill: ...


class WeChatTransfers:
    """:class:`Payouts` over WeChat Pay v3 merchant transfers, with the Pay v3 client's keys,
    base URL (the simulator's outside production) and signature checks."""

    def __init__(self, pay: WeChatPayClient, *, scene_id: str = COMMISSION_SCENE_ID) -> None:
        self._pay = pay
        self._scene_id = scene_id

    async def transfer(
        self,
        *,
        out_bill_no: str,
        openid: str,
        amount: int,
        remark: str,
        user_name: str | None = None,
    ) -> TransferBill:
        body: dict[str, Any] = {
            "appid": self._pay.config.appid,
            "out_bill_no": out_bill_no,
            "transfer_scene_id": self._scene_id,
            "openid": openid,
            "transfer_amount": amount,
            "transfer_remark": remark[:32],
            "transfer_scene_report_infos": [
                {"info_type": "岗位类型", "info_content": "推广员"},
                {"info_type": "报酬说明", "info_content": "推广佣金"},
            ],
        }
        headers: dict[str, str] = {}
        if user_name:
            # Sensitive: encrypted with the WeChat Pay public key, named by Wechatpay-Serial.
            config = self._pay.config
            body["user_recognized_name"] = encrypt_sensitive(config.platform_public_key, user_name)
            headers["Wechatpay-Serial"] = config.platform_serial
        data = await self._pay._call(
            "POST", TRANSFER_PATH, json_body=body, extra_headers=headers or None
        )
        return self._parse(data)

    async def query(self, out_bill_no: str) -> TransferBill:
        data = await self._pay._call(
            "GET", f"{TRANSFER_PATH}/out-bill-no/{quote(out_bill_no, safe='')}"
        )
        return self._parse(data)

    @staticmethod
    def _parse(data: dict[str, Any] | None) -> TransferBill:
        try:
            if data is None:
                raise ValueError("empty answer")
            return TransferBill.from_json(data)
        except ValueError as exc:
            raise WeChatPayError("UNEXPECTED_RESPONSE", f"unexpected answer: {exc}", 200) from exc


__all__ = [
    "COMMISSION_SCENE_ID",
    "FAILED_STATES",
    "FINAL_STATES",
    "TRANSFER_PATH",
    "Payouts",
    "TransferBill",
    "TransferState",
    "WeChatTransfers",
]
