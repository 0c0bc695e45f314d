"""Demo 3D models: a few products get a GLB built from boxes and cylinders (metres, Y up), one
flat colour per part, so the storefront's 3D 看看 has something to show. Deterministic (no
randomness, no downloads) and small (a few hundred triangles each); ``seed_catalog`` stores
them through the catalog, which draws their 360° sprites at once.
"""

from __future__ import annotations

from collections.abc import Callable

from shoplet.modules.catalog import public as catalog

RGBA = tuple[float, float, float, float]
KHAKI: RGBA = (0.76, 0.66, 0.47, 1.0)
ALUMINIUM: RGBA = (0.62, 0.64, 0.66, 1.0)
DARK: RGBA = (0.16, 0.17, 0.18, 1.0)
OLIVE: RGBA = (0.33, 0.4, 0.22, 1.0)
STEEL: RGBA = (0.78, 0.79, 0.8, 1.0)
GREY_BLUE: RGBA = (0.55, 0.62, 0.7, 1.0)
WHITE: RGBA = (0.93, 0.93, 0.9, 1.0)


def moon_chair() -> list[catalog.Part]:
    """折叠月亮椅: four splayed aluminium legs, a deep fabric seat and a tall back."""
    parts = [
        catalog.box("seat", (0, 0.36, 0.02), (0.5, 0.06, 0.46), KHAKI),
        catalog.box("seat-rim", (0, 0.4, 0.24), (0.52, 0.05, 0.04), KHAKI),
        catalog.box("back", (0, 0.68, -0.22), (0.5, 0.6, 0.05), KHAKI),
        catalog.cylinder("back-bar", (-0.26, 0.97, -0.22), (0.26, 0.97, -0.22), 0.015, ALUMINIUM),
    ]
    for x in (-0.24, 0.24):
        for z in (-0.2, 0.22):
            foot = (x * 1.25, 0.0, z * 1.3)
            parts.append(catalog.cylinder("leg", foot, (x, 0.36, z), 0.014, ALUMINIUM))
            parts.append(catalog.box("foot", foot, (0.05, 0.02, 0.05), DARK))
    return parts


def vacuum_flask() -> list[catalog.Part]:
    """户外保温杯: a steel body, a shoulder, an olive lid with a carrying loop."""
    return [
        catalog.cylinder("body", (0, 0, 0), (0, 0.2, 0), 0.045, OLIVE, segments=32),
        catalog.cylinder(
            "shoulder", (0, 0.2, 0), (0, 0.23, 0), 0.045, STEEL, segments=32, top_radius=0.036
        ),
        catalog.cylinder("lid", (0, 0.23, 0), (0, 0.27, 0), 0.037, DARK, segments=32),
        catalog.box("loop", (0, 0.285, 0), (0.05, 0.03, 0.012), DARK),
        catalog.cylinder("base", (0, -0.004, 0), (0, 0.006, 0), 0.046, DARK, segments=32),
    ]


def storage_box() -> list[catalog.Part]:
    """可折叠收纳箱: an open fabric box with a lid leaning on it and two handles."""
    width, depth, height, wall = 0.5, 0.36, 0.3, 0.012
    return [
        catalog.box("bottom", (0, wall / 2, 0), (width, wall, depth), GREY_BLUE),
        catalog.box("front", (0, height / 2, depth / 2), (width, height, wall), GREY_BLUE),
        catalog.box("back", (0, height / 2, -depth / 2), (width, height, wall), GREY_BLUE),
        catalog.box("left", (-width / 2, height / 2, 0), (wall, height, depth), GREY_BLUE),
        catalog.box("right", (width / 2, height / 2, 0), (wall, height, depth), GREY_BLUE),
        catalog.box("lid", (0, height + 0.01, -0.02), (width + 0.02, 0.02, depth + 0.02), WHITE),
        catalog.box("handle-l", (-width / 2 - 0.01, height * 0.75, 0), (0.01, 0.03, 0.1), WHITE),
        catalog.box("handle-r", (width / 2 + 0.01, height * 0.75, 0), (0.01, 0.03, 0.1), WHITE),
    ]


# The demo product (its art key, ``DemoProduct.short``) -> how its model is built.
DEMO_MODELS: dict[str, Callable[[], list[catalog.Part]]] = {
    "月亮椅": moon_chair,
    "保温杯": vacuum_flask,
    "收纳箱": storage_box,
}


def demo_glb(short: str) -> bytes:
    return catalog.build_glb(DEMO_MODELS[short]())
