"""An issued invoice's page layout, drawn by both renderers: the PDF (``pdf.py``) and the OFD
(``ofd.py``). One list of what goes where — title, number and date, buyer and seller, the
item table, totals in figures and in capitals, remarks — so the two formats cannot drift.

Coordinates are PDF points (1/72 inch) from the bottom-left corner of an A5 landscape page,
text positioned by its baseline; a renderer converts to its own units. A ``Run`` is a group
of texts at one font size (the PDF sets its font once per run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from shoplet.core.money import yuan

SHANGHAI = ZoneInfo("Asia/Shanghai")
# reportlab's own millimetre (72 / 2.54 * 0.1), so the page is the very size the PDF always had.
MM = 72.0 / 2.54 * 0.1
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 148
TITLE = "电子发票（普通发票）"
RED_MARK = "　红字"
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")
_MARGIN = 30
_BOTTOM = 90  # a new page starts when an item line would go below this


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


@dataclass(frozen=True, slots=True)
class InvoiceContent:
    """What an issued invoice shows. ``lines`` as stored on the invoice (name, spec, quantity,
    tax_code, tax_rate_bp, net, tax); amounts in fen, negative on a red-letter invoice."""

    kind: str
    invoice_number: str
    issued_at: datetime
    seller: Party
    buyer: Party
    lines: list[dict[str, object]]
    amount: int
    net: int
    tax: int
    order_no: str
    reverses_number: str | None = None

    @property
    def title(self) -> str:
        return TITLE + (RED_MARK if self.kind == "red" else "")


Align = Literal["left", "right", "centre"]


@dataclass(frozen=True, slots=True)
class Text:
    """One string; ``x`` is its left edge, right edge or centre as ``align`` says, ``y`` its
    baseline."""

    x: float
    y: float
    text: str
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Run:
    size: float
    texts: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal table rule (1 pt wide, black)."""

    x1: float
    y1: float
    x2: float
    y2: float


Item = Run | Rule


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    width: float
    height: float
    title: str
    author: str
    pages: tuple[Page, ...]


COLUMNS = (
    (30, "项目名称"),
    (190, "规格型号"),
    (250, "数量"),
    (285, "金额"),
    (345, "税率"),
    (385, "税额"),
    (440, "税收分类编码"),
)


def line_values(line: dict[str, object]) -> tuple[str, ...]:
    """An item line's cells, in ``COLUMNS`` order (name and spec cut to fit their column)."""
    rate = int(str(line["tax_rate_bp"]))
    return (
        str(line["name"])[:24],
        str(line.get("spec") or "")[:10],
        str(line["quantity"]),
        yuan(int(str(line["net"]))),
        f"{rate / 100:g}%",
        yuan(int(str(line["tax"]))),
        str(line["tax_code"]),
    )


def _header(content: InvoiceContent, width: float, height: float) -> tuple[list[Item], float]:
    """A page's title, number, date, parties and column labels; the first item line's y."""
    left, right = _MARGIN, width - _MARGIN
    local = content.issued_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日")
    y = height - 90
    parties = [
        Text(right, height - 56, f"发票号码：{content.invoice_number}", "right"),
        Text(right, height - 68, f"开票日期：{local}", "right"),
        Text(left, y, f"购买方名称：{content.buyer.name}"),
        Text(width / 2, y, f"销售方名称：{content.seller.name}"),
    ]
    y -= 12
    parties += [
        Text(left, y, f"统一社会信用代码/纳税人识别号：{content.buyer.tax_id or ''}"),
        Text(width / 2, y, f"统一社会信用代码/纳税人识别号：{content.seller.tax_id or ''}"),
    ]
    y -= 20
    items: list[Item] = [
        Run(16, (Text(width / 2, height - 36, content.title, "centre"),)),
        Run(9, tuple(parties)),
        Run(8, tuple(Text(x, y, label) for x, label in COLUMNS)),
        Rule(left, y - 4, right, y - 4),
    ]
    return items, float(y - 16)


def invoice_layout(content: InvoiceContent) -> Layout:
    """The invoice on A5 landscape pages: item lines beyond a page continue on the next, under
    the header again; totals, remarks and the issuer line close the last page."""
    width, height = PAGE_WIDTH_MM * MM, PAGE_HEIGHT_MM * MM
    pages: list[Page] = []
    items, y = _header(content, width, height)
    for line in content.lines:
        if y < _BOTTOM:
            pages.append(Page(tuple(items)))
            items, y = _header(content, width, height)
        values = line_values(line)
        cells = (Text(x, y, value) for (x, _), value in zip(COLUMNS, values, strict=True))
        items.append(Run(8, tuple(cells)))
        y -= 12
    items.append(Rule(_MARGIN, y + 4, width - _MARGIN, y + 4))
    y -= 8
    remark = f"订单号 {content.order_no}"
    if content.reverses_number:
        remark += f"　被红冲蓝字发票号码：{content.reverses_number}"
    # Each line 14 pt under the last, subtracted in turn as the PDF always placed them.
    totals_y = y
    amount_y = totals_y - 14
    remark_y = amount_y - 14
    totals = (
        Text(_MARGIN, totals_y, f"合计　金额 ¥{yuan(content.net)}　税额 ¥{yuan(content.tax)}"),
        Text(
            _MARGIN,
            amount_y,
            f"价税合计（大写）{capital_yuan(content.amount)}　（小写）¥{yuan(content.amount)}",
        ),
        Text(_MARGIN, remark_y, f"备注：{remark}"),
        Text(_MARGIN, 24, f"开票人：Shoplet　销售方地址：{content.seller.address or ''}"),
    )
    items.append(Run(9, totals))
    pages.append(Page(tuple(items)))
    return Layout(
        width=width,
        height=height,
        title=f"{content.title} {content.invoice_number}",
        author=content.seller.name,
        pages=tuple(pages),
    )
