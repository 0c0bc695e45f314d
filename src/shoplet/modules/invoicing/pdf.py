"""An issued invoice as a PDF (reportlab, its built-in CID font ``STSong-Light``: Chinese text
with no font file). Seller, buyer, lines with tax, totals in figures and in capitals.

OFD (GB/T 33190) is not rendered: no installed library writes it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shoplet.core.money import yuan

FONT = "STSong-Light"
SHANGHAI = ZoneInfo("Asia/Shanghai")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _ensure_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def capital_yuan(fen: int) -> str:
    """An amount in Chinese financial capitals: 11300 → 壹佰壹拾叁圆整, 1050 → 壹拾圆伍角,
    -5 → (负数)伍分."""
    if fen < 0:
        return "（负数）" + capital_yuan(-fen)
    whole, jiao, fen_part = fen // 100, fen // 10 % 10, fen % 10
    text = ""
    if whole:
        parts: list[int] = []
        n = whole
        while n:
            parts.append(n % 10000)
            n //= 10000
        for index in range(len(parts) - 1, -1, -1):
            group = parts[index]
            if group == 0:
                text += "零"
                continue
            if group < 1000 and index < len(parts) - 1:
                text += "零"
            text += _group(group) + _GROUPS[index]
        text = text.strip("零")
        while "零零" in text:
            text = text.replace("零零", "零")
        text += "圆"
    if not jiao and not fen_part:
        return (text or "零圆") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen_part:
        text += _DIGITS[fen_part] + "分"
    return text


def _group(n: int) -> str:
    """1..9999 in capitals, inner zeros read once (1005 → 壹仟零伍)."""
    out = ""
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit:
            out += _DIGITS[digit] + _UNITS[position]
        elif out and not out.endswith("零"):
            out += "零"
    return out.rstrip("零")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    tax_id: str | None
    address: str | None = None


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
    """The PDF bytes (one A5 landscape page; lines beyond the page continue on the next).
    reportlab (and the Pillow it loads) is imported here, on first use, never at start-up."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfgen import canvas

    _ensure_font()
    out = io.BytesIO()
    width, height = landscape(A5)
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=True)
    title = "电子发票（普通发票）" + ("　红字" if kind == "red" else "")
    pdf.setTitle(f"{title} {invoice_number}")
    pdf.setAuthor(seller.name)

    def header() -> float:
        pdf.setFont(FONT, 16)
        pdf.drawCentredString(width / 2, height - 36, title)
        pdf.setFont(FONT, 9)
        pdf.drawRightString(width - 30, height - 56, f"发票号码：{invoice_number}")
        local = issued_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日")
        pdf.drawRightString(width - 30, height - 68, f"开票日期：{local}")
        y = height - 90
        pdf.drawString(30, y, f"购买方名称：{buyer.name}")
        pdf.drawString(width / 2, y, f"销售方名称：{seller.name}")
        y -= 12
        pdf.drawString(30, y, f"统一社会信用代码/纳税人识别号：{buyer.tax_id or ''}")
        pdf.drawString(width / 2, y, f"统一社会信用代码/纳税人识别号：{seller.tax_id or ''}")
        y -= 20
        pdf.setFont(FONT, 8)
        for x, label in _COLUMNS:
            pdf.drawString(x, y, label)
        pdf.line(30, y - 4, width - 30, y - 4)
        return float(y - 16)

    y = header()
    for line in lines:
        if y < 90:
            pdf.showPage()
            y = header()
        pdf.setFont(FONT, 8)
        rate = int(str(line["tax_rate_bp"]))
        values = (
            str(line["name"])[:24],
            str(line.get("spec") or "")[:10],
            str(line["quantity"]),
            yuan(int(str(line["net"]))),
            f"{rate / 100:g}%",
            yuan(int(str(line["tax"]))),
            str(line["tax_code"]),
        )
        for (x, _), value in zip(_COLUMNS, values, strict=True):
            pdf.drawString(x, y, value)
        y -= 12
    pdf.line(30, y + 4, width - 30, y + 4)
    y -= 8
    pdf.setFont(FONT, 9)
    pdf.drawString(30, y, f"合计　金额 ¥{yuan(net)}　税额 ¥{yuan(tax)}")
    y -= 14
    pdf.drawString(30, y, f"价税合计（大写）{capital_yuan(amount)}　（小写）¥{yuan(amount)}")
    y -= 14
    remark = f"订单号 {order_no}"
    if reverses_number:
        remark += f"　被红冲蓝字发票号码：{reverses_number}"
    pdf.drawString(30, y, f"备注：{remark}")
    pdf.drawString(30, 24, f"开票人：Shoplet　销售方地址：{seller.address or ''}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


_COLUMNS = (
    (30, "项目名称"),
    (190, "规格型号"),
    (250, "数量"),
    (285, "金额"),
    (345, "税率"),
    (385, "税额"),
    (440, "税收分类编码"),
)
