"""Invoices as OFD (GB/T 33190): the package's entries and XML, unique ids under MaxUnitID,
every line's texts on the page, red-letter title and original number, the same texts as the
PDF (one layout, two renderers), and the download routes (owner only, console, bad format)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import httpx
import pypdf
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.core.money import yuan
from shoplet.modules.invoicing import ofd, pdf
from shoplet.modules.invoicing.layout import InvoiceContent, Party
from tests.conftest import snapshot
from tests.modules.invoicing.factories import (
    API,
    CONSOLE,
    ISSUE_JOB,
    company_title,
    invoices_of,
    nuonuo,
    order_for,
    refund,
    request,
)
from tests.modules.invoicing.ofd_reader import NS, OfdDocument, read
from tests.modules.orders.console_factories import shopper_headers
from tests.modules.staff.conftest import bearer, token_for

SELLER = Party("上海小铺科技有限公司", "91310000MA1FL8XX3K", "上海市徐汇区示例路 1 号")
BUYER = Party("北京示例科技有限公司", "91110108551385082Q")


def _lines(count: int, sign: int = 1) -> list[dict[str, object]]:
    return [
        {
            "name": f"商品{i}号",
            "spec": "颜色:黑",
            "quantity": i + 1,
            "tax_code": "1090000000000000000",
            "tax_rate_bp": 1300 if i % 2 else 600,
            "amount": sign * (11300 + i * 106),
            "net": sign * (10000 + i * 100),
            "tax": sign * (1300 + i * 6),
        }
        for i in range(count)
    ]


def content(count: int = 3, *, kind: str = "blue", reverses: str | None = None) -> InvoiceContent:
    sign = -1 if kind == "red" else 1
    lines = _lines(count, sign)
    net = sum(int(str(x["net"])) for x in lines)
    tax = sum(int(str(x["tax"])) for x in lines)
    return InvoiceContent(
        kind=kind,
        invoice_number="26312000000087654321",
        issued_at=datetime(2026, 3, 4, 17, 30, tzinfo=UTC),  # 3月5日 in Shanghai
        seller=SELLER,
        buyer=BUYER,
        lines=lines,
        amount=net + tax,
        net=net,
        tax=tax,
        order_no="202603050001",
        reverses_number=reverses,
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_package_holds_the_required_entries_in_the_ofd_namespace() -> None:
    data = ofd.render(content())
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    doc = read(data)
    assert doc.entries == [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
    ]
    for name, root in doc.roots.items():
        assert root.tag.startswith(f"{{{NS}}}"), name
        assert all(node.tag.startswith(f"{{{NS}}}") for node in root.iter()), name
    assert b'xmlns:ofd="http://www.ofdspec.org/2016"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "OFD.xml"
    )
    assert doc.doc_info["Creator"] == "Shoplet"
    assert doc.doc_info["CreationDate"] == "2026-03-05"
    assert len(doc.doc_info["DocID"]) == 32
    assert doc.doc_info["Title"] == "电子发票（普通发票） 26312000000087654321"
    assert doc.physical_box == (0, 0, 210, 148)
    assert doc.fonts == {1: {"ID": "1", "FontName": "宋体", "FamilyName": "SimSun"}}
    assert {t.font for page in doc.pages for t in page} == {1}
    # The same invoice always gives the same package.
    assert ofd.render(content()) == data


@pytest.mark.parametrize("count", [0, 3, 40])
def test_ids_are_unique_and_max_unit_id_covers_them(count: int) -> None:
    data = ofd.render(content(count))
    doc = read(data)
    assert len(doc.ids) == len(set(doc.ids))
    assert doc.max_unit_id >= max(doc.ids)
    # Pages break where the PDF's do.
    assert len(doc.pages) == len(
        pypdf.PdfReader(io.BytesIO(pdf.draw_content(content(count)))).pages
    )


def _inside(doc: OfdDocument) -> None:
    _, _, width, height = doc.physical_box
    for page in doc.pages:
        for t in page:
            x, y, w, h = t.boundary
            assert 0 <= x <= x + w <= width, t
            assert 0 <= y <= y + h <= height, t
            assert t.size > 0
    for x, y, w, h in doc.paths:
        assert 0 <= x <= x + w <= width
        assert 0 <= y <= y + h <= height


def test_every_lines_name_amount_and_tax_are_on_the_page() -> None:
    invoice = content(40)
    doc = read(ofd.render(invoice))
    _inside(doc)
    texts = doc.texts
    for line in invoice.lines:
        for value in (
            str(line["name"]),
            yuan(int(str(line["net"]))),
            yuan(int(str(line["tax"]))),
            str(line["quantity"]),
        ):
            assert value in texts, value
    assert len(doc.pages) == 3  # 16 lines a page
    for page in doc.pages:
        assert "电子发票（普通发票）" in [t.text for t in page]  # the header on every page
    assert f"合计　金额 ¥{yuan(invoice.net)}　税额 ¥{yuan(invoice.tax)}" in texts
    assert any(t.startswith("价税合计（大写）") and yuan(invoice.amount) in t for t in texts)
    assert "购买方名称：北京示例科技有限公司" in texts
    assert "统一社会信用代码/纳税人识别号：91110108551385082Q" in texts
    assert "销售方名称：上海小铺科技有限公司" in texts
    assert "发票号码：26312000000087654321" in texts
    assert "开票日期：2026年03月05日" in texts
    assert "备注：订单号 202603050001" in texts


def test_a_red_letter_invoice_shows_its_title_and_the_original_number() -> None:
    invoice = content(2, kind="red", reverses="26312000000011112222")
    doc = read(ofd.render(invoice))
    _inside(doc)
    texts = doc.texts
    assert "电子发票（普通发票）　红字" in texts
    assert "备注：订单号 202603050001　被红冲蓝字发票号码：26312000000011112222" in texts
    assert any(t.startswith("价税合计（大写）（负数）") for t in texts)
    assert "-100.00" in texts  # the first line's negative net amount


@pytest.mark.parametrize("kind", ["blue", "red"])
def test_the_ofd_shows_what_the_pdf_shows(kind: str) -> None:
    invoice = content(3, kind=kind, reverses="26312000000011112222" if kind == "red" else None)
    text = pdf_text(pdf.draw_content(invoice))
    ofd_texts = read(ofd.render(invoice)).texts
    assert ofd_texts
    for value in ofd_texts:
        assert value in text, value


def test_text_boxes_fit_their_characters_and_right_aligned_ones_end_at_the_margin() -> None:
    doc = read(ofd.render(content()))
    by_text = {t.text: t for t in doc.pages[0]}
    number = by_text["发票号码：26312000000087654321"]
    x, _, w, _ = number.boundary
    assert round(x + w, 2) == round(210 - 30 * 25.4 / 72, 2)  # 30 pt from the right edge
    assert round(w, 2) == round(5 * number.size + 20 * number.size / 2, 2)
    title = by_text["电子发票（普通发票）"]
    tx, _, tw, _ = title.boundary
    assert round(tx + tw / 2, 2) == 105  # centred


def test_an_independent_reader_reads_it() -> None:
    """easyofd (test-only, not a Shoplet dependency) parses the package like a viewer."""
    easyofd = pytest.importorskip("easyofd.ofd")
    import base64

    invoice = content(3, kind="red", reverses="26312000000011112222")
    reader = easyofd.OFD()
    reader.read(base64.b64encode(ofd.render(invoice)).decode(), save_xml=False, xml_name="t")
    [document] = reader.data
    [page] = document["page_info"].values()
    texts = [t["text"] for t in page["text_list"]]
    assert texts == read(ofd.render(invoice)).texts
    assert len(page["line_list"]) == 2
    assert document["fonts"]["1"]["FamilyName"] == "SimSun"


# -- routes ---------------------------------------------------------------------------------


async def test_the_shopper_downloads_the_ofd_of_their_own_invoices_only(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sim = nuonuo(app)
    order_no = await order_for(app, ctx)
    title = await company_title(client, ctx)
    invoice_no = (await request(client, ctx, order_no, title["id"])).json()["invoice_no"]
    url = f"{API}/invoices/{invoice_no}/download"

    early = await client.get(url, params={"format": "ofd"}, headers=shopper_headers(ctx))
    assert (early.status_code, early.json()["code"]) == (409, "invoicing.pdf_not_ready")
    await run_job(ctx, ISSUE_JOB)
    await sim.complete(invoice_no)
    number = sim.issues[invoice_no].number

    response = await client.get(url, params={"format": "ofd"}, headers=shopper_headers(ctx))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ofd"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="invoice-{number}.ofd"'
    )
    assert response.headers["cache-control"] == "private, no-store"
    doc = read(response.content)
    _inside(doc)
    assert "纯棉圆领T恤" in doc.texts
    assert "200.00" in doc.texts
    assert "26.00" in doc.texts
    assert f"发票号码：{number}" in doc.texts
    assert f"销售方名称：{ctx.settings.invoice_seller_name}" in doc.texts

    # The PDF through the same route is the stored one.
    as_pdf = await client.get(url, headers=shopper_headers(ctx))
    stored = await client.get(f"{API}/invoices/{invoice_no}/pdf", headers=shopper_headers(ctx))
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content == stored.content
    assert "纯棉圆领T恤" in pdf_text(as_pdf.content)

    other = await client.get(url, params={"format": "ofd"}, headers=shopper_headers(ctx, 2002))
    assert (other.status_code, other.json()["code"]) == (404, "invoicing.invoice_not_found")
    anonymous = await client.get(url, params={"format": "ofd"})
    assert anonymous.status_code == 401

    before = await snapshot(ctx)
    for bad in ("xml", "OFD", "pdf.ofd", ""):
        wrong = await client.get(url, params={"format": bad}, headers=shopper_headers(ctx))
        assert wrong.status_code == 400, bad
        assert wrong.headers["content-type"] == "application/problem+json"
        problem = wrong.json()
        assert problem["code"] == "invoicing.format_unknown"
        assert problem["formats"] == ["ofd", "pdf"]
    assert await snapshot(ctx) == before


async def test_the_console_opens_the_ofd_and_a_red_letter_one_names_the_original(
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
    _, red, rest = await invoices_of(ctx, order_no)
    await run_job(ctx, ISSUE_JOB)
    await sim.complete(red.invoice_no)
    red_number = sim.issues[red.invoice_no].number

    mine = await client.get(
        f"{API}/invoices/{red.invoice_no}/download?format=ofd", headers=shopper_headers(ctx)
    )
    assert mine.status_code == 200
    texts = read(mine.content).texts
    assert "电子发票（普通发票）　红字" in texts
    assert any(t.endswith(f"被红冲蓝字发票号码：{blue_number}") for t in texts)
    assert any(t.startswith("价税合计（大写）（负数）贰佰贰拾陆圆整") for t in texts)

    staff = bearer(await token_for(client, ctx, "olivia", role="operator"))
    url = f"{CONSOLE}/invoices/{red.invoice_no}/download"
    response = await client.get(url, params={"format": "ofd"}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ofd"
    assert response.headers["content-disposition"] == (
        f'inline; filename="invoice-{red_number}.ofd"'
    )
    assert response.content == mine.content
    wrong = await client.get(url, params={"format": "docx"}, headers=staff)
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invoicing.format_unknown")
    pending = await client.get(
        f"{CONSOLE}/invoices/{rest.invoice_no}/download", params={"format": "ofd"}, headers=staff
    )
    assert (pending.status_code, pending.json()["code"]) == (409, "invoicing.pdf_not_ready")
    support = bearer(await token_for(client, ctx, "sue", role="support"))
    denied = await client.get(url, params={"format": "ofd"}, headers=support)
    assert (denied.status_code, denied.json()["code"]) == (403, "console.permission_denied")
