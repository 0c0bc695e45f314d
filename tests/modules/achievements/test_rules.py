"""Pure parts of achievements: which thresholds a figure reaches, progress, the mascot's
messages with their defaults, and the drawn badges and figures (well-formed SVG, a PNG of the
same shapes)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from shoplet.modules.achievements import badges, rules
from shoplet.modules.achievements.models import BADGE_ICONS, MASCOT_FIGURES, RULE_KINDS

SVG = "{http://www.w3.org/2000/svg}"


def test_reached_lists_the_thresholds_a_figure_meets() -> None:
    assert rules.reached([(1, 1), (2, 10), (3, 5)], 5) == [1, 3]
    assert rules.reached([(1, 1)], 0) == []


@given(st.integers(-5, 200), st.integers(1, 100))
def test_progress_stays_between_zero_and_the_threshold(value: int, threshold: int) -> None:
    shown = rules.progress(value, threshold)
    assert 0 <= shown <= threshold
    assert shown == min(max(value, 0), threshold)


def test_empty_or_missing_messages_fall_back_to_the_defaults() -> None:
    merged = rules.messages_with_defaults({"unlock": "厉害", "empty_cart": "  ", "other": "x"})
    assert merged["unlock"] == "厉害"
    assert merged["empty_cart"] == rules.DEFAULT_MESSAGES["empty_cart"]
    assert set(merged) == set(rules.OCCASIONS)


def test_the_builtins_use_known_kinds_icons_and_colours() -> None:
    codes = [b.code for b in rules.BUILTINS]
    assert len(codes) == len(set(codes))
    for b in rules.BUILTINS:
        assert b.rule_kind in RULE_KINDS
        assert b.badge_icon in BADGE_ICONS
        assert badges.COLOR_RE.match(b.badge_color)
        assert b.threshold >= 1
        assert b.points >= 0


def test_every_badge_and_figure_is_well_formed_svg() -> None:
    for icon in BADGE_ICONS:
        for locked in (False, True):
            svg = badges.badge_svg(icon, "#1565C0", locked=locked, title="徽章<&>")
            root = ET.fromstring(svg)  # noqa: S314 (our own output)
            assert root.tag == f"{SVG}svg"
            assert root.find(f"{SVG}title").text == "徽章<&>"  # type: ignore[union-attr]
            fills = {e.get("fill") for e in root.iter() if e.get("fill")}
            assert ("#BDBDBD" in fills) is locked
            assert ("#1565C0" in fills) is not locked
    for figure in MASCOT_FIGURES:
        root = ET.fromstring(badges.mascot_svg(figure, "#F57C00", title="小铺"))  # noqa: S314
        assert "#F57C00" in {e.get("fill") for e in root.iter()}


def test_the_badge_png_is_drawn_from_the_same_shapes() -> None:
    image = Image.open(io.BytesIO(badges.badge_png("bag", "#E4393C", side=240)))
    assert image.size == (240, 240)
    rgba = image.convert("RGBA")
    assert rgba.getpixel((120, 12))[:3] == (255, 213, 79)  # the gold ring
    assert rgba.getpixel((120, 40))[:3] == (228, 57, 60)  # the colour
    assert rgba.getpixel((0, 0))[3] == 0  # transparent corners
    assert rgba.getpixel((120, 150))[:3] == (255, 255, 255)  # the bag's body
