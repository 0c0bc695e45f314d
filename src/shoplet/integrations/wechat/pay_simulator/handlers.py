"""The WeChat Pay API v3 handlers: prepay (JSAPI and H5), query, close, refund, refund query."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request

from shoplet.integrations.wechat.pay_crypto import CHINA_TZ

from .actions import _Actions
from .state import (
    _OUT_REFUND_NO,
    _OUT_TRADE_NO,
    SimError,
    SimRefund,
    SimTransaction,
    _digits,
    _fen,
    _notify_url,
    _object,
    _optional_text,
    _param_error,
    _text,
)


class _ApiHandlers(_Actions):
    """WeChat Pay API v3 handlers."""

    # -- API handlers --

    async def _prepay(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        openid = _text(_object(data, "payer"), "openid", max_length=128, parent="/payer")
        txn = self._create_transaction(data, trade_type="JSAPI", openid=openid)
        return 200, {"prepay_id": txn.prepay_id}

    async def _prepay_h5(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        scene = _object(data, "scene_info")
        client_ip = _text(scene, "payer_client_ip", max_length=45, parent="/scene_info")
        h5_info = scene.get("h5_info")
        if not isinstance(h5_info, dict):
            raise _param_error("/scene_info/h5_info", "缺少必填参数或类型错误")
        h5_type = _text(h5_info, "type", max_length=32, parent="/scene_info/h5_info")
        if h5_type not in {"Wap", "iOS", "Android"}:
            raise _param_error("/scene_info/h5_info/type", "取值错误", h5_type)
        txn = self._create_transaction(data, trade_type="MWEB", openid="", client_ip=client_ip)
        if self.cashier_base_url is not None:
            base = self.cashier_base_url
        else:
            base = str(request.base_url).rstrip("/") + request.scope.get("root_path", "")
        return 200, {"h5_url": f"{base}/h5?prepay_id={txn.prepay_id}"}

    def _create_transaction(
        self, data: dict[str, Any], *, trade_type: str, openid: str, client_ip: str | None = None
    ) -> SimTransaction:
        """Validate a prepay request (JSAPI or H5) and create, or find again, its transaction."""
        appid = _text(data, "appid", max_length=32)
        mchid = _text(data, "mchid", max_length=32)
        description = _text(data, "description", max_length=127)
        out_trade_no = _text(data, "out_trade_no", pattern=_OUT_TRADE_NO)
        notify_url = _notify_url(data, required=True) or ""
        attach = _optional_text(data, "attach", max_length=128)
        total = _fen(data, "total")
        time_expire = self._time_expire(data)
        if mchid != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        if appid != self.appid:
            raise SimError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        existing = self.transactions.get(out_trade_no)
        if existing is not None:
            if existing.trade_state in {"SUCCESS", "REFUND"}:
                raise SimError(400, "ORDERPAID", "该订单已支付")
            if existing.trade_state == "CLOSED":
                raise SimError(400, "ORDER_CLOSED", "订单已关闭")
            same = (
                existing.total == total
                and existing.openid == openid
                and existing.description == description
                and existing.trade_type == trade_type
            )
            if not same:
                raise SimError(403, "OUT_TRADE_NO_USED", "商户订单号重复，且参数与首次请求不一致")
            # The same order asked again gets the same prepay session (WeChat behaves so).
            existing.notify_url = notify_url
            existing.time_expire = time_expire
            return existing
        now = self.now()
        prepay_id = "wx" + now.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10)
        txn = SimTransaction(
            prepay_id=prepay_id,
            appid=self.appid,
            mchid=self.mchid,
            description=description,
            out_trade_no=out_trade_no,
            notify_url=notify_url,
            total=total,
            currency="CNY",
            openid=openid,
            attach=attach,
            time_expire=time_expire,
            created_at=now,
            trade_type=trade_type,
            payer_client_ip=client_ip,
        )
        self.transactions[out_trade_no] = txn
        self._by_prepay[prepay_id] = out_trade_no
        return txn

    def _transaction(self, out_trade_no: str) -> SimTransaction:
        txn = self.transactions.get(out_trade_no)
        if txn is None:
            raise SimError(404, "ORDER_NOT_EXIST", "订单不存在")
        return txn

    async def _query(self, request: Request, body: bytes) -> tuple[int, Any]:
        mchid = request.query_params.get("mchid")
        if not mchid:
            raise SimError(
                400,
                "PARAM_ERROR",
                "参数错误: 缺少 mchid",
                {"field": "mchid", "issue": "缺少必填参数", "location": "query"},
            )
        if mchid != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        return 200, self._transaction(request.path_params["out_trade_no"]).to_json()

    async def _close(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        if not isinstance(data.get("mchid"), str):
            raise _param_error("/mchid", "缺少必填参数")
        if data["mchid"] != self.mchid:
            raise SimError(400, "MCH_NOT_EXISTS", "商户号不存在")
        txn = self._transaction(request.path_params["out_trade_no"])
        if txn.trade_state in {"SUCCESS", "REFUND"}:
            raise SimError(400, "ORDERPAID", "订单已支付，不能关闭")
        txn.trade_state = "CLOSED"
        return 204, None

    async def _refund(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json_body(body)
        out_refund_no = _text(data, "out_refund_no", pattern=_OUT_REFUND_NO)
        out_trade_no = _optional_text(data, "out_trade_no", max_length=32)
        transaction_id = _optional_text(data, "transaction_id", max_length=32)
        if out_trade_no is None and transaction_id is None:
            raise _param_error("/out_trade_no", "out_trade_no 与 transaction_id 必须二选一")
        reason = _optional_text(data, "reason", max_length=80)
        notify_url = _notify_url(data, required=False)
        refund = _fen(data, "refund")
        total = _fen(data, "total")
        if out_trade_no is not None:
            txn = self.transactions.get(out_trade_no)
        else:
            txn = next(
                (t for t in self.transactions.values() if t.transaction_id == transaction_id),
                None,
            )
        if txn is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if existing.out_trade_no != txn.out_trade_no or existing.refund != refund:
                raise SimError(400, "INVALID_REQUEST", "商户退款单号重复，且参数与首次请求不一致")
            return 200, existing.to_json()
        if txn.transaction_id is None or txn.trade_state not in {"SUCCESS", "REFUND"}:
            raise SimError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != txn.total:
            raise SimError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
        if txn.refunded + refund > txn.total:
            raise SimError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        if self.available_balance is not None and refund > self.available_balance:
            raise SimError(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
        if self.available_balance is not None:
            self.available_balance -= refund
        now = self.now()
        record = SimRefund(
            refund_id="50" + now.astimezone(CHINA_TZ).strftime("%Y%m%d") + _digits(19),
            out_refund_no=out_refund_no,
            out_trade_no=txn.out_trade_no,
            transaction_id=txn.transaction_id,
            reason=reason,
            notify_url=notify_url,
            refund=refund,
            total=total,
            currency="CNY",
            create_time=now,
        )
        self.refunds[out_refund_no] = record
        txn.refunded += refund
        txn.trade_state = "REFUND"
        if self.refund_delay_seconds is not None:
            self._spawn(self._complete_later(out_refund_no, self.refund_delay_seconds))
        return 200, record.to_json()

    async def _query_refund(self, request: Request, body: bytes) -> tuple[int, Any]:
        record = self.refunds.get(request.path_params["out_refund_no"])
        if record is None:
            raise SimError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return 200, record.to_json()
