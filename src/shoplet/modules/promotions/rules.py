"""Pure coupon rules: what a coupon would take off a cart, or why it cannot be used.

No I/O and no clock (``now`` is passed in): checkout's preview, the order and the tests agree.
A coupon gives an ``Offer``; checkout turns it into a ``checkout.pricing.Discount`` (items) or a
shipping reduction, and pricing applies it, capped at what the lines (or the fee) have left.

- ``threshold`` 满减: the lines in scope total at least ``threshold`` → ``amount`` off them;
- ``discount`` 折扣: those lines pay ``rate_permille``‰ (the saving is rounded down to the fen,
  never in the shop's disfavour by more than one fen), at most ``amount`` off when capped, from
  ``threshold`` on (0: any spend);
- ``no_threshold`` 无门槛: ``amount`` off the lines in scope;
- ``shipping`` 免运费: the shipping fee is waived up to ``amount``, from ``threshold`` on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shoplet.core.money import yuan

BELOW_THRESHOLD = "promotions.below_threshold"
OUT_OF_SCOPE = "promotions.out_of_scope"
EXPIRED = "promotions.coupon_expired"
NOT_STARTED = "promotions.coupon_not_started"
NEW_CUSTOMER_ONLY = "promotions.new_customer_only"
UNAVAILABLE = "promotions.coupon_unavailable"
NO_SHIPPING_FEE = "promotions.no_shipping_fee"


@dataclass(frozen=True, slots=True)
class Rule:
    """A template's offer, as frozen onto a redemption."""

    name: str
    kind: str
    threshold: int
    amount: int | None
    rate_permille: int | None
    scope: str
    scope_ids: tuple[int, ...]
    is_new_customer_only: bool
    # False: never with store-wide promotions (checkout applies the better of the two).
    stackable_with_promotions: bool = True


@dataclass(frozen=True, slots=True)
class CartLine:
    sku_id: int
    product_id: int
    category_id: int | None
    line_total: int


@dataclass(frozen=True, slots=True)
class Offer:
    """What a usable coupon gives: ``amount`` off the ``sku_ids`` lines (None: every line), or
    ``shipping_off`` off the shipping fee."""

    amount: int
    sku_ids: frozenset[int] | None
    shipping_off: int = 0

    @property
    def saving(self) -> int:
        return self.amount + self.shipping_off


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str


def in_scope(rule: Rule, line: CartLine) -> bool:
    if rule.scope == "products":
        return line.product_id in rule.scope_ids
    if rule.scope == "categories":
        return line.category_id is not None and line.category_id in rule.scope_ids
    return True


def evaluate(
    rule: Rule,
    lines: Sequence[CartLine],
    *,
    valid_from: datetime,
    valid_to: datetime,
    state: str,
    now: datetime,
    shipping_fee: int,
    is_new_customer: bool,
) -> Offer | Refusal:
    """The offer of one coupon on ``lines`` (``shipping_fee``: the fee before any coupon), or the
    first reason it cannot be used, in the order a shopper would want to hear them."""
    if state != "unused":
        return Refusal(UNAVAILABLE, "已使用或不可用")
    if now >= valid_to:
        return Refusal(EXPIRED, "已过期")
    if now < valid_from:
        return Refusal(NOT_STARTED, "未到使用时间")
    if rule.is_new_customer_only and not is_new_customer:
        return Refusal(NEW_CUSTOMER_ONLY, "仅限新客首单")
    eligible = [line for line in lines if in_scope(rule, line)]
    if not eligible:
        return Refusal(OUT_OF_SCOPE, "不在使用范围")
    subtotal = sum(line.line_total for line in eligible)
    if subtotal < rule.threshold:
        return Refusal(BELOW_THRESHOLD, f"未达门槛，差¥{yuan(rule.threshold - subtotal)}")
    sku_ids = None if rule.scope == "all" else frozenset(line.sku_id for line in eligible)
    if rule.kind == "shipping":
        if shipping_fee <= 0:
            return Refusal(NO_SHIPPING_FEE, "本单已免运费")
        return Offer(amount=0, sku_ids=None, shipping_off=min(shipping_fee, rule.amount or 0))
    if rule.kind == "discount":
        rate = rule.rate_permille or 1000
        off = subtotal * (1000 - rate) // 1000
        if rule.amount is not None:
            off = min(off, rule.amount)
        return Offer(amount=off, sku_ids=sku_ids)
    # threshold, no_threshold: never more than the lines in scope cost.
    return Offer(amount=min(rule.amount or 0, subtotal), sku_ids=sku_ids)


def best(options: Sequence[tuple[int, datetime, Offer]]) -> int | None:
    """The coupon id to apply automatically among ``(coupon id, valid_to, offer)``: the largest
    saving, then the soonest expiry, then the lowest id; None when nothing saves a fen."""
    ranked = sorted(
        (o for o in options if o[2].saving > 0), key=lambda o: (-o[2].saving, o[1], o[0])
    )
    return ranked[0][0] if ranked else None
