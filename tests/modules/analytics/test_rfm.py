"""Pure RFM (no database): both conventions on a hand-computed fixture, quintile scores, the
eight classes, and the CSV's refusals with their line numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.analytics import rfm
from shoplet.modules.analytics.rfm import Transaction, TransactionsInvalid

END = date(2026, 12, 31)

CSV = """customer_id,date,amount
007,2026-12-01,10.00
007,2026-12-01,5.50
007,2026-12-11,20
007,2026-12-21,30.10
b,2026-11-01,100
c,2026-06-01,1
c,2026-07-01,3
late,2027-01-02,99
"""


def test_both_conventions_by_hand() -> None:
    """007: days 12-01 (15.50), 12-11 (20), 12-21 (30.10): frequency 2, recency 20, T 30,
    monetary (2000 + 3010) / 2 = 2505 fen; 4 orders, 6560 fen, 10 days since. b: one day, T
    60. c: frequency 1, recency 30, T 213, monetary 300. "late" is after the end: left out."""
    rows = rfm.parse_transactions(CSV)
    assert rows[0] == Transaction("007", date(2026, 12, 1), 1000)
    by_id = {c.customer_id: c for c in rfm.summarize(rows, END)}
    assert sorted(by_id) == ["007", "b", "c"]
    a, b, c = by_id["007"], by_id["b"], by_id["c"]
    assert (a.frequency, a.recency, a.T, a.monetary_value) == (2, 20, 30, 2505.0)
    assert (a.days_since_last, a.orders, a.spend) == (10, 4, 6560)
    assert (b.frequency, b.recency, b.T, b.monetary_value) == (0, 0, 60, 0.0)
    assert (b.days_since_last, b.orders, b.spend) == (60, 1, 10000)
    assert (c.frequency, c.recency, c.T, c.monetary_value) == (1, 30, 213, 300.0)
    assert (c.days_since_last, c.orders, c.spend) == (183, 2, 400)
    # n = 3, so a score is 1 + 5k // 3 for k customers strictly worse: 1, 2 or 4.
    # R (fewer days better): 007 4, b 2, c 1; F (orders 4, 1, 2): 4, 1, 2; M (6560, 10000,
    # 400 fen): 2, 4, 1. Every mean is 7/3: 007 high R and F, low M; b high M only; c none.
    assert (a.r_score, a.f_score, a.m_score) == (4, 4, 2)
    assert (b.r_score, b.f_score, b.m_score) == (2, 1, 4)
    assert (c.r_score, c.f_score, c.m_score) == (1, 2, 1)
    assert (a.rfm_class, b.rfm_class, c.rfm_class) == (
        "general_value",
        "important_retain",
        "general_retain",
    )


def test_quintiles_give_ties_one_score() -> None:
    assert rfm.quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rfm.quintile_scores([1, 1, 1, 1, 9]) == [1, 1, 1, 1, 5]
    assert rfm.quintile_scores([]) == []


def test_the_eight_classes() -> None:
    assert len(set(rfm.CLASSES.values())) == 8
    assert rfm.CLASS_NAMES["important_retain"] == "重要挽留客户"
    assert rfm.classify([5, 1], [1, 5], [5, 1]) == ["important_develop", "general_keep"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(min_value=0, max_value=400),
            st.integers(min_value=0, max_value=10**6),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_invariants(raw: list[tuple[str, int, int]]) -> None:
    rows = [Transaction(c, date.fromordinal(END.toordinal() - d), a) for c, d, a in raw]
    for c in rfm.summarize(rows, END):
        assert 0 <= c.recency <= c.T
        assert c.days_since_last == c.T - c.recency
        assert c.frequency <= c.orders - 1
        if c.frequency == 0:
            assert c.monetary_value == 0.0
        assert all(1 <= s <= 5 for s in (c.r_score, c.f_score, c.m_score))
        assert c.rfm_class in rfm.CLASS_NAMES


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty"),
        ("id,date,amount\n", 1, "header"),
        ("customer_id,date,amount\na,2026-01-01,1\nb,2026-13-01,1\n", 3, "YYYY-MM-DD"),
        ("customer_id,date,amount\na,2026-01-01,1\n\nb,2026-01-01,-1\n", 4, "negative"),
        ("customer_id,date,amount\na,2026-01-01,1.234\n", 2, "two decimals"),
        ("customer_id,date,amount\na,2026-01-01,abc\n", 2, "not a number"),
        ("customer_id,date,amount\n,2026-01-01,1\n", 2, "customer_id is empty"),
        ("customer_id,date,amount\na,2026-01-01\n", 2, "columns"),
        ("customer_id,date,amount\na,20260101,1\n", 2, "YYYY-MM-DD"),
        ("customer_id,date,amount\na,2026-01-01,nan\n", 2, "not a number"),
    ],
)
def test_a_bad_row_names_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(TransactionsInvalid) as caught:
        rfm.parse_transactions(text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_ids_stay_strings_and_extra_columns_are_ignored() -> None:
    rows = rfm.parse_transactions("\ufeffcustomer_id,date,amount,phone\n00012,2026-01-01,3,138\n")
    assert rows == [Transaction("00012", date(2026, 1, 1), 300)]


def test_fen_to_yuan() -> None:
    assert rfm.fen_to_yuan(6560) == "65.60"
    assert rfm.fen_to_yuan(5) == "0.05"
    assert rfm.fen_to_yuan(2505.0) == "25.05"
    assert rfm.fen_to_yuan(1966.5) == "19.665"
