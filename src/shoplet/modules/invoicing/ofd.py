"""An issued invoice as OFD (GB/T 33190-2016, the fixed-layout format of Chinese e-invoices),
drawn from the same layout as the PDF (``layout.py``). Written with the standard library
(``zipfile``, ``xml.etree``): the format is a ZIP of a few small XML files.

The package::

    OFD.xml                      entry: DocBody → DocInfo (DocID, Title, Author, Creator,
                                 CreationDate) and DocRoot
    Doc_0/Document.xml           CommonData (MaxUnitID, PageArea 210 × 148 mm, PublicRes),
                                 Pages
    Doc_0/PublicRes.xml          the font: 宋体 / SimSun, not embedded (viewers substitute)
    Doc_0/Pages/Page_N/Content.xml
                                 one Layer of TextObjects and PathObjects (table rules)

Units are millimetres from the page's top-left corner. Every glyph's advance is given
(``DeltaX``: 1 em for CJK and full-width characters, ½ em for the rest, SimSun's own metrics),
so a viewer that substitutes another font still places each character where it belongs.
The package is not signed (no ``Signs``): the tax authority's signed original is the
provider's; this is the shopper's readable copy.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
import zipfile
from xml.etree import ElementTree as ET  # nosec B405 - builds the package; parses nothing

from shoplet.modules.invoicing.layout import (
    MM,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    SHANGHAI,
    InvoiceContent,
    Layout,
    Rule,
    Run,
    Text,
    invoice_layout,
)

NS = "http://www.ofdspec.org/2016"
MEDIA_TYPE = "application/ofd"
FONT_NAME = "宋体"
FONT_FAMILY = "SimSun"
CREATOR = "Shoplet"
DOC_ROOT = "Doc_0"
_FONT_ID = 1
_LINE_WIDTH_MM = 1 / MM  # the PDF draws its rules 1 pt wide (reportlab's default)
_BOX_LEADING = 1.25  # a text box is this many font sizes high (room for descenders)

ET.register_namespace("ofd", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _num(value: float) -> str:
    """A length in mm, three decimals at most, no trailing zeros (``12.5``, ``0``)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def advances(text: str, size: float) -> list[float]:
    """Each character's advance in mm at ``size`` mm: 1 em when East Asian wide or
    full-width, ½ em otherwise."""
    return [size if unicodedata.east_asian_width(ch) in ("W", "F") else size / 2 for ch in text]


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


class _Ids:
    """The document's object ids: one counter, so every ID is unique and the last one is
    the document's MaxUnitID."""

    def __init__(self, start: int) -> None:
        self.last = start - 1

    def next(self) -> str:
        self.last += 1
        return str(self.last)


def _text_object(parent: ET.Element, ids: _Ids, text: Text, size_pt: float, height: float) -> None:
    size = size_pt / MM
    steps = advances(text.text, size)
    width = sum(steps)
    left = text.x / MM
    if text.align == "right":
        left -= width
    elif text.align == "centre":
        left -= width / 2
    baseline = (height - text.y) / MM
    top = baseline - size
    node = ET.SubElement(
        parent,
        _q("TextObject"),
        {
            "ID": ids.next(),
            "Boundary": " ".join(_num(v) for v in (left, top, width, size * _BOX_LEADING)),
            "Font": str(_FONT_ID),
            "Size": _num(size),
        },
    )
    ET.SubElement(node, _q("FillColor"), {"Value": "0 0 0"})
    code = ET.SubElement(node, _q("TextCode"), {"X": "0", "Y": _num(size)})
    if len(steps) > 1:
        code.set("DeltaX", " ".join(_num(step) for step in steps[:-1]))
    code.text = text.text


