"""Compose a product's pictures from its drawing: the gallery (hero, other side, close-up, in a
scene, colour line-up), one SKU picture per colour, the tall detail image (长图)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter, mix, place, studio
from shoplet.demo.art.scenes import scene

GALLERY = 800  # px, square gallery pictures (the storefront shows them at most 750 wide)
SKU = 600  # px, square SKU pictures
DETAIL_WIDTH = 750  # px, the tall detail image
SPRITE = 0.9  # the product's box in a gallery picture


@dataclass
class Rendered:
    gallery: list[Image.Image] = field(default_factory=list)
    skus: list[Image.Image] = field(default_factory=list)  # one per colour given
    detail: list[Image.Image] = field(default_factory=list)
    spin: list[Image.Image] = field(default_factory=list)


def sprite(
    art: ProductArt,
    color: RGB,
    view: str,
    size: int,
    *,
    zoom: float = 1.0,
    focus: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    pen = Pen(size, zoom=zoom, focus=focus)
    art.draw(pen, color, view)
    return pen.result()


def hero_shot(art: ProductArt, still: Image.Image, size: int) -> Image.Image:
    image = still if still.width == round(size * SPRITE) else _fit(still, round(size * SPRITE))
    return place(studio(size, size, art.tint), image, center=(0.5, 0.48))


def _fit(image: Image.Image, width: int) -> Image.Image:
    return image.resize(
        (width, round(image.height * width / image.width)),
        Image.Resampling.BILINEAR,
        reducing_gap=2.0,
    )


def close_up(art: ProductArt, color: RGB, size: int) -> Image.Image:
    """The product magnified around ``art.focus``, drawn at three quarters of the size and
    scaled up: a close-up is soft anyway, and its fills cover the whole frame many times."""
    drawn = sprite(art, color, "hero", round(size * 0.75), zoom=art.zoom, focus=art.focus)
    back = studio(size, size, darker(art.tint, 0.06))
    out = back.convert("RGBA")
    out.alpha_composite(drawn.resize((size, size), Image.Resampling.BICUBIC))
    return out.convert("RGB")


def line_up(art: ProductArt, stills: Sequence[Image.Image], size: int) -> Image.Image:
    """Every colour side by side, overlapping a little, on the studio floor."""
    n = len(stills)
    width = round(size * min(0.72, 1.5 / n))
    step = (size * 0.92 - width) / max(1, n - 1)
    out = studio(size, size, lighter(art.tint, 0.1))
    for i, still in enumerate(stills):
        small = _fit(still, width)
        x = (size * 0.04 + step * i + width / 2) / size
        out = place(out, small, center=(x, 0.52))
    return out


def in_scene(art: ProductArt, still: Image.Image, size: int) -> Image.Image:
    back = scene(art.scene, size, art.tint)
    return place(back, _fit(still, round(size * 0.62)), center=(0.5, 0.56))


def detail_long(art: ProductArt, gallery: Sequence[Image.Image], color: RGB) -> Image.Image:
    """The 长图: a colour band with the hero, the close-up in a frame, a row of three feature
    panels (alt, close-up, scene), the line-up or hero again at the bottom; no text."""
    w = DETAIL_WIDTH
    panels: list[Image.Image] = []
    band = Image.new("RGB", (w, w), mix(art.tint, color, 0.25))
    band.paste(_fit(gallery[0], w - 60), (30, 30))
    panels.append(band)
    dark = Image.new("RGB", (w, w + 60), darker(art.tint, 0.7))
    dark.paste(_fit(gallery[2], w - 120), (60, 90))
    ImageDraw.Draw(dark).rectangle((60, 60, w - 60, 72), fill=lighter(color, 0.3))
    panels.append(dark)
    row = Image.new("RGB", (w, 300), lighter(art.tint, 0.5))
    for i, index in enumerate((1, 3, 2)):
        tile = _fit(gallery[index % len(gallery)], 214)
        mask = Image.new("L", tile.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, *tile.size), radius=24, fill=255)
        row.paste(tile, (24 + i * 240, 43), mask)
    panels.append(row)
    panels.append(_fit(gallery[-1], w))
    height = sum(p.height for p in panels)
    out = Image.new("RGB", (w, height), (255, 255, 255))
    y = 0
    for panel in panels:
        out.paste(panel, (0, y))
        y += panel.height
    return out


def render_product(art: ProductArt, colors: Sequence[RGB]) -> Rendered:
    """Every picture of one product; ``colors``: its colour SKUs (or its one colour)."""
    big = round(GALLERY * SPRITE)
    stills = [sprite(art, c, "hero", big) for c in colors]
    out = Rendered()
    hero = hero_shot(art, stills[0], GALLERY)
    alt = sprite(art, colors[0], "alt", big)
    if art.alt_turn:
        alt = alt.rotate(art.alt_turn, Image.Resampling.BICUBIC)
    out.gallery = [
        hero,
        hero_shot(art, alt, GALLERY),
        close_up(art, colors[0], GALLERY),
        in_scene(art, stills[0], GALLERY),
    ]
    if len(colors) > 1:
        out.gallery.append(line_up(art, stills, GALLERY))
    out.skus = [hero_shot(art, s, SKU) for s in stills]
    out.detail = [detail_long(art, out.gallery, colors[0])]
    return out
