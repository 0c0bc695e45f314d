"""What a product's art is made of: a drawing function per view, the studio tint, where the
close-up looks, the scene it is shown in; and the colour of every SKU value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shoplet.demo.art.kit import RGB, Pen, Point

# draw(pen, colour, view): view is "hero" (the main shot) or "alt" (back / other side / angle).
Drawer = Callable[[Pen, RGB, str], None]


@dataclass(frozen=True)
class ProductArt:
    draw: Drawer
    tint: RGB  # the studio backdrop
    color: RGB  # the product's colour when it has no colour SKUs
    focus: Point = (0.5, 0.5)  # where the close-up looks (unit box)
    zoom: float = 2.3
    scene: str = "desk"  # desk | kitchen | vanity | outdoor | bedroom | nursery | shelf
    alt_turn: float = 0.0  # degrees the "alt" shot is tilted


# Colours of the SKU values of the demo catalog (颜色, 色号, 口味).
COLORS: dict[str, RGB] = {
    "雅川青": (92, 138, 122),
    "雅丹黑": (44, 44, 48),
    "白沙银": (214, 212, 206),
    "黑色": (42, 43, 48),
    "白色": (238, 238, 234),
    "岩石青": (104, 140, 138),
    "蓝色": (150, 178, 206),
    "粉色": (238, 184, 196),
    "月光宝石": (140, 178, 206),
    "曜石黑": (36, 38, 44),
    "星辰黑": (38, 40, 48),
    "鸣沙金": (214, 184, 130),
    "暗夜骑士": (30, 30, 36),
    "氘锋透明": (170, 178, 190),
    "洛可可白": (240, 234, 226),
    "芋紫": (184, 160, 206),
    "雅黑": (40, 40, 44),
    "薄翼黑": (46, 46, 52),
    "轻羽白": (240, 240, 236),
    "深蓝": (44, 66, 110),
    "浅蓝": (124, 158, 196),
    "藏青": (38, 52, 88),
    "蓝底碎花": (58, 92, 160),
    "白底碎花": (244, 240, 232),
    "燕麦色": (216, 198, 168),
    "燕麦白": (232, 224, 206),
    "雾霾蓝": (142, 164, 186),
    "卡其": (190, 162, 116),
    "荧光绿": (176, 226, 60),
    "灰粉": (214, 170, 172),
    "标准白": (242, 242, 240),
    "荧光黄": (226, 240, 70),
    "白粉": (246, 214, 220),
    "纯白": (244, 244, 242),
    "M01 烂番茄": (196, 70, 52),
    "M03 枫叶红": (170, 36, 40),
    "M07 豆沙色": (184, 112, 110),
    "01 自然色": (232, 200, 170),
    "02 象牙白": (244, 228, 206),
    "樱花粉": (240, 168, 186),
    "天空蓝": (112, 176, 226),
    "海洋款": (64, 150, 206),
    "森林款": (96, 160, 84),
    "陶瓷白": (240, 238, 232),
    "星河蓝": (58, 84, 150),
    "铂金银": (200, 200, 204),
    "透明": (220, 228, 234),
    "磨砂黑": (50, 50, 54),
    "远峰蓝": (134, 164, 190),
    "沙色": (206, 182, 142),
    "军绿": (96, 110, 70),
    "橄榄绿": (108, 120, 74),
    "白桃": (246, 190, 180),
    "青瓜": (150, 204, 120),
    "卡曼橘": (246, 170, 60),
    "原味": (196, 120, 72),
    "香辣": (200, 60, 40),
    "蜜汁": (206, 140, 50),
}
COLOR_DIMENSIONS = ("颜色", "色号", "口味")


def color_of(value: str, fallback: RGB) -> RGB:
    return COLORS.get(value, fallback)
