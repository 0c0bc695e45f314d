"""E-invoices end to end against the Nuonuo simulator: titles with checked tax ids, a request
after payment (one active per order), the signed asynchronous issue, the PDF, bad callbacks
(rejected, nothing changed), retries from the console, and red-letter invoices on refunds."""

from __future__ import annotations

import io
import time

import httpx
import orjson
import pypdf
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.integrations.invoicing.nuonuo import callback_sign
from shoplet.modules.invoicing.events import INVOICE_ISSUED
from tests.conftest import snapshot
from tests.modules.invoicing.factories import (
    API,
    CALLBACK,
    COMPANY_TAX_ID,
    CONSOLE,
    ISSUE_JOB,
    company_title,
    invoices_of,
    nuonuo,
    order_for,
    refund,
    request,
)
from tests.modules.orders.console_factories import make_sku, place_order, shopper_headers
from tests.modules.staff.conftest import bearer, token_for


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_titles_check_the_tax_id_and_change_nothing_when_it_is_wrong(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = shopper_headers(ctx)
    title = await company_title(client, ctx, tax_id="9111 0108 5513 8508 2q")
    assert (title["kind"], title["tax_id"]) == ("company", COMPANY_TAX_ID)

    before = await snapshot(ctx)
    for body in (
        {"kind": "company", "name": "错误公司", "tax_id": "91110108551385082A"},  # check char
        {"kind": "company", "name": "错误公司", "tax_id": "91110108551385O82Q"},  # letter O
        {"kind": "company", "name": "错误公司", "tax_id": "9111010855138508"},  # too short
        {"kind": "company", "name": "无税号公司"},
        {"kind": "personal", "name": "张三", "tax_id": COMPANY_TAX_ID},
    ):
        response = await client.post(f"{API}/invoice-titles", json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (
            400,
            "invoicing.tax_id_invalid",
        ), body
    assert await snapshot(ctx) == before

    personal = await client.post(
        f"{API}/invoice-titles", json={"kind": "personal", "name": "张三"}, headers=headers
    )
    assert personal.status_code == 201
    listed = await client.get(f"{API}/invoice-titles", headers=headers)
    assert [t["name"] for t in listed.json()] == ["北京示例科技有限公司", "张三"]
    # Another shopper neither sees nor edits them.
    other = shopper_headers(ctx, 2002)
    assert (await client.get(f"{API}/invoice-titles", headers=other)).json() == []
    gone = await client.delete(f"{API}/invoice-titles/{title['id']}", headers=other)
    assert (gone.status_code, gone.json()["code"]) == (404, "invoicing.title_not_found")


async def test_an_invoice_is_issued_signed_and_rendered_as_a_pdf(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)  # 2 × ¥113.00
    title = await company_title(client, ctx)

    response = await request(client, ctx, order_no, title["id"])
    assert response.status_code == 201, response.text
    invoice = response.json()
    assert (invoice["status"], invoice["amount"], invoice["net"], invoice["tax"]) == (
        "pending",
        22600,
        20000,
        2600,
    )
    assert invoice["lines"] == [
        {
            "name": "纯棉圆领T恤",
            "spec": "颜色:黑",
            "quantity": 2,
            "tax_code": ctx.settings.invoice_default_tax_code,
            "tax_rate_bp": 1300,
            "amount": 22600,
            "net": 20000,
            "tax": 2600,
        }
    ]
    again = await request(client, ctx, order_no, title["id"])
    assert (again.status_code, again.json()["code"]) == (409, "invoicing.already_requested")

    await run_job(ctx, ISSUE_JOB)
    [issue] = sim.issues.values()
    assert issue.orderno == invoice["invoice_no"]
    assert issue.order["buyerTaxNum"] == COMPANY_TAX_ID
    assert issue.order["invoiceType"] == "1"
    [detail] = issue.order["invoiceDetail"]  # type: ignore[misc]
    assert (detail["taxRate"], detail["taxIncludedAmount"], detail["tax"]) == (
        "0.13",
        "226.00",
        "26.00",
    )
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.provider_serial) == ("issuing", issue.serial)

    answer = await sim.complete(invoice["invoice_no"])
    assert answer.json() == {"status": "0000", "message": "成功"}
    listed = (
        await client.get(f"{API}/orders/{order_no}/invoices", headers=shopper_headers(ctx))
    ).json()
    assert [(i["status"], i["invoice_number"], i["has_pdf"]) for i in listed] == [
        ("issued", issue.number, True)
    ]
    pdf = await client.get(
        f"{API}/invoices/{invoice['invoice_no']}/pdf", headers=shopper_headers(ctx)
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in (
        "电子发票（普通发票）",
        f"发票号码：{issue.number}",
        "购买方名称：北京示例科技有限公司",
        f"统一社会信用代码/纳税人识别号：{COMPANY_TAX_ID}",
        f"销售方名称：{ctx.settings.invoice_seller_name}",
        "纯棉圆领T恤",
        "13%",
        "合计　金额 ¥200.00　税额 ¥26.00",
        "价税合计（大写）贰佰贰拾陆圆整　（小写）¥226.00",
        f"订单号 {order_no}",
    ):
        assert expected in text, expected
    # Another shopper gets no PDF; a repeated callback changes nothing.
    other = await client.get(
        f"{API}/invoices/{invoice['invoice_no']}/pdf", headers=shopper_headers(ctx, 2002)
    )
    assert (other.status_code, other.json()["code"]) == (404, "invoicing.invoice_not_found")
    before = await snapshot(ctx)
    assert (await sim.complete(invoice["invoice_no"])).json()["status"] == "0000"
    assert await snapshot(ctx) == before
    async with ctx.sessionmaker() as s:
        events = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == INVOICE_ISSUED))
        )
    assert [e.payload["invoice_no"] for e in events] == [invoice["invoice_no"]]


