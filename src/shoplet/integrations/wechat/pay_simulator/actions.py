"""The shopper's and WeChat's side: a payment succeeds, a refund completes, each with its notify."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from shoplet.integrations.wechat.pay_crypto import CHINA_TZ

from .notify import _Notifying
from .state import (
    _REFUND_SUMMARY,
    _TRADE_STATE_DESC,
    PREPAY_TTL,
    NotifyDelivery,
    SimError,
    SimTransaction,
    _digits,
    log,
)


class _Actions(_Notifying):
    """Payments and refund completions, each with its notify."""

    # -- shopper and WeChat-side actions --

    async def pay(
        self, prepay_id: str, *, notify_total: int | None = None, deliver: bool = True
    ) -> tuple[SimTransaction, NotifyDelivery | None]:
        """The shopper pays: SUCCESS, then a ``TRANSACTION.SUCCESS`` notify (optionally
        claiming ``notify_total`` instead of the real amount, to test amount checks)."""
        out_trade_no = self._by_prepay.get(prepay_id)
        if out_trade_no is None:
            raise SimError(404, "PREPAY_NOT_EXIST", "prepay_id 不存在")
        txn = self.transactions[out_trade_no]
        if txn.trade_state != "NOTPAY":
            code = "ORDER_CLOSED" if txn.trade_state == "CLOSED" else "ORDERPAID"
            raise SimError(400, code, _TRADE_STATE_DESC[txn.trade_state])
        now = self.now()
        if (txn.time_expire and txn.time_expire <= now) or txn.created_at + PREPAY_TTL <= now:
            raise SimError(400, "ORDER_EXPIRED", "订单已过支付截止时间")
        txn.trade_state = "SUCCESS"
        txn.transaction_id = "42000" + now.astimezone(CHINA_TZ).strftime("%Y%m%d") + _digits(15)
        txn.success_time = now
        if self.available_balance is not None:
            self.available_balance += txn.total
        if not deliver:
            return txn, None
        resource = txn.to_json()
        if notify_total is not None:
            resource["amount"].update(total=notify_total, payer_total=notify_total)
        notify = self.build_notify(
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            original_type="transaction",
            resource=resource,
        )
        return txn, await self.deliver(txn.notify_url, notify)

    async def complete_refund(
        self, out_refund_no: str, status: str = "SUCCESS", *, deliver: bool = True
    ) -> NotifyDelivery | None:
        """Finish a PROCESSING refund and send ``REFUND.<status>`` to its notify_url."""
        if status not in _REFUND_SUMMARY:
            raise SimError(400, "PARAM_ERROR", f"unknown refund status {status}")
        record = self.refunds.get(out_refund_no)
        if record is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        if record.status != "PROCESSING":
            raise SimError(400, "INVALID_REQUEST", f"退款单已是 {record.status}")
        record.status = status
        txn = self.transactions[record.out_trade_no]
        if status == "SUCCESS":
            record.success_time = self.now()
        else:
            # The money did not leave: it can be refunded again.
            txn.refunded -= record.refund
            if self.available_balance is not None:
                self.available_balance += record.refund
        if not deliver or not record.notify_url:
            return None
        notify = self.build_notify(
            event_type=f"REFUND.{status}",
            summary=_REFUND_SUMMARY[status],
            original_type="refund",
            resource=self.refund_resource(out_refund_no),
        )
        return await self.deliver(record.notify_url, notify)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _complete_later(self, out_refund_no: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.complete_refund(out_refund_no)
        except SimError as exc:  # completed by hand in the meantime
            log.info("wechatpay_refund_autocomplete_skipped", code=exc.code)
