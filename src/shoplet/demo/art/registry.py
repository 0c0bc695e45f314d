"""Every demo product's art, by the product's short name, and the products with a 360° spin."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from shoplet.demo.art import (
    apparel,
    baby,
    beauty,
    books,
    food,
    gadgets,
    home,
    outdoor,
    phones,
    spin,
)
from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB

ART: dict[str, ProductArt] = {
    **phones.ART,
    **apparel.ART,
    **beauty.ART,
    **food.ART,
    **home.ART,
    **baby.ART,
    **books.ART,
    **gadgets.ART,
    **outdoor.ART,
}
# short name -> frames(colour, count): the product turning once around, front first
SPINS: dict[str, Callable[[RGB, int], list[Image.Image]]] = spin.SPINS