def _path_object(parent: ET.Element, ids: _Ids, rule: Rule, height: float) -> None:
    left, right = min(rule.x1, rule.x2) / MM, max(rule.x1, rule.x2) / MM
    y = (height - rule.y1) / MM
    half = _LINE_WIDTH_MM / 2
    node = ET.SubElement(
        parent,
        _q("PathObject"),
        {
            "ID": ids.next(),
            "Boundary": " ".join(_num(v) for v in (left, y - half, right - left, 2 * half)),
            "LineWidth": _num(_LINE_WIDTH_MM),
        },
    )
    ET.SubElement(node, _q("StrokeColor"), {"Value": "0 0 0"})
    data = ET.SubElement(node, _q("AbbreviatedData"))
    data.text = f"M 0 {_num(half)} L {_num(right - left)} {_num(half)}"


def _content_xml(layout: Layout, page_index: int, ids: _Ids) -> bytes:
    root = ET.Element(_q("Page"))
    layer = ET.SubElement(ET.SubElement(root, _q("Content")), _q("Layer"), {"ID": ids.next()})
    layer.set("Type", "Body")
    for item in layout.pages[page_index].items:
        if isinstance(item, Run):
            for text in item.texts:
                if text.text:
                    _text_object(layer, ids, text, item.size, layout.height)
        else:
            _path_object(layer, ids, item, layout.height)
    return _xml(root)


def draw(layout: Layout, *, doc_id: str, creation_date: str) -> bytes:
    """A layout as an OFD package (ZIP bytes). ``creation_date`` is ``YYYY-MM-DD``."""
    ids = _Ids(_FONT_ID + 1)
    page_ids = [ids.next() for _ in layout.pages]
    contents = [_content_xml(layout, index, ids) for index in range(len(layout.pages))]

    ofd = ET.Element(_q("OFD"), {"Version": "1.0", "DocType": "OFD"})
    body = ET.SubElement(ofd, _q("DocBody"))
    info = ET.SubElement(body, _q("DocInfo"))
    for tag, value in (
        ("DocID", doc_id),
        ("Title", layout.title),
        ("Author", layout.author),
        ("CreationDate", creation_date),
        ("Creator", CREATOR),
    ):
        ET.SubElement(info, _q(tag)).text = value
    ET.SubElement(body, _q("DocRoot")).text = f"{DOC_ROOT}/Document.xml"

    document = ET.Element(_q("Document"))
    common = ET.SubElement(document, _q("CommonData"))
    ET.SubElement(common, _q("MaxUnitID")).text = str(ids.last)
    area = ET.SubElement(common, _q("PageArea"))
    ET.SubElement(area, _q("PhysicalBox")).text = f"0 0 {PAGE_WIDTH_MM} {PAGE_HEIGHT_MM}"
    ET.SubElement(common, _q("PublicRes")).text = "PublicRes.xml"
    pages = ET.SubElement(document, _q("Pages"))
    for index, page_id in enumerate(page_ids):
        ET.SubElement(
            pages, _q("Page"), {"ID": page_id, "BaseLoc": f"Pages/Page_{index}/Content.xml"}
        )

    res = ET.Element(_q("Res"))
    fonts = ET.SubElement(res, _q("Fonts"))
    ET.SubElement(
        fonts,
        _q("Font"),
        {"ID": str(_FONT_ID), "FontName": FONT_NAME, "FamilyName": FONT_FAMILY},
    )

    files = [
        ("OFD.xml", _xml(ofd)),
        (f"{DOC_ROOT}/Document.xml", _xml(document)),
        (f"{DOC_ROOT}/PublicRes.xml", _xml(res)),
        *(
            (f"{DOC_ROOT}/Pages/Page_{index}/Content.xml", content)
            for index, content in enumerate(contents)
        ),
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files:
            # A fixed timestamp: the same invoice gives the same bytes.
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(entry, data)
    return out.getvalue()


def render(content: InvoiceContent) -> bytes:
    """The invoice's OFD bytes: the PDF's layout, a DocID derived from the invoice number
    (the same invoice always gives the same package) and its issue date (Shanghai)."""
    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"shoplet:invoice:{content.invoice_number}").hex
    creation_date = content.issued_at.astimezone(SHANGHAI).date().isoformat()
    return draw(invoice_layout(content), doc_id=doc_id, creation_date=creation_date)