async def test_bad_callbacks_are_refused_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    invoice_no = (await request(client, ctx, order_no, title["id"])).json()["invoice_no"]
    await run_job(ctx, ISSUE_JOB)

    before = await snapshot(ctx)
    assert (await sim.complete(invoice_no, bad_sign=True)).json()["status"] == "9999"
    sim.issues[invoice_no].status = "pending"
    content = orjson.dumps({"c_orderno": invoice_no, "c_status": "2", "c_fphm": "1"}).decode()
    now = str(int(time.time()))
    form = {"operater": "callback", "orderno": invoice_no, "nonce": "1", "timestamp": now}
    secret = ctx.settings.nuonuo_app_secret.get_secret_value()
    key = ctx.settings.nuonuo_app_key.get_secret_value()

    def signed(ts: str, orderno: str = invoice_no) -> str:
        return callback_sign(
            secret, app_key=key, orderno=orderno, nonce="1", timestamp=ts, content=content
        )

    cases = [
        ({**form, "content": content}, None),  # no signature
        ({**form, "content": content}, "bm90IGEgc2lnbmF0dXJl"),  # wrong signature
        ({**form, "content": content + " "}, signed(now)),  # tampered content
        ({**form, "content": content, "timestamp": "1700000000"}, signed("1700000000")),  # stale
        (  # signed, but not one of ours
            {
                **form,
                "content": content.replace(invoice_no, "FP000000000000000000"),
                "orderno": "FP000000000000000000",
            },
            None,
        ),
    ]
    for body, sign in cases:
        headers = {"X-Nuonuo-Sign": sign} if sign else {}
        answer = await client.post(CALLBACK, data=body, headers=headers)
        assert answer.json()["status"] == "9999", body
    assert await snapshot(ctx) == before
    [row] = await invoices_of(ctx, order_no)
    assert row.status == "issuing"


