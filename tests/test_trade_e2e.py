"""The whole trade loop over HTTP, on both databases: WeChat login, cart, preview, order, WeChat Pay
(simulator), shipping in the console, receipt, a return and a refund, with stock and its ledger
checked after every step."""

from __future__ import annotations

from typing import Any

import httpx

from shoplet.core.context import AppContext
from shoplet.modules.payments import public as payments
from tests.modules.members.conftest import ADDRESS, bearer, wechat_login
from tests.modules.orders.factories import assert_ledger_balanced, level, product
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

API = "/api/v1"


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def stock_is(ctx: AppContext, expected: dict[int, tuple[int, int]]) -> None:
    """(on_hand, reserved) per SKU, and every ledger sums to its stock row."""
    assert {sku_id: await level(ctx, sku_id) for sku_id in expected} == expected
    await assert_ledger_balanced(ctx)


async def test_a_shopper_buys_pays_receives_returns_and_is_refunded(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [tee, cap] = await product(ctx, (5900, 20), (3900, 20))
    await stock_is(ctx, {tee: (20, 0), cap: (20, 0)})

    # Sign in with WeChat, add an address, fill the cart.
    tokens = await wechat_login(client, "e2e-shopper")
    me = bearer(tokens)
    address = await ok(await client.post(f"{API}/me/addresses", json=ADDRESS, headers=me), 201)
    for sku_id, quantity in ((tee, 2), (cap, 1)):
        await ok(
            await client.post(
                f"{API}/cart/lines", json={"sku_id": sku_id, "quantity": quantity}, headers=me
            )
        )

    preview = await ok(
        await client.post(f"{API}/checkout/preview", json={"address_id": address["id"]}, headers=me)
    )
    assert (preview["payable_total"], preview["can_place_order"]) == (15700, True)
    await stock_is(ctx, {tee: (20, 0), cap: (20, 0)})

    # Place the order: the stock is held.
    order = await ok(
        await client.post(
            f"{API}/orders",
            json={"address_id": address["id"]},
            headers={**me, "Idempotency-Key": "e2e-order-0001"},
        ),
        201,
    )
    order_no = order["order_no"]
    assert (order["status"], order["payable_total"]) == ("pending_payment", 15700)
    cart = await ok(await client.get(f"{API}/cart", headers=me))
    assert cart["lines"] == []
    await stock_is(ctx, {tee: (20, 2), cap: (20, 1)})

    # Pay in the mini program: prepay, WeChat takes the money, its notify reaches Shoplet.
    payment = await ok(
        await client.post(
            f"{API}/orders/{order_no}/pay", json={"channel": "wechat_jsapi"}, headers=me
        )
    )
    assert payment["amount"] == 15700
    assert set(payment["pay_params"]) == {
        "appId",
        "timeStamp",
        "nonceStr",
        "package",
        "signType",
        "paySign",
    }
    paid = await ok(
        await client.post("/_sim/wechatpay/pay", json={"prepay_id": payment["prepay_id"]})
    )
    assert paid["notify"]["status_code"] == 204
    await payments.settle(ctx)
    assert (await ok(await client.get(f"{API}/orders/{order_no}", headers=me)))["status"] == "paid"
    await stock_is(ctx, {tee: (18, 0), cap: (19, 0)})

    # The merchant ships from the console; the shopper confirms receipt.
    staff = staff_bearer(await token_for(client, ctx, "olivia"))
    shipped = await ok(
        await client.post(
            f"{API}/console/orders/{order_no}/ship",
            json={"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
            headers=staff,
        )
    )
    assert shipped["status"] == "shipped"
    received = await ok(await client.post(f"{API}/orders/{order_no}/confirm-receipt", headers=me))
    assert received["status"] == "received"
    await stock_is(ctx, {tee: (18, 0), cap: (19, 0)})

    # A T-shirt goes back: approved, sent back, received, back on the shelf, refunded.
    aftersale = await ok(
        await client.post(
            f"{API}/orders/{order_no}/aftersales",
            json={
                "kind": "return_refund",
                "reason": "尺码偏小",
                "amount": 5900,
                "items": [{"sku_id": tee, "quantity": 1}],
            },
            headers=me,
        ),
        201,
    )
    aftersale_no = aftersale["aftersale_no"]
    approved = await ok(
        await client.post(f"{API}/console/aftersales/{aftersale_no}/approve", headers=staff)
    )
    assert approved["status"] == "awaiting_return"
    await ok(
        await client.post(
            f"{API}/orders/{order_no}/aftersales/{aftersale_no}/return",
            json={"carrier": "中通快递", "tracking_no": "ZT1234567"},
            headers=me,
        )
    )
    back = await ok(
        await client.post(f"{API}/console/aftersales/{aftersale_no}/confirm-return", headers=staff)
    )
    assert back["status"] == "refunding"
    await stock_is(ctx, {tee: (19, 0), cap: (19, 0)})
    await payments.settle(ctx)  # the refund is submitted to WeChat (PROCESSING)
    refunded = await ok(
        await client.post(f"/_sim/wechatpay/refunds/{back['refund_no']}/complete", json={})
    )
    assert refunded["notify"]["status_code"] == 204
    await payments.settle(ctx)

    detail = await ok(await client.get(f"{API}/orders/{order_no}", headers=me))
    assert (detail["status"], detail["refunded_total"]) == ("received", 5900)
    assert detail["aftersales"][0]["status"] == "refunded"

    # The rest is refunded without a return: the order is fully refunded.
    rest = await ok(
        await client.post(
            f"{API}/orders/{order_no}/aftersales",
            json={"kind": "refund_only", "reason": "质量问题", "amount": 9800},
            headers=me,
        ),
        201,
    )
    approved = await ok(
        await client.post(f"{API}/console/aftersales/{rest['aftersale_no']}/approve", headers=staff)
    )
    assert approved["status"] == "refunding"
    await payments.settle(ctx)
    await ok(
        await client.post(f"/_sim/wechatpay/refunds/{approved['refund_no']}/complete", json={})
    )
    await payments.settle(ctx)

    detail = await ok(await client.get(f"{API}/orders/{order_no}", headers=me))
    assert (detail["status"], detail["refunded_total"]) == ("refunded", 15700)
    assert [t["to_status"] for t in detail["timeline"] if t["aftersale_no"] is None] == [
        "pending_payment",
        "paid",
        "shipped",
        "received",
        "refunded",
    ]
    async with ctx.sessionmaker() as s:
        amounts = await payments.amounts_for_order(s, order_no)
    assert (amounts.paid, amounts.refunded, amounts.refunding) == (15700, 15700, 0)
    # Shipped goods come back only through returns: the cap stays sold.
    await stock_is(ctx, {tee: (19, 0), cap: (19, 0)})
