"""An issued invoice as a PDF (reportlab, its built-in CID font ``STSong-Light``: Chinese text
with no font file), drawn from the layout both renderers share (``layout.py``; the OFD is
``ofd.py``)."""

from __future__ import annotations

import io

from shoplet.modules.invoicing.layout import (
    InvoiceContent,
    Layout,
    Party,
    Run,
    capital_yuan,
    invoice_layout,
)

__all__ = ["FONT", "InvoiceContent", "Party", "capital_yuan", "draw", "draw_content"]

FONT = "STSong-Light"


def _ensure_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


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
    """The invoice's PDF bytes (A5 landscape; lines beyond a page continue on the next)."""
    return draw(invoice_layout(content))
