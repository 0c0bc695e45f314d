"""Pure rules of achievements: the built-in definitions, which definitions a figure reaches,
progress, and the mascot's default messages per occasion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

RuleKind = Literal["paid_orders", "approved_reviews", "signin_streak", "group_leader", "posts"]
Occasion = Literal[
    "empty_cart",
    "empty_orders",
    "empty_favorites",
    "no_search_results",
    "unlock",
    "payment_success",
]
OCCASIONS: Final[tuple[Occasion, ...]] = (
    "empty_cart",
    "empty_orders",
    "empty_favorites",
    "no_search_results",
    "unlock",
    "payment_success",
)


@dataclass(frozen=True, slots=True)
class Builtin:
    code: str
    name: str
    description: str
    rule_kind: RuleKind
    threshold: int
    points: int
    badge_icon: str
    badge_color: str


# No points by default: a merchant who wants rewards sets them in 成就 (a reward nobody chose
# would change every shopper's balance).
BUILTINS: Final[tuple[Builtin, ...]] = (
    Builtin("first_order", "首单", "完成第一笔支付订单", "paid_orders", 1, 0, "bag", "#E4393C"),
    Builtin(
        "ten_orders", "购物达人", "累计支付 10 笔订单", "paid_orders", 10, 0, "crown", "#C2185B"
    ),
    Builtin(
        "first_review",
        "初次点评",
        "第一条评价通过审核",
        "approved_reviews",
        1,
        0,
        "star",
        "#F57C00",
    ),
    Builtin(
        "ten_reviews",
        "点评达人",
        "累计 10 条评价通过审核",
        "approved_reviews",
        10,
        0,
        "star",
        "#EF6C00",
    ),
    Builtin("signin_7", "坚持不懈", "连续签到 7 天", "signin_streak", 7, 0, "flame", "#D84315"),
    Builtin("signin_30", "签到之星", "连续签到 30 天", "signin_streak", 30, 0, "flame", "#BF360C"),
    Builtin(
        "group_leader", "拼团团长", "作为团长拼团成功", "group_leader", 1, 0, "team", "#6A1B9A"
    ),
    Builtin("first_post", "种草新人", "第一篇种草笔记公开", "posts", 1, 0, "pen", "#2E7D32"),
    Builtin("five_posts", "种草达人", "累计 5 篇种草笔记公开", "posts", 5, 0, "heart", "#00695C"),
)

DEFAULT_MASCOT_NAME: Final = "小铺"
DEFAULT_MASCOT_FIGURE: Final = "cat"
DEFAULT_MASCOT_COLOR: Final = "#F57C00"
DEFAULT_MESSAGES: Final[dict[Occasion, str]] = {
    "empty_cart": "购物车空空的，去挑几件喜欢的吧～",
    "empty_orders": "还没有订单，逛逛首页的好物吧～",
    "empty_favorites": "还没有收藏，看到喜欢的就点个心吧～",
    "no_search_results": "没找到相关商品，换个词试试吧～",
    "unlock": "太棒了，恭喜你解锁新成就！",
    "payment_success": "支付成功，我们马上为你安排发货！",
}


def reached(thresholds: Iterable[tuple[int, int]], value: int) -> list[int]:
    """The ids among (id, threshold) that ``value`` reaches."""
    return [definition_id for definition_id, threshold in thresholds if value >= threshold]


def progress(value: int, threshold: int) -> int:
    """The figure shown as progress (N of M): never above the threshold, never below 0."""
    return max(0, min(value, threshold))


def messages_with_defaults(stored: dict[str, object]) -> dict[Occasion, str]:
    """The merchant's messages, the defaults where none (or an empty one) is stored."""
    out: dict[Occasion, str] = {}
    for occasion in OCCASIONS:
        text = stored.get(occasion)
        out[occasion] = (
            text if isinstance(text, str) and text.strip() else DEFAULT_MESSAGES[occasion]
        )
    return out
