"""An issued invoice as a PDF (reportlab, its built-in CID font ``STSong-Light``: Chinese text
with no font file), drawn from the layout both renderers share (``layout.py``; the OFD is
``ofd.py``)."""

from __future__ import annotations

import io
from datetime import datetime

from shoplet.modules.invoicing.layout import (
    InvoiceContent,
    Layout,
    Party,
    Run,
    capital_yuan,
    invoice_layout,
)

__all__ = ["FONT", "Party", "capital_yuan", "draw", "draw_content", "render"]

FONT = "STSong-Light"


def _ensure_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render(
    *,
    kind: str,
    invoice_number: str,
    issued_at: datetime,
    seller: Party,
    buyer: Party,
    lines: list[dict[str, object]],
    amount: int,
    net: int,
    tax: int,
    order_no: str,
    reverses_number: str | None = None,
) -> bytes:
    """The PDF bytes (one A5 landscape page; lines beyond the page continue on the next)."""
    content = InvoiceContent(
        kind=kind,
        invoice_number=invoice_number,
        issued_at=issued_at,
        seller=seller,
        buyer=buyer,
        lines=lines,
        amount=amount,
        net=net,
        tax=tax,
        order_no=order_no,
        reverses_number=reverses_number,
    )
    return draw_content(content)


def draw(layout: Layout) -> bytes:
    """A layout as PDF bytes. reportlab (and the Pillow it loads) is imported here, on first
    use, never at start-up."""
    from reportlab.pdfgen import canvas

    _ensure_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(layout.width, layout.height), invariant=True)
    pdf.setTitle(layout.title)
    pdf.setAuthor(layout.author)
    for number, page in enumerate(layout.pages):
        if number:
            pdf.showPage()
        for item in page.items:
            if not isinstance(item, Run):
                pdf.line(item.x1, item.y1, item.x2, item.y2)
                continue
            pdf.setFont(FONT, item.size)
            for text in item.texts:
                if text.align == "centre":
                    pdf.drawCentredString(text.x, text.y, text.text)
                elif text.align == "right":
                    pdf.drawRightString(text.x, text.y, text.text)
                else:
                    pdf.drawString(text.x, text.y, text.text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def draw_content(content: InvoiceContent) -> bytes:
    """The PDF of an invoice's content (what ``render`` draws from its keywords)."""
    return draw(invoice_layout(content))
