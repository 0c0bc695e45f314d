"""A small OFD reader for the tests (no tests here): it follows the package the way a viewer
does — ``OFD.xml`` → DocRoot → ``Document.xml`` (page area, MaxUnitID, PublicRes, pages by
BaseLoc) → each page's ``Content.xml`` — and knows nothing of how Shoplet wrote it."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

NS = "http://www.ofdspec.org/2016"
_Q = {"ofd": NS}


@dataclass(frozen=True)
class TextObject:
    id: int
    boundary: tuple[float, float, float, float]
    font: int
    size: float
    text: str


@dataclass
class OfdDocument:
    entries: list[str]
    doc_info: dict[str, str]
    max_unit_id: int
    physical_box: tuple[float, float, float, float]
    fonts: dict[int, dict[str, str]]
    pages: list[list[TextObject]]
    paths: list[tuple[float, float, float, float]]
    ids: list[int] = field(default_factory=list)
    roots: dict[str, ET.Element] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [t.text for page in self.pages for t in page]


def _box(text: str | None) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in (text or "").split())
    return x, y, w, h


def read(data: bytes) -> OfdDocument:
    package = zipfile.ZipFile(io.BytesIO(data))
    roots: dict[str, ET.Element] = {}

    def parse(name: str) -> ET.Element:
        # Bytes these tests produced themselves: no untrusted XML.
        roots[name] = ET.fromstring(package.read(name))  # noqa: S314
        return roots[name]

    entry = parse("OFD.xml")
    body = entry.find("ofd:DocBody", _Q)
    assert body is not None
    info_node = body.find("ofd:DocInfo", _Q)
    assert info_node is not None
    info = {child.tag.split("}")[1]: child.text or "" for child in info_node}
    doc_root = body.findtext("ofd:DocRoot", namespaces=_Q)
    assert doc_root
    base = posixpath.dirname(doc_root)
    document = parse(doc_root)
    common = document.find("ofd:CommonData", _Q)
    assert common is not None
    public_res = common.findtext("ofd:PublicRes", namespaces=_Q)
    assert public_res
    res = parse(posixpath.join(base, public_res))
    fonts = {int(f.attrib["ID"]): dict(f.attrib) for f in res.iterfind("ofd:Fonts/ofd:Font", _Q)}
    ids = [int(f) for f in fonts]
    pages: list[list[TextObject]] = []
    paths: list[tuple[float, float, float, float]] = []
    for page in document.iterfind("ofd:Pages/ofd:Page", _Q):
        ids.append(int(page.attrib["ID"]))
        content = parse(posixpath.join(base, page.attrib["BaseLoc"]))
        texts = []
        for node in content.iter():
            if "ID" in node.attrib:
                ids.append(int(node.attrib["ID"]))
            if node.tag == f"{{{NS}}}TextObject":
                codes = node.findall("ofd:TextCode", _Q)
                texts.append(
                    TextObject(
                        id=int(node.attrib["ID"]),
                        boundary=_box(node.attrib["Boundary"]),
                        font=int(node.attrib["Font"]),
                        size=float(node.attrib["Size"]),
                        text="".join(c.text or "" for c in codes),
                    )
                )
            elif node.tag == f"{{{NS}}}PathObject":
                paths.append(_box(node.attrib["Boundary"]))
        pages.append(texts)
    return OfdDocument(
        entries=package.namelist(),
        doc_info=info,
        max_unit_id=int(common.findtext("ofd:MaxUnitID", namespaces=_Q) or 0),
        physical_box=_box(common.findtext("ofd:PageArea/ofd:PhysicalBox", namespaces=_Q)),
        fonts=fonts,
        pages=pages,
        paths=paths,
        ids=ids,
        roots=roots,
    )
