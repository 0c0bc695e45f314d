"""Shapes most families share: a box in three-quarter view, a can, a pouch, a bottle, a book."""

from __future__ import annotations

from shoplet.demo.art.kit import RGB, Mask, Pen, darker, lighter


def box3d(
    pen: Pen,
    x0: float,
    y0: float,
    w: float,
    h: float,
    d: float,
    color: RGB,
    *,
    top: RGB | None = None,
    side: RGB | None = None,
) -> Mask:
    """A box: front face at (x0, y0, w, h), depth ``d`` going up and right. Returns the front."""
    dy = d * 0.6
    pen.poly(
        [(x0, y0), (x0 + d, y0 - dy), (x0 + w + d, y0 - dy), (x0 + w, y0)],
        top or lighter(color, 0.25),
    )
    pen.poly(
        [(x0 + w, y0), (x0 + w + d, y0 - dy), (x0 + w + d, y0 + h - dy), (x0 + w, y0 + h)],
        side or darker(color, 0.22),
        shade=0.08,
        ramp="v",
    )
    return pen.rrect(x0, y0, x0 + w, y0 + h, 0.004, color, shade=0.1)


def can(
    pen: Pen, cx: float, top: float, bottom: float, r: float, color: RGB, lid: RGB | None = None
) -> Mask:
    """A cylinder standing up, seen slightly from above. Returns the body (for a label)."""
    e = r * 0.28
    pen.ellipse(cx - r, bottom - e, cx + r, bottom + e, darker(color, 0.2))
    body = pen.rrect(cx - r, top, cx + r, bottom, 0.002, color, shade=0.22, ramp="c")
    pen.ellipse(cx - r, top - e, cx + r, top + e, lid or lighter(color, 0.2), shade=0.12)
    return body


def label_band(pen: Pen, body: Mask, y0: float, y1: float, color: RGB) -> None:
    pen.clip(body, lambda p: p.rrect(0, y0, 1, y1, 0, color, shade=0.1, ramp="h"))


def pouch(pen: Pen, cx: float, y0: float, y1: float, w: float, color: RGB) -> Mask:
    """A stand-up pouch with a zip seal at the top."""
    x0, x1 = cx - w / 2, cx + w / 2
    shape = pen.poly(
        [
            (x0, y0),
            (x1, y0),
            (x1 + w * 0.03, y1 - w * 0.1),
            (x1 - w * 0.04, y1),
            (x0 + w * 0.04, y1),
            (x0 - w * 0.03, y1 - w * 0.1),
        ],
        color,
        shade=0.14,
    )
    pen.rrect(x0, y0, x1, y0 + w * 0.1, 0.004, darker(color, 0.1))
    pen.line([(x0, y0 + w * 0.14), (x1, y0 + w * 0.14)], 0.004, darker(color, 0.25))
    pen.glow(x0 + w * 0.08, y0 + w * 0.2, x0 + w * 0.3, y1 - w * 0.2, alpha=70, blur=0.015)
    return shape


def bottle(
    pen: Pen,
    cx: float,
    top: float,
    bottom: float,
    w: float,
    color: RGB,
    *,
    neck: float = 0.35,
    cap: RGB = (240, 240, 240),
    shoulder: float = 0.25,
) -> Mask:
    """A bottle: body ``w`` wide, shoulders, a neck ``neck``×w wide and a cap."""
    h = bottom - top
    nk = w * neck / 2
    body_top = top + h * shoulder
    pts = [
        (cx - nk, top + h * 0.1), (cx - nk, top + h * 0.14), (cx - w / 2, body_top),
        (cx - w / 2, bottom - w * 0.08), (cx - w / 2 + w * 0.08, bottom),
        (cx + w / 2 - w * 0.08, bottom), (cx + w / 2, bottom - w * 0.08), (cx + w / 2, body_top),
        (cx + nk, top + h * 0.14), (cx + nk, top + h * 0.1),
    ]  # fmt: skip
    shape = pen.poly(pts, color, shade=0.2, ramp="c")
    pen.rrect(cx - nk * 1.15, top, cx + nk * 1.15, top + h * 0.11, 0.006, cap, shade=0.2, ramp="c")
    pen.glow(
        cx - w * 0.36, body_top + h * 0.04, cx - w * 0.22, bottom - h * 0.08, alpha=110, blur=0.01
    )
    return shape


def book(
    pen: Pen, x0: float, y0: float, w: float, h: float, color: RGB, *, d: float = 0.05
) -> Mask:
    """A standing book seen from the front-right: cover, pages along the right edge."""
    dy = d * 0.5
    pen.poly(
        [(x0 + w, y0), (x0 + w + d, y0 - dy), (x0 + w + d, y0 + h - dy), (x0 + w, y0 + h)],
        (240, 236, 226),
        shade=0.1,
        ramp="h",
    )
    for i in range(1, 6):
        x = x0 + w + d * i / 6
        pen.line(
            [(x, y0 - dy * i / 6 + 0.004), (x, y0 + h - dy * i / 6 - 0.004)],
            0.0015,
            (214, 208, 196),
        )
    pen.poly([(x0, y0), (x0 + d, y0 - dy), (x0 + w + d, y0 - dy), (x0 + w, y0)], darker(color, 0.1))
    cover = pen.rrect(x0, y0, x0 + w, y0 + h, 0.004, color, shade=0.08)
    pen.rrect(x0, y0, x0 + w * 0.05, y0 + h, 0.002, darker(color, 0.18))
    return cover
