"""The simulator's Starlette app: WeChat Pay's routes and the simulator's own control routes."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .state import SimError
from .transfers import _Transfers


class WeChatPaySimulator(_Transfers):
    """The WeChat Pay API v3 simulator, with its Starlette app in ``app``."""

    def _routes(self) -> list[Route]:
        return [
            Route("/v3/pay/transactions/jsapi", self._api(self._prepay), methods=["POST"]),
            Route("/v3/pay/transactions/h5", self._api(self._prepay_h5), methods=["POST"]),
            Route("/h5", self._cashier_page, methods=["GET"]),
            Route(
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                self._api(self._query),
                methods=["GET"],
            ),
            Route(
                "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
                self._api(self._close),
                methods=["POST"],
            ),
            Route("/v3/refund/domestic/refunds", self._api(self._refund), methods=["POST"]),
            Route(
                "/v3/refund/domestic/refunds/{out_refund_no}",
                self._api(self._query_refund),
                methods=["GET"],
            ),
            Route("/v3/bill/tradebill", self._api(self._trade_bill), methods=["GET"]),
            Route("/v3/billdownload/file", self._download_bill, methods=["GET"]),
            Route(
                "/v3/fund-app/mch-transfer/transfer-bills",
                self._api(self._create_transfer),
                methods=["POST"],
            ),
            Route(
                "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}",
                self._api(self._query_transfer),
                methods=["GET"],
            ),
            Route(
                "/transfers/{out_bill_no}/complete",
                self._control_complete_transfer,
                methods=["POST"],
            ),
            Route("/pay", self._control_pay, methods=["POST"]),
            Route(
                "/refunds/{out_refund_no}/complete",
                self._control_complete_refund,
                methods=["POST"],
            ),
            Route("/notifies/{notify_id}/redeliver", self._control_redeliver, methods=["POST"]),
            Route("/notifies", self._control_notifies, methods=["GET"]),
            Route("/balance", self._control_balance, methods=["PUT"]),
        ]

    # -- control routes (JSON, unsigned: the simulator's own, not WeChat's) --

    @staticmethod
    async def _control_body(request: Request) -> dict[str, Any]:
        try:
            data = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError as exc:
            raise SimError(400, "PARAM_ERROR", "body is not JSON") from exc
        if not isinstance(data, dict):
            raise SimError(400, "PARAM_ERROR", "body must be a JSON object")
        return data

    async def _control_pay(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            prepay_id = data.get("prepay_id")
            notify_total = data.get("notify_total")
            if not isinstance(prepay_id, str):
                raise SimError(400, "PARAM_ERROR", "prepay_id is required")
            if notify_total is not None and (
                not isinstance(notify_total, int) or isinstance(notify_total, bool)
            ):
                raise SimError(400, "PARAM_ERROR", "notify_total must be an integer")
            txn, delivery = await self.pay(prepay_id, notify_total=notify_total)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse(
            {"transaction": txn.to_json(), "notify": delivery.to_json() if delivery else None}
        )

    async def _control_complete_refund(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            status = data.get("status", "SUCCESS")
            if not isinstance(status, str):
                raise SimError(400, "PARAM_ERROR", "status must be a string")
            out_refund_no = request.path_params["out_refund_no"]
            delivery = await self.complete_refund(out_refund_no, status)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse(
            {
                "refund": self.refunds[out_refund_no].to_json(),
                "notify": delivery.to_json() if delivery else None,
            }
        )

    async def _control_redeliver(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
            delivery = await self.redeliver(
                request.path_params["notify_id"], resign=data.get("resign", True) is not False
            )
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        return JSONResponse({"notify": delivery.to_json()})

    async def _control_notifies(self, request: Request) -> Response:
        return JSONResponse({"items": [d.to_json() for d in self.deliveries]})

    async def _control_balance(self, request: Request) -> Response:
        try:
            data = await self._control_body(request)
        except SimError as exc:
            return JSONResponse(exc.payload(), status_code=exc.status)
        available = data.get("available")
        if available is not None and (
            not isinstance(available, int) or isinstance(available, bool)
        ):
            return JSONResponse(
                {"code": "PARAM_ERROR", "message": "available must be an integer or null"},
                status_code=400,
            )
        self.available_balance = available
        return JSONResponse({"available": available})
