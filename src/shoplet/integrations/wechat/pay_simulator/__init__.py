"""An in-repo stand-in for WeChat Pay API v3 (``api.mch.weixin.qq.com``) speaking its wire format.

It holds its own "WeChat Pay" RSA key pair and the merchant's key pair (generated once and kept in
a directory: ``data_dir/wechatpay-sim`` in embedded mode), verifies every request's
``Authorization`` signature (401 ``SIGN_ERROR``), validates fields (400 ``PARAM_ERROR`` with
WeChat's ``{"code","message","detail"}``), keeps transactions and refunds in memory, signs every
answer, serves trade bills, and delivers signed, AES-256-GCM encrypted notifies over HTTP.

API routes (as WeChat): ``POST /v3/pay/transactions/jsapi``, ``POST /v3/pay/transactions/h5``,
``GET /v3/pay/transactions/out-trade-no/{no}``, ``POST …/{no}/close``,
``POST /v3/refund/domestic/refunds``, ``GET /v3/refund/domestic/refunds/{no}``,
``GET /v3/bill/tradebill``, ``GET /v3/billdownload/file``, merchant transfers
``POST /v3/fund-app/mch-transfer/transfer-bills`` and ``GET …/out-bill-no/{no}`` (``transfers.py``).

Control routes (the simulator's own, unsigned; mounted on Shoplet only in embedded/test mode):
``POST /pay`` (the shopper pays: SUCCESS + ``TRANSACTION.SUCCESS`` notify),
``POST /refunds/{out_refund_no}/complete`` (``REFUND.SUCCESS|ABNORMAL|CLOSED`` notify),
``POST /transfers/{out_bill_no}/complete`` (SUCCESS|FAIL|CANCELLED),
``POST /notifies/{id}/redeliver``, ``GET /notifies``, ``PUT /balance``, and ``GET /h5?prepay_id=…``
(the cashier page an H5 payment's ``h5_url`` points at: one button that calls ``POST /pay``).
Tests forge notifies through :meth:`WeChatPaySimulator.build_notify`.
"""

from __future__ import annotations

from .app import WeChatPaySimulator
from .keys import SimulatorKeys, lazy_keys
from .state import NotifyDelivery, SimError, SimNotify, SimRefund, SimTransaction

__all__ = [
    "NotifyDelivery",
    "SimError",
    "SimNotify",
    "SimRefund",
    "SimTransaction",
    "SimulatorKeys",
    "WeChatPaySimulator",
    "lazy_keys",
]
