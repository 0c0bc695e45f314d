"""Share posters drawn with Pillow (pure: bytes in, PNG out; the service runs it in a thread).

750 × 1200 px: the product image (cover-fit, 750 × 750), the title (two lines at most), the
price in yuan (``core.money.yuan``), the sharer's avatar and masked name, and the code (the
mini-program code, or a QR code of the H5 link) with a caption. Text uses Noto Sans CJK SC
(Debian's ``fonts-noto-cjk``) when it is installed; otherwise Pillow's built-in font, which has
no Chinese glyphs (the poster still renders and its code still scans). Every input image is
decoded through ``catalog.public.decode_still_image`` (format by magic bytes, size bounded
before decoding), and one that fails is replaced by a plain block.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from shoplet.core.money import yuan
from shoplet.modules.catalog.public import decode_still_image

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

log = structlog.get_logger("shoplet.social.poster")

WIDTH = 750
HEIGHT = 1200
IMAGE_SIDE = 750
CODE_SIDE = 180
# Inputs are bounded before any pixel is decoded: 25 MP and 4096 px a side at most.
MAX_INPUT_PIXELS = 25_000_000
MAX_INPUT_SIDE = 4096
RED = (200, 30, 30)
INK = (31, 31, 31)
GREY = (89, 89, 89)
PLACEHOLDER = (245, 245, 245)

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@dataclass(frozen=True, slots=True)
class PosterContent:
    title: str
    price: int  # fen
    price_label: str | None  # 拼团价, …
    shelf_price: int | None  # fen, struck through when above ``price``
    product_image: bytes | None
    sharer_name: str
    avatar: bytes | None
    code_image: bytes
    caption: str


@functools.cache
def font_file() -> tuple[str, int] | None:
    """(path, face index) of the CJK font posters use, None when none is installed. The face
    is the Simplified Chinese one of a collection."""
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if not Path(candidate).exists():
            continue
        for index in range(10):
            try:
                face = ImageFont.truetype(candidate, 20, index=index)
            except OSError:
                break
            if " SC" in (face.getname()[0] or "") or "wqy" in candidate:
                return candidate, index
        return candidate, 0
    log.warning("poster_font_missing", looked_in=FONT_CANDIDATES)
    return None


def font_name() -> str:
    found = font_file()
    if found is None:
        return "Pillow default (no CJK glyphs)"
    from PIL import ImageFont

    family, style = ImageFont.truetype(found[0], 20, index=found[1]).getname()
    return f"{family or ''} {style or ''}".strip()


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    found = font_file()
    if found is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(found[0], size, index=found[1])


class _Unreadable(Exception):
    pass


def decode(data: bytes | None) -> Image.Image | None:
    """An input image as RGBA, or None when absent or unreadable (bounded before decoding)."""
    if not data:
        return None
    try:
        _, image = decode_still_image(
            data,
            lambda upright, _icc: upright.convert("RGBA"),
            invalid=_Unreadable,
            max_pixels=MAX_INPUT_PIXELS,
            max_side=MAX_INPUT_SIDE,
            draft_side=IMAGE_SIDE,
        )
    except _Unreadable as exc:
        log.warning("poster_image_unreadable", reason=str(exc))
        return None
    return image


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Lines of at most ``width`` px, two at most (the second ends with … when cut)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if font.getlength(line + char) <= width:
            line += char
            continue
        lines.append(line)
        line = char
        if len(lines) == 2:
            break
    else:
        if line:
            lines.append(line)
        return lines
    last = lines[1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return [lines[0], last + "…"]


def _circle(image: Image.Image, side: int) -> Image.Image:
    from PIL import Image, ImageDraw, ImageOps

    fitted = ImageOps.fit(image, (side, side))
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    fitted.putalpha(mask)
    return fitted


def _draw_price(draw: ImageDraw.ImageDraw, content: PosterContent, y: int) -> None:
    """The label (拼团价, N人团), the price in yuan, the shelf price struck through."""
    x = 40
    if content.price_label:
        label_font = _font(26)
        draw.text((x, y + 22), content.price_label, fill=RED, font=label_font)
        x += int(label_font.getlength(content.price_label)) + 12
    price_font = _font(56)
    price_text = f"¥{yuan(content.price)}"
    draw.text((x, y), price_text, fill=RED, font=price_font)
    x += int(price_font.getlength(price_text)) + 16
    if content.shelf_price is not None and content.shelf_price > content.price:
        shelf_font = _font(26)
        shelf_text = f"¥{yuan(content.shelf_price)}"
        draw.text((x, y + 24), shelf_text, fill=GREY, font=shelf_font)
        width = int(shelf_font.getlength(shelf_text))
        draw.line((x, y + 42, x + width, y + 42), fill=GREY, width=2)


def render(content: PosterContent) -> bytes:
    """The poster as PNG bytes. CPU-bound: call it through ``asyncio.to_thread``."""
    from PIL import Image, ImageDraw, ImageOps

    poster = Image.new("RGBA", (WIDTH, HEIGHT), (255, 255, 255, 255))
    draw = ImageDraw.Draw(poster)

    product = decode(content.product_image)
    if product is not None:
        poster.alpha_composite(ImageOps.fit(product, (IMAGE_SIDE, IMAGE_SIDE)), (0, 0))
    else:
        draw.rectangle((0, 0, IMAGE_SIDE, IMAGE_SIDE), fill=PLACEHOLDER)
        initial = content.title[:1] or "S"
        big = _font(200)
        draw.text((IMAGE_SIDE // 2, IMAGE_SIDE // 2), initial, fill=GREY, font=big, anchor="mm")

    title_font = _font(34)
    y = 780
    for line in _wrap(content.title, title_font, WIDTH - 80):
        draw.text((40, y), line, fill=INK, font=title_font)
        y += 46
    _draw_price(draw, content, max(y + 10, 880))

    draw.line((40, 985, WIDTH - 40, 985), fill=(230, 230, 230), width=2)
    avatar = decode(content.avatar)
    if avatar is not None:
        poster.alpha_composite(_circle(avatar, 80), (40, 1015))
    else:
        draw.ellipse((40, 1015, 120, 1095), fill=(255, 216, 191))
        draw.text((80, 1055), content.sharer_name[:1], fill=INK, font=_font(36), anchor="mm")
    draw.text((136, 1022), content.sharer_name, fill=INK, font=_font(28))
    draw.text((136, 1064), "分享给你一件好物", fill=GREY, font=_font(24))

    code = decode(content.code_image)
    if code is None:
        raise ValueError("the code image is unreadable")
    code = code.resize((CODE_SIDE, CODE_SIDE), Image.Resampling.LANCZOS)
    left = WIDTH - 40 - CODE_SIDE
    poster.paste((255, 255, 255, 255), (left, 995, left + CODE_SIDE, 995 + CODE_SIDE))
    poster.alpha_composite(code, (left, 995))
    draw.text(
        (left + CODE_SIDE // 2, 1188), content.caption, fill=GREY, font=_font(20), anchor="mb"
    )

    out = io.BytesIO()
    poster.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class CardContent:
    """A card poster (an unlocked badge, …): a picture on a tinted field, a title, a subtitle,
    up to three lines of text, the sharer and the code."""

    picture: bytes | None  # PNG/JPEG/WebP, cropped to its centre square, drawn in the top part
    accent: tuple[int, int, int]
    title: str
    subtitle: str
    lines: tuple[str, ...]
    sharer_name: str
    avatar: bytes | None
    code_image: bytes
    caption: str
    tagline: str


def render_card(content: CardContent) -> bytes:
    """The card poster as PNG bytes, the product poster's size, fonts, footer and code.
    CPU-bound: call it through ``asyncio.to_thread``."""
    from PIL import Image, ImageDraw

    poster = Image.new("RGBA", (WIDTH, HEIGHT), (255, 255, 255, 255))
    draw = ImageDraw.Draw(poster)
    tint = tuple(int(255 - (255 - c) * 0.18) for c in content.accent)
    draw.rectangle((0, 0, WIDTH, IMAGE_SIDE), fill=(*tint, 255))
    picture = decode(content.picture)
    if picture is not None:
        side = 460
        # A photo (a post's first image) keeps its proportions: its centre square is drawn.
        edge = min(picture.width, picture.height)
        left, top = (picture.width - edge) // 2, (picture.height - edge) // 2
        picture = picture.crop((left, top, left + edge, top + edge))
        picture = picture.resize((side, side), Image.Resampling.LANCZOS)
        poster.alpha_composite(picture, ((WIDTH - side) // 2, 90))
    draw.text((WIDTH // 2, 640), content.title, fill=INK, font=_font(48), anchor="mm")
    draw.text((WIDTH // 2, 700), content.subtitle, fill=content.accent, font=_font(28), anchor="mm")
    y = 790
    body = _font(28)
    for text in content.lines[:3]:
        for line in _wrap(text, body, WIDTH - 80):
            draw.text((40, y), line, fill=GREY, font=body)
            y += 40

    draw.line((40, 985, WIDTH - 40, 985), fill=(230, 230, 230), width=2)
    avatar = decode(content.avatar)
    if avatar is not None:
        poster.alpha_composite(_circle(avatar, 80), (40, 1015))
    else:
        draw.ellipse((40, 1015, 120, 1095), fill=(255, 216, 191))
        draw.text((80, 1055), content.sharer_name[:1], fill=INK, font=_font(36), anchor="mm")
    draw.text((136, 1022), content.sharer_name, fill=INK, font=_font(28))
    draw.text((136, 1064), content.tagline, fill=GREY, font=_font(24))

    code = decode(content.code_image)
    if code is None:
        raise ValueError("the code image is unreadable")
    code = code.resize((CODE_SIDE, CODE_SIDE), Image.Resampling.LANCZOS)
    left = WIDTH - 40 - CODE_SIDE
    poster.paste((255, 255, 255, 255), (left, 995, left + CODE_SIDE, 995 + CODE_SIDE))
    poster.alpha_composite(code, (left, 995))
    draw.text(
        (left + CODE_SIDE // 2, 1188), content.caption, fill=GREY, font=_font(20), anchor="mb"
    )
    out = io.BytesIO()
    poster.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def qr_png(text: str, side: int = 430) -> bytes:
    """A plain QR code of ``text`` (the H5 link), PNG, ``side`` px square, quiet zone included."""
    import qrcode
    from PIL import Image, ImageDraw

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    scale = max(side // len(matrix), 1)
    offset = (side - len(matrix) * scale) // 2
    image = Image.new("RGB", (side, side), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = offset + x * scale, offset + y * scale
                draw.rectangle((left, top, left + scale - 1, top + scale - 1), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
