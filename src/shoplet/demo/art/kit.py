"""The drawing kit of the demo art: a supersampled pen that draws in a unit box, soft shading,
the studio background, the floor shadow and colour helpers. One visual style for every product:
a soft studio gradient, the product centred with gentle top-left light, a soft floor shadow."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
Point = tuple[float, float]


class Mask(NamedTuple):
    """An L mask of a shape's bounding box, placed at (x, y) of the pen's image."""

    image: Image.Image
    x: int
    y: int


SS = 2  # supersampling factor: draw at SS×, downsample with a box filter

WHITE: RGB = (250, 250, 248)
INK: RGB = (40, 42, 50)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def lighter(c: RGB, t: float) -> RGB:
    return mix(c, (255, 255, 255), t)


def darker(c: RGB, t: float) -> RGB:
    return mix(c, (0, 0, 0), t)


def luminance(c: RGB) -> float:
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255


@cache
def _ramp(direction: str) -> Image.Image:
    """A 256² L ramp, 0 where the light is (top-left), 255 in the shade."""
    if direction == "r":  # radial, light spot up-left
        base = Image.radial_gradient("L").resize((512, 512))
        return base.crop((90, 90, 90 + 360, 90 + 360)).resize((256, 256))
    g = Image.linear_gradient("L")
    if direction == "h":
        return g.rotate(90, expand=False).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if direction == "d":
        h = g.rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return Image.blend(g, h, 0.5)
    if direction == "c":  # cylinder: light a third in, darker at both edges
        row = [min(255, int(abs(x - 90) * (1.6 if x > 90 else 2.4))) for x in range(256)]
        strip = Image.new("L", (256, 1))
        strip.putdata(row)
        return strip.resize((256, 256))
    return g  # "v": light on top


class Pen:
    """Draws in a unit box: (0, 0) top-left, (1, 1) bottom-right of a square ``size`` px frame
    (drawn at ``SS``×). ``zoom``/``focus`` magnify around a point (close-ups); ``flip`` mirrors."""

    def __init__(
        self,
        width: int,
        height: int | None = None,
        *,
        zoom: float = 1.0,
        focus: Point = (0.5, 0.5),
        ss: int = SS,
    ) -> None:
        height = height or width
        self.ss = ss
        self.w, self.h = width * ss, height * ss
        self.image = Image.new("RGBA", (self.w, self.h), (0, 0, 0, 0))
        self.scale = min(self.w, self.h) * zoom
        self.ox = self.w / 2 - focus[0] * self.scale
        self.oy = self.h / 2 - focus[1] * self.scale

    # coordinates -------------------------------------------------------------------------
    def p(self, x: float, y: float) -> Point:
        return (self.ox + x * self.scale, self.oy + y * self.scale)

    def pts(self, points: Sequence[Point]) -> list[Point]:
        return [self.p(x, y) for x, y in points]

    def px(self, v: float) -> float:
        return v * self.scale

    # masks -------------------------------------------------------------------------------
    def _local(self, xs: Sequence[float], ys: Sequence[float], pad: float = 2) -> Mask:
        x0 = max(0, int(min(xs) - pad))
        y0 = max(0, int(min(ys) - pad))
        x1 = min(self.w, int(max(xs) + pad) + 1)
        y1 = min(self.h, int(max(ys) + pad) + 1)
        return Mask(Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0), x0, y0)

    def mask_poly(self, points: Sequence[Point]) -> Mask:
        pts = self.pts(points)
        m = self._local([p[0] for p in pts], [p[1] for p in pts])
        ImageDraw.Draw(m.image).polygon([(x - m.x, y - m.y) for x, y in pts], fill=255)
        return m

    def mask_rrect(self, x0: float, y0: float, x1: float, y1: float, r: float) -> Mask:
        (a, b), (c, e) = self.p(x0, y0), self.p(x1, y1)
        m = self._local((a, c), (b, e))
        ImageDraw.Draw(m.image).rounded_rectangle(
            (a - m.x, b - m.y, max(c, a + 1) - m.x, max(e, b + 1) - m.y),
            radius=self.px(r),
            fill=255,
        )
        return m

    def mask_ellipse(self, x0: float, y0: float, x1: float, y1: float) -> Mask:
        (a, b), (c, e) = self.p(x0, y0), self.p(x1, y1)
        m = self._local((a, c), (b, e))
        ImageDraw.Draw(m.image).ellipse(
            (a - m.x, b - m.y, max(c, a + 1) - m.x, max(e, b + 1) - m.y), fill=255
        )
        return m

    def mask_line(self, points: Sequence[Point], width: float) -> Mask:
        pts = self.pts(points)
        wpx = max(1, round(self.px(width)))
        m = self._local([p[0] for p in pts], [p[1] for p in pts], pad=wpx)
        ImageDraw.Draw(m.image).line(
            [(x - m.x, y - m.y) for x, y in pts], fill=255, width=wpx, joint="curve"
        )
        return m

    # fills -------------------------------------------------------------------------------
    def fill(
        self,
        mask: Mask,
        color: RGB,
        *,
        shade: float = 0.0,
        ramp: str = "d",
        alpha: int = 255,
        flip: bool = False,
    ) -> None:
        """Fill ``mask`` with ``color``, lit from the top-left: ``shade`` of light to dark."""
        box = mask.image.getbbox()
        if box is None:
            return
        size = (box[2] - box[0], box[3] - box[1])
        part = mask.image.crop(box)
        if alpha < 255:
            part = part.point(lambda v: v * alpha // 255)
        if shade > 0:
            light, dark = lighter(color, shade * 0.9), darker(color, shade)
            grad = _ramp(ramp)
            if flip:
                grad = grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            at = (mask.x + box[0], mask.y + box[1])
            area = (*at, at[0] + size[0], at[1] + size[1])
            if alpha < 255:
                tone = Image.new("RGBA", size, (*light, 0))
                tone.paste((*dark, 0), (0, 0, *size), grad.resize(size, Image.Resampling.BILINEAR))
                tone.putalpha(part)
                self.image.alpha_composite(tone, at)
                return
            self.image.paste((*light, 255), area, part)
            shadow = ImageChops.multiply(part, grad.resize(size, Image.Resampling.BILINEAR))
            self.image.paste((*dark, 255), area, shadow)
            return
        at = (mask.x + box[0], mask.y + box[1])
        if alpha < 255:
            tone = Image.new("RGBA", size, (*color, 0))
            tone.putalpha(part)
            self.image.alpha_composite(tone, at)
        else:
            self.image.paste((*color, 255), (*at, at[0] + size[0], at[1] + size[1]), part)

    def poly(self, points: Sequence[Point], color: RGB, **kw: Any) -> Mask:
        mask = self.mask_poly(points)
        self.fill(mask, color, **kw)
        return mask

    def rrect(
        self, x0: float, y0: float, x1: float, y1: float, r: float, color: RGB, **kw: Any
    ) -> Mask:
        mask = self.mask_rrect(x0, y0, x1, y1, r)
        self.fill(mask, color, **kw)
        return mask

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, color: RGB, **kw: Any) -> Mask:
        mask = self.mask_ellipse(x0, y0, x1, y1)
        self.fill(mask, color, **kw)
        return mask

    def circle(self, cx: float, cy: float, r: float, color: RGB, **kw: Any) -> Mask:
        return self.ellipse(cx - r, cy - r, cx + r, cy + r, color, **kw)

    def line(self, points: Sequence[Point], width: float, color: RGB, *, alpha: int = 255) -> None:
        if alpha < 255:
            self.fill(self.mask_line(points, width), color, shade=0, alpha=alpha)
            return
        ImageDraw.Draw(self.image).line(
            self.pts(points),
            fill=(*color, 255),
            width=max(1, round(self.px(width))),
            joint="curve",
        )

    def clip(self, mask: Mask, draw: Callable[[Pen], object]) -> None:
        """Draw with ``draw`` on a layer that only shows inside ``mask`` (patterns, prints)."""
        layer = Pen.__new__(Pen)
        layer.__dict__.update(self.__dict__)
        layer.image = Image.new("RGBA", (self.w, self.h), (0, 0, 0, 0))
        draw(layer)
        # only the mask's box can show: crop there before masking (far less to composite)
        box = (mask.x, mask.y, mask.x + mask.image.width, mask.y + mask.image.height)
        part = layer.image.crop(box)
        part.putalpha(ImageChops.multiply(part.getchannel("A"), mask.image))
        self.image.alpha_composite(part, box[:2])

    def glow(
        self, x0: float, y0: float, x1: float, y1: float, *, alpha: int = 90, blur: float = 0.02
    ) -> None:
        """A soft white highlight (gloss) over the ellipse ``x0,y0,x1,y1``, only where something
        is drawn already."""
        (a, b), (c, e) = self.p(x0, y0), self.p(x1, y1)
        pad = int(self.px(blur) * 3) + 2
        bx0, by0 = max(0, int(min(a, c)) - pad), max(0, int(min(b, e)) - pad)
        bx1, by1 = min(self.w, int(max(a, c)) + pad), min(self.h, int(max(b, e)) + pad)
        if bx1 <= bx0 or by1 <= by0:
            return
        size = (bx1 - bx0, by1 - by0)
        q = 4  # blur a quarter-size mask, then scale it up: the same softness, far cheaper
        small = Image.new("L", (max(1, size[0] // q), max(1, size[1] // q)), 0)
        ImageDraw.Draw(small).ellipse(
            (
                (min(a, c) - bx0) / q,
                (min(b, e) - by0) / q,
                (max(a, c) - bx0) / q,
                (max(b, e) - by0) / q,
            ),
            fill=alpha,
        )
        small = small.filter(ImageFilter.GaussianBlur(self.px(blur) / q))
        mask = small.resize(size, Image.Resampling.BILINEAR)
        under = self.image.crop((bx0, by0, bx1, by1)).getchannel("A")
        white = Image.new("RGBA", size, (255, 255, 255, 0))
        white.putalpha(ImageChops.multiply(mask, under))
        self.image.alpha_composite(white, (bx0, by0))

    def result(self, light: float = 0.16) -> Image.Image:
        """The drawing at its nominal size (box-filtered down from ``SS``×), with the studio's
        light: brighter top-left, ``light`` darker bottom-right."""
        image = self.image.reduce(self.ss) if self.ss > 1 else self.image
        if light > 0:
            shadow = _light(image.size, round(255 * light))
            alpha = image.getchannel("A")
            dark = Image.new("RGBA", image.size, (20, 18, 30, 0))
            dark.putalpha(ImageChops.multiply(shadow, alpha))
            image.alpha_composite(dark)
            image.putalpha(alpha)
        return image


@cache
def _light(size: tuple[int, int], strength: int) -> Image.Image:
    return _ramp("d").resize(size).point(lambda v: v * strength // 255)


# Shapes ------------------------------------------------------------------------------------
def arc_points(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 24
) -> list[Point]:
    """Points on an ellipse arc, angles in degrees (0 = right, 90 = down)."""
    out = []
    for i in range(steps + 1):
        a = math.radians(start + (end - start) * i / steps)
        out.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return out


def bezier(points: Sequence[Point], steps: int = 16) -> list[Point]:
    """A smooth curve through control points (de Casteljau on the whole list)."""
    out = []
    for i in range(steps + 1):
        t = i / steps
        work = list(points)
        while len(work) > 1:
            work = [
                (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                for a, b in itertools.pairwise(work)
            ]
        out.append(work[0])
    return out


def mirror(points: Sequence[Point], axis: float = 0.5) -> list[Point]:
    """``points`` (left half, top to bottom) joined with their mirror image: a symmetric outline."""
    right = [(2 * axis - x, y) for x, y in reversed(points)]
    return [*points, *right]


# Studio -------------------------------------------------------------------------------------
@cache
def _studio_fields(width: int, height: int) -> tuple[Image.Image, Image.Image]:
    """The backdrop's two L fields: top-to-bottom, and the glow behind the product."""
    ramp = Image.linear_gradient("L").resize((width, height))
    glow = Image.radial_gradient("L").resize((width, int(height * 0.9)))
    glow = glow.point(lambda v: max(0, 255 - v) * 0.55)
    layer = Image.new("L", (width, height), 0)
    layer.paste(glow, (0, int(height * 0.02)))
    return ramp, layer


