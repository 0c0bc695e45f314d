"""Draw the mini program tab-bar icons (static/tab/*.png) from the storefront's SVG icon set.

WeChat's tabBar takes PNG files only, so the four tab icons are rasterised from the same sources
the pages use (src/icons/*.svg, drawn in ``currentColor``): grey for a tab at rest, the accent for
the selected one, 81×81 px with a transparent background (WeChat's recommended size). Chromium
(Debian's, through Playwright) does the drawing, so no extra image library is needed.

Run from the repository root after changing an icon, and commit the PNGs::

    /work/main/.venv/bin/python frontends/storefront/scripts/tab_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ICONS = HERE.parent / "src" / "icons"
OUT = HERE.parent / "src" / "static" / "tab"
CHROMIUM = os.environ.get("SHOPLET_CHROMIUM", "/usr/bin/chromium")

# tab file name -> icon name; colours of pages.json's tabBar (color / selectedColor).
TABS = {"home": "home", "category": "category", "cart": "cart", "me": "user"}
REST = "#595959"
SELECTED = "#c81e1e"
SIZE = 81
# The glyph fills 60 of the 81 px: the tab bar's text sits under it.
GLYPH = 60


def page_html(svg: str) -> str:
    return (
        "<!doctype html><html><body style='margin:0;background:transparent'>"
        f"<div id='i' style='width:{SIZE}px;height:{SIZE}px;display:flex;"
        "align-items:center;justify-content:center'>"
        f"<div style='width:{GLYPH}px;height:{GLYPH}px'>{svg}</div></div></body></html>"
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE}, device_scale_factor=1)
        for tab, icon in TABS.items():
            source = (ICONS / f"{icon}.svg").read_text()
            sized = source.replace("<svg ", "<svg width='100%' height='100%' ", 1)
            for suffix, colour in (("", REST), ("-on", SELECTED)):
                page.set_content(page_html(sized.replace("currentColor", colour)))
                target = OUT / f"{tab}{suffix}.png"
                page.locator("#i").screenshot(path=str(target), omit_background=True)
                sys.stdout.write(f"wrote {target.relative_to(HERE.parent)}\n")
        browser.close()


if __name__ == "__main__":
    main()
