"""Pure pricing: lines, discounts and shipping rules in, an exact breakdown in fen out.

No I/O and no clock: the same inputs always give the same breakdown, so a preview, the order and
a re-check after payment agree to the fen. Invariants (property-tested):

- ``payable_total == items_total - discount_total + shipping_fee`` and nothing is negative;
- ``line_discounts`` sum to ``discount_total`` and never exceed their line's total;
- discounts are applied in the order given, each capped at what its lines have left, and split
  over those lines in proportion to what is left (``core.money.split_proportionally``);
- free shipping compares the items total *after* discounts with ``free_threshold``; otherwise
  the fee of the longest ``region_fees`` prefix of the address's region code, else ``flat_fee``;
- a shipping reduction (a free-shipping coupon) waives ``min(shipping_discount, fee)``:
  ``shipping_fee`` is what is left to pay and ``shipping_discount`` what was waived, so
  ``shipping_fee + shipping_discount`` is the fee the rules ask for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shoplet.core.money import split_proportionally

DEFAULT_FLAT_FEE = 800
DEFAULT_FREE_THRESHOLD = 9900


@dataclass(frozen=True, slots=True)
class PricingLine:
    sku_id: int
    unit_price: int
    quantity: int
    weight_grams: int = 0


@dataclass(frozen=True, slots=True)
class ShippingRules:
    """``region_fees`` maps a region-code prefix ("65" 新疆, "5401" 拉萨) to the fee that
    replaces ``flat_fee`` there; the longest matching prefix wins. ``free_threshold`` None:
    never free."""

    flat_fee: int = DEFAULT_FLAT_FEE
    free_threshold: int | None = DEFAULT_FREE_THRESHOLD
    region_fees: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Discount:
    """A reduction from a coupon or promotion. ``sku_ids`` None: the whole order; otherwise
    only those lines. ``amount`` is what the source offers; the breakdown may apply less."""

    source: str
    code: str
    amount: int
    sku_ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class PriceBreakdown:
    items_total: int
    shipping_fee: int
    discount_total: int
    payable_total: int
    line_totals: Mapping[int, int]
    line_discounts: Mapping[int, int]
    # Each discount as applied (same order as given): ``amount`` is what it actually took off.
    applied_discounts: tuple[Discount, ...] = ()
    # Fen of the shipping fee waived (already taken out of ``shipping_fee``).
    shipping_discount: int = 0


def shipping_fee(
    items_after_discounts: int, *, region_code: str | None, rules: ShippingRules
) -> int:
    """The fee for an order whose items cost ``items_after_discounts`` (see module docstring)."""
    if rules.free_threshold is not None and items_after_discounts >= rules.free_threshold:
        return 0
    if region_code:
        best: tuple[int, int] | None = None  # (prefix length, fee)
        for prefix, fee in rules.region_fees.items():
            if region_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), fee)
        if best is not None:
            return best[1]
    return rules.flat_fee


def _check_inputs(
    lines: Sequence[PricingLine], shipping: ShippingRules, discounts: Sequence[Discount]
) -> None:
    seen: set[int] = set()
    for line in lines:
        if line.sku_id in seen:
            raise ValueError(f"SKU {line.sku_id} appears on two lines")
        seen.add(line.sku_id)
        if line.quantity < 1 or line.unit_price < 0 or line.weight_grams < 0:
            raise ValueError(f"SKU {line.sku_id}: quantity >= 1, price and weight >= 0")
    if shipping.flat_fee < 0 or any(fee < 0 for fee in shipping.region_fees.values()):
        raise ValueError("shipping fees must be non-negative")
    if shipping.free_threshold is not None and shipping.free_threshold < 0:
        raise ValueError("free_threshold must be non-negative")
    for discount in discounts:
        if discount.amount < 0:
            raise ValueError(f"discount {discount.source}:{discount.code} is negative")


def price(
    lines: Sequence[PricingLine],
    *,
    region_code: str | None,
    shipping: ShippingRules,
    discounts: Sequence[Discount] = (),
    shipping_discount: int = 0,
) -> PriceBreakdown:
    """Price ``lines`` (one per SKU). Raises ``ValueError`` for impossible inputs (negative
    amounts, zero quantities, a SKU twice): callers validate requests before pricing."""
    _check_inputs(lines, shipping, discounts)
    if shipping_discount < 0:
        raise ValueError("shipping_discount must be non-negative")
    line_totals = {line.sku_id: line.unit_price * line.quantity for line in lines}
    line_discounts = dict.fromkeys(line_totals, 0)
    applied: list[Discount] = []
    for discount in discounts:
        eligible = [
            sku_id
            for sku_id in line_totals
            if discount.sku_ids is None or sku_id in discount.sku_ids
        ]
        room = [line_totals[sku_id] - line_discounts[sku_id] for sku_id in eligible]
        amount = min(discount.amount, sum(room))
        # Parts are proportional to each line's room and, since amount <= sum(room), never
        # exceed it (largest remainder adds at most the fen that floor() dropped).
        for sku_id, part in zip(eligible, split_proportionally(amount, room), strict=True):
            line_discounts[sku_id] += part
        applied.append(
            Discount(
                source=discount.source, code=discount.code, amount=amount, sku_ids=discount.sku_ids
            )
        )
    items_total = sum(line_totals.values())
    discount_total = sum(line_discounts.values())
    fee = (
        shipping_fee(items_total - discount_total, region_code=region_code, rules=shipping)
        if lines
        else 0
    )
    waived = min(shipping_discount, fee)
    return PriceBreakdown(
        items_total=items_total,
        shipping_fee=fee - waived,
        discount_total=discount_total,
        payable_total=items_total - discount_total + fee - waived,
        line_totals=line_totals,
        line_discounts=line_discounts,
        applied_discounts=tuple(applied),
        shipping_discount=waived,
    )