@cache
def studio(width: int, height: int, tint: RGB) -> Image.Image:
    """The studio backdrop: a soft vertical gradient of ``tint`` with a glow behind the product
    and a slightly darker floor."""
    top = lighter(tint, 0.55)
    bottom = darker(tint, 0.04)
    ramp, glow = _studio_fields(width, height)
    image = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), ramp
    )
    return Image.composite(Image.new("RGB", (width, height), lighter(tint, 0.8)), image, glow)


@cache
def floor_shadow(width: int, height: int, strength: int = 70) -> Image.Image:
    """A soft elliptical floor shadow (an L mask of ``width``×``height`` plus blur margins)."""
    pad = max(4, height)
    mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    ImageDraw.Draw(mask).ellipse((pad, pad, pad + width, pad + height), fill=strength)
    return mask.filter(ImageFilter.GaussianBlur(height * 0.45))


def place(
    background: Image.Image,
    sprite: Image.Image,
    *,
    center: Point = (0.5, 0.5),
    shadow: bool = True,
) -> Image.Image:
    """Paste ``sprite`` (RGBA, its own size) centred at ``center`` (fractions of the background),
    with a soft floor shadow under its lowest opaque row."""
    out = background.convert("RGB") if background.mode != "RGB" else background.copy()
    box = sprite.getchannel("A").getbbox()
    if box is None:
        return out
    x = round(center[0] * out.width - sprite.width / 2)
    y = round(center[1] * out.height - sprite.height / 2)
    if shadow:
        w = max(8, int((box[2] - box[0]) * 0.92))
        h = max(4, int(w * 0.09))
        mask = floor_shadow(w, h)
        sx = x + (box[0] + box[2]) // 2 - mask.width // 2
        sy = y + box[3] - mask.height // 2 - h // 5
        out.paste((60, 56, 64), (sx, sy, sx + mask.width, sy + mask.height), mask)
    out.paste(sprite, (x, y), sprite)
    return out