async def test_only_paid_orders_of_the_shopper_get_invoices(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    title = await company_title(client, ctx)
    sku = await make_sku(ctx, title="帆布袋", price=3900)
    unpaid = await place_order(ctx, sku)
    paid = await order_for(app, ctx)
    before = await snapshot(ctx)
    answer = await request(client, ctx, unpaid, title["id"])
    assert (answer.status_code, answer.json()["code"]) == (409, "invoicing.order_not_invoiceable")
    theirs = await request(client, ctx, paid, title["id"], member_id=2002)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "orders.not_found")
    wrong_title = await request(client, ctx, paid, 999_999)
    assert (wrong_title.status_code, wrong_title.json()["code"]) == (
        404,
        "invoicing.title_not_found",
    )
    assert await snapshot(ctx) == before


async def test_a_refused_issue_is_retried_from_the_console(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    invoice_no = (await request(client, ctx, order_no, title["id"])).json()["invoice_no"]
    await run_job(ctx, ISSUE_JOB)
    await sim.complete(invoice_no, ok=False, message="购方名称与税号不匹配")
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.error) == ("failed", "购方名称与税号不匹配")

    support = bearer(await token_for(client, ctx, "sue", role="support"))
    denied = await client.get(f"{CONSOLE}/invoices", headers=support)
    assert (denied.status_code, denied.json()["code"]) == (403, "console.permission_denied")
    staff = bearer(await token_for(client, ctx, "olivia", role="operator"))
    failed = await client.get(f"{CONSOLE}/invoices?status=failed", headers=staff)
    assert [i["invoice_no"] for i in failed.json()["items"]] == [invoice_no]
    issued = await client.get(f"{CONSOLE}/invoices?status=issued", headers=staff)
    assert issued.json()["items"] == []

    retried = await client.post(f"{CONSOLE}/invoices/{invoice_no}/retry", headers=staff)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    again = await client.post(f"{CONSOLE}/invoices/{invoice_no}/retry", headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "invoicing.retry_not_allowed")
    del sim.issues[invoice_no]  # Nuonuo forgets a failed orderNo; the retry submits anew
    await run_job(ctx, ISSUE_JOB)
    await sim.complete(invoice_no)
    pdf = await client.get(f"{CONSOLE}/invoices/{invoice_no}/pdf", headers=staff)
    assert pdf.status_code == 200
    assert "纯棉圆领T恤" in pdf_text(pdf.content)


async def test_an_outage_is_retried_with_backoff(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    sim.fail_next = 1
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    await request(client, ctx, order_no, title["id"])
    [row] = await invoices_of(ctx, order_no)
    start = row.created_at
    ctx.extras["invoicing.clock"] = lambda: start
    await run_job(ctx, ISSUE_JOB)
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.attempts, row.error) == ("pending", 1, "E9999: 系统繁忙，请稍后再试")
    before = await snapshot(ctx)
    await run_job(ctx, ISSUE_JOB)  # not due yet
    assert await snapshot(ctx) == before
    from datetime import timedelta

    ctx.extras["invoicing.clock"] = lambda: start + timedelta(minutes=1)
    await run_job(ctx, ISSUE_JOB)
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.attempts) == ("issuing", 2)


