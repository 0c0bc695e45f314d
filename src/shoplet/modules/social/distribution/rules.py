"""Pure rules of distribution (no database): which rate applies to a line, a commission's
amount, how refunds spread over an order's lines, how much of a commission a refund reverses.
One rounding rule throughout: ``core.money`` (half up; proportional splits by largest
remainder), so a line refunded in full reverses its commissions exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shoplet.core.money import percent_of, split_proportionally


@dataclass(frozen=True, slots=True)
class Rates:
    level1_bps: int
    level2_bps: int

    def of(self, level: int) -> int:
        return self.level1_bps if level == 1 else self.level2_bps


def rate_for(
    *,
    product_id: int,
    category_id: int | None,
    default: Rates,
    by_product: Mapping[int, Rates],
    by_category: Mapping[int, Rates],
) -> Rates:
    """A product's own rates win over its category's, which win over the shop's defaults."""
    if product_id in by_product:
        return by_product[product_id]
    if category_id is not None and category_id in by_category:
        return by_category[category_id]
    return default


def commission_amount(line_payable: int, bps: int) -> int:
    """What the line earns at ``bps`` (fen, half up)."""
    return percent_of(line_payable, bps)


@dataclass(frozen=True, slots=True)
class LineFacts:
    sku_id: int
    quantity: int
    payable: int


@dataclass(frozen=True, slots=True)
class RefundFacts:
    amount: int
    # (sku_id, quantity) returned; empty for a refund without return (spread over every line)
    items: Sequence[tuple[int, int]]


def refunded_per_line(lines: Sequence[LineFacts], refunds: Sequence[RefundFacts]) -> dict[int, int]:
    """Fen refunded per SKU line, each capped at what the line was paid. A return spreads its
    amount over the returned units' share of their lines; a refund without return over every
    line by what it was paid (shipping refunded with the last return is capped away)."""
    by_sku = {line.sku_id: line for line in lines}
    out = {line.sku_id: 0 for line in lines}
    for refund in refunds:
        if refund.items:
            targets = [(sku, qty) for sku, qty in refund.items if sku in by_sku]
            weights = [
                by_sku[sku].payable * qty // max(by_sku[sku].quantity, 1) for sku, qty in targets
            ]
            skus = [sku for sku, _ in targets]
        else:
            skus = [line.sku_id for line in lines]
            weights = [line.payable for line in lines]
        if not skus:
            continue
        for sku, part in zip(skus, split_proportionally(refund.amount, weights), strict=True):
            out[sku] += part
    return {sku: min(total, by_sku[sku].payable) for sku, total in out.items()}


def reversal_target(amount: int, line_payable: int, line_refunded: int) -> int:
    """How much of a commission of ``amount`` is reversed once ``line_refunded`` of the line's
    ``line_payable`` went back (half up; all of it when the line is refunded in full)."""
    if line_payable <= 0 or line_refunded >= line_payable:
        return amount
    return (2 * amount * line_refunded + line_payable) // (2 * line_payable)
