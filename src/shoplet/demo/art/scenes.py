"""In-context backdrops, flat vector: a wall, a window's light, a surface to stand on."""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw, ImageFilter

from shoplet.demo.art.kit import RGB, darker, lighter, mix

# scene -> (wall, surface, accent)
SCENES: dict[str, tuple[RGB, RGB, RGB]] = {
    "desk": ((226, 228, 232), (196, 160, 122), (96, 140, 110)),
    "kitchen": ((236, 234, 226), (214, 214, 210), (220, 150, 80)),
    "vanity": ((246, 226, 228), (236, 232, 228), (214, 150, 160)),
    "outdoor": ((200, 226, 240), (120, 168, 96), (236, 230, 200)),
    "bedroom": ((232, 226, 216), (244, 242, 238), (150, 170, 196)),
    "nursery": ((226, 238, 246), (236, 222, 196), (246, 196, 120)),
    "shelf": ((238, 232, 222), (172, 132, 96), (120, 150, 120)),
    "street": ((222, 226, 230), (150, 150, 156), (230, 200, 110)),
}


@cache
def scene(name: str, size: int, tint: RGB) -> Image.Image:
    wall, surface, accent = SCENES[name]
    wall = mix(wall, tint, 0.25)
    image = Image.new("RGB", (size, size), wall)
    d = ImageDraw.Draw(image)
    horizon = int(size * 0.66)
    if name == "outdoor":
        d.rectangle((0, 0, size, horizon), fill=wall)
        for i, (x, y, r) in enumerate(((0.18, 0.2, 0.06), (0.7, 0.14, 0.08), (0.86, 0.3, 0.05))):
            d.ellipse(
                (size * (x - r * 2), size * (y - r), size * (x + r * 2), size * (y + r)),
                fill=lighter(wall, 0.6 + i * 0.05),
            )
        d.polygon(
            [(0, horizon), (size * 0.3, size * 0.5), (size * 0.55, horizon)],
            fill=mix(surface, wall, 0.5),
        )
        d.polygon(
            [(size * 0.4, horizon), (size * 0.75, size * 0.46), (size, horizon)],
            fill=mix(surface, wall, 0.35),
        )
        d.rectangle((0, horizon, size, size), fill=surface)
    else:
        # a window's light on the wall and a plant or lamp at the side
        light = Image.new("L", (size, size), 0)
        ImageDraw.Draw(light).polygon(
            [(size * 0.55, 0), (size * 0.95, 0), (size * 0.8, horizon), (size * 0.4, horizon)],
            fill=70,
        )
        light = light.filter(ImageFilter.GaussianBlur(size * 0.03))
        image.paste(lighter(wall, 0.7), (0, 0), light)
        d = ImageDraw.Draw(image)
        d.rectangle((0, horizon, size, size), fill=surface)
        d.rectangle((0, horizon, size, horizon + size * 0.012), fill=lighter(surface, 0.25))
        edge = darker(surface, 0.12)
        d.rectangle((0, int(size * 0.94), size, size), fill=edge)
        # a potted plant on the left
        px, py = size * 0.12, horizon + size * 0.02
        for angle, length in ((-0.35, 0.2), (0.0, 0.26), (0.35, 0.2), (-0.15, 0.23), (0.2, 0.22)):
            d.ellipse(
                (
                    px + size * angle * 0.25 - size * 0.025,
                    py - size * length,
                    px + size * angle * 0.25 + size * 0.025,
                    py - size * length * 0.45,
                ),
                fill=darker(accent, 0.1 + abs(angle) * 0.3),
            )
        d.rounded_rectangle(
            (px - size * 0.05, py - size * 0.09, px + size * 0.05, py),
            radius=size * 0.012,
            fill=mix(accent, (240, 236, 230), 0.7),
        )
    return image