async def test_a_partial_refund_reverses_the_invoice_and_issues_one_for_the_rest(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    blue_no = (await request(client, ctx, order_no, title["id"])).json()["invoice_no"]
    await run_job(ctx, ISSUE_JOB)
    await sim.complete(blue_no)
    blue_number = sim.issues[blue_no].number

    await refund(app, client, ctx, order_no, 11300)

    blue, red, rest = await invoices_of(ctx, order_no)
    assert (red.kind, red.status, red.amount, red.net, red.tax) == (
        "red",
        "pending",
        -22600,
        -20000,
        -2600,
    )
    assert (rest.kind, rest.status, rest.amount, rest.net, rest.tax) == (
        "blue",
        "pending",
        11300,
        10000,
        1300,
    )
    assert (blue.status, blue.active_order_no, rest.active_order_no) == (
        "issued",
        None,
        order_no,
    )
    await run_job(ctx, ISSUE_JOB)
    red_issue = sim.issues[red.invoice_no]
    assert (red_issue.order["invoiceType"], red_issue.order["invoiceNum"]) == ("2", blue_number)
    await sim.complete(red.invoice_no)
    await sim.complete(rest.invoice_no)

    listed = (
        await client.get(f"{API}/orders/{order_no}/invoices", headers=shopper_headers(ctx))
    ).json()
    assert [(i["kind"], i["status"], i["amount"], i["reverses"]) for i in listed] == [
        ("blue", "reversed", 22600, None),
        ("red", "issued", -22600, blue_no),
        ("blue", "issued", 11300, None),
    ]
    red_pdf = await client.get(f"{API}/invoices/{red.invoice_no}/pdf", headers=shopper_headers(ctx))
    text = pdf_text(red_pdf.content)
    assert "红字" in text
    assert f"被红冲蓝字发票号码：{blue_number}" in text
    assert "（负数）贰佰贰拾陆圆整" in text
    # The refund event again (redelivery) changes nothing.
    from shoplet.core.db import unit_of_work
    from shoplet.modules.invoicing import service

    before = await snapshot(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:
        await service.on_refund(s, order_no)
    assert await snapshot(ctx) == before


async def test_a_full_refund_before_issue_cancels_the_request(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    await request(client, ctx, order_no, title["id"])
    await refund(app, client, ctx, order_no, 22600)
    [row] = await invoices_of(ctx, order_no)
    assert (row.status, row.active_order_no) == ("cancelled", None)
    answer = await request(client, ctx, order_no, title["id"])
    assert (answer.status_code, answer.json()["code"]) == (409, "invoicing.order_not_invoiceable")


async def test_a_products_tax_profile_sets_its_lines_code_and_rate(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    nuonuo(app)
    sku = await make_sku(ctx, title="有机大米", price=10900)
    staff = bearer(await token_for(client, ctx, "olivia", role="operator"))
    path = f"{CONSOLE}/invoices/tax-profiles/{sku.product_id}"
    default = (await client.get(path, headers=staff)).json()
    assert (default["tax_rate_bp"], default["is_default"]) == (1300, True)
    before = await snapshot(ctx)
    bad = await client.put(path, json={"tax_code": "10101", "tax_rate_bp": 900}, headers=staff)
    assert bad.status_code == 422
    assert await snapshot(ctx) == before
    saved = await client.put(
        path, json={"tax_code": "1010101020000000000", "tax_rate_bp": 900}, headers=staff
    )
    assert saved.json() == {
        "product_id": sku.product_id,
        "tax_code": "1010101020000000000",
        "tax_rate_bp": 900,
        "is_default": False,
    }
    from tests.modules.orders.console_factories import paid_order

    order_no = await paid_order(app, ctx, sku)
    title = await company_title(client, ctx)
    invoice = (await request(client, ctx, order_no, title["id"])).json()
    assert [(x["tax_code"], x["tax_rate_bp"], x["net"], x["tax"]) for x in invoice["lines"]] == [
        ("1010101020000000000", 900, 10000, 900)
    ]


async def test_a_refund_while_the_invoice_is_being_issued_waits_for_it(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    blue_no = (await request(client, ctx, order_no, title["id"])).json()["invoice_no"]
    await run_job(ctx, ISSUE_JOB)  # submitted, no callback yet
    await refund(app, client, ctx, order_no, 22600)
    blue, red = await invoices_of(ctx, order_no)
    assert (blue.status, red.kind, red.status) == ("issuing", "red", "pending")

    await sim.complete(blue_no, ok=False, message="开票失败")
    [due] = [r for r in await invoices_of(ctx, order_no) if r.kind == "red"]
    ctx.extras["invoicing.clock"] = lambda: due.next_at
    await run_job(ctx, ISSUE_JOB)
    blue, red = await invoices_of(ctx, order_no)
    assert (blue.status, red.status) == ("failed", "cancelled")
    assert red.invoice_no not in sim.issues
