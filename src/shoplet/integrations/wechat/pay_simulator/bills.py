"""Trade bills: applying for a day's bill, downloading it, and rendering it as WeChat Pay does."""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shoplet.integrations.wechat.pay_crypto import CHINA_TZ

from .handlers import _ApiHandlers
from .state import (
    BILL_LINK_TTL_SECONDS,
    FEE_RATE,
    SimError,
    SimRefund,
    SimTransaction,
    _fen_text,
    _first,
)


class _Bills(_ApiHandlers):
    """Trade bills."""

    async def _trade_bill(self, request: Request, body: bytes) -> tuple[int, Any]:
        raw_date = request.query_params.get("bill_date", "")
        try:
            bill_date = date.fromisoformat(raw_date)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
                raise ValueError(raw_date)
        except ValueError as exc:
            raise SimError(
                400,
                "PARAM_ERROR",
                "参数错误: bill_date 格式为 yyyy-MM-DD",
                {"field": "bill_date", "value": raw_date, "issue": "格式错误", "location": "query"},
            ) from exc
        bill_type = request.query_params.get("bill_type", "ALL")
        if bill_type not in {"ALL", "SUCCESS", "REFUND"}:
            raise SimError(400, "PARAM_ERROR", "参数错误: bill_type", {"field": "bill_type"})
        tar_type = request.query_params.get("tar_type")
        if tar_type not in {None, "GZIP"}:
            raise SimError(400, "PARAM_ERROR", "参数错误: tar_type", {"field": "tar_type"})
        today = self.now().astimezone(CHINA_TZ).date()
        if bill_date > today or bill_date < today - timedelta(days=90):
            raise SimError(400, "INVALID_REQUEST", "只能下载三个月以内的账单")
        content = self.render_trade_bill(bill_date, bill_type)
        if content is None:
            raise SimError(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = secrets.token_urlsafe(24)
        stored = gzip.compress(content) if tar_type == "GZIP" else content
        self._bills[token] = (stored, self.clock() + BILL_LINK_TTL_SECONDS)
        root = request.scope.get("root_path", "")
        download_url = str(
            request.url.replace(path=f"{root}/v3/billdownload/file", query=f"token={token}")
        )
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
            "download_url": download_url,
        }

    async def _download_bill(self, request: Request) -> Response:
        body = await request.body()
        try:
            self._authenticate(request, body)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        stored = self._bills.get(request.query_params.get("token", ""))
        if stored is None or stored[1] < self.clock():
            return JSONResponse(
                {"code": "INVALID_REQUEST", "message": "下载链接无效或已过期"}, status_code=400
            )
        # Like WeChat, the file answer carries no signature: its SHA-1 is the integrity check.
        return Response(stored[0], media_type="application/octet-stream")

    def render_trade_bill(self, bill_date: date, bill_type: str = "ALL") -> bytes | None:
        """The trade bill text for a China-time date, or None when there was no trade."""
        lines: list[tuple[datetime, list[str]]] = []
        totals = {"settlement": 0, "refund": 0, "order": 0, "requested": 0}
        fee_total = Decimal("0")

        def day(moment: datetime) -> date:
            return moment.astimezone(CHINA_TZ).date()

        if bill_type in {"ALL", "SUCCESS"}:
            for txn in self.transactions.values():
                if txn.success_time is None or day(txn.success_time) != bill_date:
                    continue
                fee = (Decimal(txn.total) * FEE_RATE / 100).quantize(Decimal("0.00001"))
                fee_total += fee
                totals["settlement"] += txn.total
                totals["order"] += txn.total
                lines.append(
                    (
                        txn.success_time,
                        [
                            *self._bill_line(txn, txn.success_time, "SUCCESS", fee),
                            _fen_text(txn.total),
                            "0.00",
                            "",
                        ],
                    )
                )
        if bill_type in {"ALL", "REFUND"}:
            for record in self.refunds.values():
                if day(record.create_time) != bill_date:
                    continue
                txn = self.transactions[record.out_trade_no]
                fee = -(Decimal(record.refund) * FEE_RATE / 100).quantize(Decimal("0.00001"))
                fee_total += fee
                totals["refund"] += record.refund
                totals["requested"] += record.refund
                line = self._bill_line(txn, record.create_time, "REFUND", fee, refund=record)
                lines.append((record.create_time, [*line, "0.00", _fen_text(record.refund), ""]))
        if not lines:
            return None
        header = (
            "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
            "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
            "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
            "费率备注"
        )
        out = [header]
        out.extend(",".join(f"`{cell}" for cell in cells) for _, cells in sorted(lines, key=_first))
        out.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        summary = [
            str(len(lines)),
            _fen_text(totals["settlement"]),
            _fen_text(totals["refund"]),
            "0.00",
            str(fee_total.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)),
            _fen_text(totals["order"]),
            _fen_text(totals["requested"]),
        ]
        out.append(",".join(f"`{cell}" for cell in summary))
        return ("\r\n".join(out) + "\r\n").encode()

    def _bill_line(
        self,
        txn: SimTransaction,
        moment: datetime,
        state: str,
        fee: Decimal,
        *,
        refund: SimRefund | None = None,
    ) -> list[str]:
        return [
            moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            txn.appid,
            txn.mchid,
            "0",
            "",
            txn.transaction_id or "",
            txn.out_trade_no,
            txn.openid,
            txn.trade_type,
            state,
            "OTHERS",
            "CNY",
            _fen_text(txn.total if refund is None else 0),
            "0.00",
            refund.refund_id if refund else "0",
            refund.out_refund_no if refund else "0",
            _fen_text(refund.refund if refund else 0),
            "0.00",
            "ORIGINAL" if refund else "",
            refund.status if refund else "",
            # The bill is comma-separated without quoting: keep free text from splitting lines.
            txn.description.replace(",", "，"),
            (txn.attach or "").replace(",", "，"),
            str(fee),
            "0.60%",
        ]
