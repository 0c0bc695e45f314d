"""Pure invoicing rules: GB 32100 credit codes, and tax lines that add up exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.invoicing.pdf import capital_yuan
from shoplet.modules.invoicing.tax import (
    CREDIT_CODE_ALPHABET,
    Goods,
    credit_code_check_char,
    is_credit_code,
    negate,
    normalise_tax_id,
    split_tax,
    tax_lines,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q", "91310000MA1FL8KQ3E"])
def test_known_credit_codes_pass(code: str) -> None:
    assert is_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "91350100M0001O0Y43",  # O is not in the alphabet
        "01350100M000100Y43",  # 0 is no registration authority
        "913501A0M000100Y43",  # the division code is digits
        "",
    ],
)
def test_malformed_credit_codes_fail(code: str) -> None:
    assert not is_credit_code(code)


def test_pasted_tax_ids_are_normalised() -> None:
    assert normalise_tax_id(" 9111 0108-5513 8508 2q ") == "91110108551385082Q"


@given(
    st.sampled_from("123456789ANY"),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=1, max_size=1),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
    st.sampled_from(CREDIT_CODE_ALPHABET),
)
def test_exactly_one_check_character_fits(
    authority: str, kind: str, division: str, body: str, other: str
) -> None:
    first17 = authority + kind + division + body
    check = credit_code_check_char(first17)
    assert is_credit_code(first17 + check)
    assert is_credit_code(first17 + other) == (other == check)


def test_tax_is_taken_out_of_a_tax_inclusive_amount() -> None:
    assert split_tax(11300, 1300) == (10000, 1300)
    assert split_tax(100, 1300) == (88, 12)  # 88.50 rounds half up… to 88 (88.495)
    assert split_tax(10600, 600) == (10000, 600)
    assert split_tax(999, 0) == (999, 0)
    assert split_tax(-11300, 1300) == (-10000, -1300)


@given(st.integers(min_value=-(10**10), max_value=10**10), st.integers(0, 1700))
def test_net_and_tax_always_add_up(amount: int, rate: int) -> None:
    net, tax = split_tax(amount, rate)
    assert net + tax == amount
    # The net is the nearest fen to amount / (1 + rate).
    assert abs(net * (10000 + rate) - amount * 10000) * 2 <= 10000 + rate


@given(
    st.integers(0, 10**9),
    st.lists(
        st.tuples(st.integers(0, 10**7), st.sampled_from([0, 300, 600, 900, 1300])),
        min_size=1,
        max_size=20,
    ),
)
def test_lines_sum_exactly_to_the_invoice_total(total: int, parts: list[tuple[int, int]]) -> None:
    goods = [
        Goods(f"商品{i}", "", 1, w, "1090000000000000000", r) for i, (w, r) in enumerate(parts)
    ]
    lines = tax_lines(total, goods)
    assert sum(x.amount for x in lines) == total
    assert all(x.net + x.tax == x.amount and x.amount > 0 for x in lines)
    red = negate(lines)
    assert sum(x.amount for x in red) == -total
    assert sum(x.tax for x in red) == -sum(x.tax for x in lines)


def test_an_order_with_shipping_splits_by_what_was_paid() -> None:
    goods = [
        Goods("T恤", "白/L", 2, 9800, "1090000000000000000", 1300),
        Goods("运输服务*运费", "", 1, 1000, "3040407040000000000", 600),
    ]
    lines = tax_lines(9800, goods)  # ¥108 paid, ¥10 refunded
    assert [(x.amount, x.net, x.tax) for x in lines] == [(8893, 7870, 1023), (907, 856, 51)]


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (22600, "贰佰贰拾陆圆整"),
        (1050, "壹拾圆伍角"),
        (100000005, "壹佰万圆零伍分"),
        (10005000000, "壹亿零伍万圆整"),
        (100500, "壹仟零伍圆整"),
        (0, "零圆整"),
        (-22600, "（负数）贰佰贰拾陆圆整"),
    ],
)
def test_amounts_in_capitals(fen: int, text: str) -> None:
    assert capital_yuan(fen) == text
