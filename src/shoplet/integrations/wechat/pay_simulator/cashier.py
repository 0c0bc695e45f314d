"""The cashier page an H5 payment's ``h5_url`` points at: one button that calls ``POST /pay``."""

from __future__ import annotations

import html

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .bills import _Bills
from .state import _fen_text

_CASHIER_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付（模拟）</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}}
button{{width:100%;padding:.9rem;font-size:1.1rem;background:#07c160;color:#fff;border:0;
border-radius:.4rem}}button:focus{{outline:3px solid #0a5}}</style></head>
<body><main><h1>微信支付（模拟收银台）</h1>
<p>{description}</p><p>金额 <strong>¥{amount}</strong></p>
<button id="pay" type="button">确认支付</button>
<p id="status" role="status" aria-live="polite"></p></main>
<script>
const prepayId = {prepay_id}, redirect = {redirect}, paid = {paid};
const status = document.getElementById("status"), button = document.getElementById("pay");
function done() {{
  status.textContent = "支付成功"; button.disabled = true;
  if (redirect) location.href = redirect;
}}
if (paid) done();
button.addEventListener("click", async () => {{
  button.disabled = true;
  const r = await fetch("pay", {{method: "POST", headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{prepay_id: prepayId}})}});
  const data = await r.json();
  if (r.ok) return done();
  status.textContent = data.message || "支付失败";
  button.disabled = false;
}});
</script></body></html>
"""


class _Cashier(_Bills):
    """The H5 cashier page."""

    async def _cashier_page(self, request: Request) -> Response:
        """The H5 cashier a shopper's browser opens from ``h5_url``: pays through ``POST pay``,
        then goes to ``redirect_url`` (which the shop appends, as with WeChat) when given."""
        prepay_id = request.query_params.get("prepay_id", "")
        out_trade_no = self._by_prepay.get(prepay_id)
        if out_trade_no is None:
            return HTMLResponse(
                "<!doctype html><html lang='zh-CN'><title>微信支付</title>"
                "<p role='alert'>支付会话不存在或已过期</p></html>",
                status_code=404,
            )
        txn = self.transactions[out_trade_no]
        redirect = request.query_params.get("redirect_url", "")
        if not redirect.startswith(("https://", "http://", "/")):
            redirect = ""
        page = _CASHIER_PAGE.format(
            description=html.escape(txn.description),
            amount=_fen_text(txn.total),
            prepay_id=orjson.dumps(prepay_id).decode(),
            redirect=orjson.dumps(redirect).decode().replace("<", "\\u003c"),
            paid="true" if txn.trade_state != "NOTPAY" else "false",
        )
        return HTMLResponse(page)
