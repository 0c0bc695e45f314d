"""Distribution's pure rules: rate precedence, one rounding rule, refunds spread over lines and
reversals that add up exactly (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.social.distribution.rules import (
    LineFacts,
    Rates,
    RefundFacts,
    commission_amount,
    rate_for,
    refunded_per_line,
    reversal_target,
)

DEFAULT = Rates(1000, 500)


def test_a_products_rate_wins_over_its_categorys_over_the_default() -> None:
    by_product = {7: Rates(2000, 0)}
    by_category = {3: Rates(1500, 300)}
    pick = {"default": DEFAULT, "by_product": by_product, "by_category": by_category}
    assert rate_for(product_id=7, category_id=3, **pick) == Rates(2000, 0)  # type: ignore[arg-type]
    assert rate_for(product_id=8, category_id=3, **pick) == Rates(1500, 300)  # type: ignore[arg-type]
    assert rate_for(product_id=8, category_id=None, **pick) == DEFAULT  # type: ignore[arg-type]


def test_amounts_round_half_up_in_fen() -> None:
    assert commission_amount(11800, 1000) == 1180
    assert commission_amount(1995, 1000) == 200  # 199.5 -> 200
    assert commission_amount(1994, 1000) == 199


def test_a_return_lands_on_its_line_and_a_refund_without_return_on_every_line() -> None:
    lines = [LineFacts(1, 2, 11800), LineFacts(2, 1, 3000)]
    assert refunded_per_line(lines, [RefundFacts(5900, [(1, 1)])]) == {1: 5900, 2: 0}
    assert refunded_per_line(lines, [RefundFacts(7400, [])]) == {1: 5900, 2: 1500}
    # Shipping refunded with everything is capped at what each line was paid.
    assert refunded_per_line(lines, [RefundFacts(15800, [])]) == {1: 11800, 2: 3000}


@given(
    amount=st.integers(0, 10**7),
    payable=st.integers(1, 10**8),
    cuts=st.lists(st.integers(0, 10**8), max_size=6),
)
def test_reversals_only_grow_and_end_exactly_at_the_commission(
    amount: int, payable: int, cuts: list[int]
) -> None:
    refunded = 0
    reversed_so_far = 0
    for cut in cuts:
        refunded = min(payable, refunded + cut)
        target = reversal_target(amount, payable, refunded)
        assert reversed_so_far <= target <= amount
        reversed_so_far = target
    assert reversal_target(amount, payable, payable) == amount
