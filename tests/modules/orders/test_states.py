"""The order and after-sale state machines, without a database."""

from __future__ import annotations

import itertools

import pytest

from shoplet.modules.orders.errors import IllegalTransition
from shoplet.modules.orders.states import (
    AFTERSALE_STATUSES,
    AFTERSALE_TRANSITIONS,
    ORDER_STATUSES,
    ORDER_TRANSITIONS,
    TERMINAL_ORDER_STATUSES,
    can_transition_aftersale,
    can_transition_order,
    check_aftersale_transition,
    check_order_transition,
)

LEGAL_ORDER = {
    ("pending_payment", "paid"),
    ("pending_payment", "cancelled"),
    ("paid", "shipped"),
    ("paid", "received"),  # a store pickup handed over
    ("paid", "refunded"),
    ("paid", "cancelled"),
    ("shipped", "received"),
    ("shipped", "refunded"),
    ("received", "completed"),
    ("received", "refunded"),
    ("completed", "refunded"),
}

LEGAL_AFTERSALE = {
    ("requested", "approved"),
    ("requested", "awaiting_return"),
    ("requested", "rejected"),
    ("requested", "cancelled"),
    ("approved", "refunding"),
    ("awaiting_return", "returned"),
    ("awaiting_return", "cancelled"),
    ("returned", "refunding"),
    ("refunding", "refunded"),
}


def test_the_tables_cover_every_status() -> None:
    assert set(ORDER_TRANSITIONS) == set(ORDER_STATUSES)
    assert set(AFTERSALE_TRANSITIONS) == set(AFTERSALE_STATUSES)
    assert {"cancelled", "refunded"} == TERMINAL_ORDER_STATUSES


@pytest.mark.parametrize("pair", sorted(itertools.product(ORDER_STATUSES, repeat=2)))
def test_order_transitions(pair: tuple[str, str]) -> None:
    legal = pair in LEGAL_ORDER
    assert can_transition_order(*pair) is legal
    if legal:
        check_order_transition(*pair)
    else:
        with pytest.raises(IllegalTransition) as raised:
            check_order_transition(*pair)
        assert raised.value.status == 409
        assert raised.value.code == "orders.illegal_transition"
        assert raised.value.extra == {"from_status": pair[0], "to_status": pair[1]}
        assert raised.value.detail == f"an order cannot go from {pair[0]} to {pair[1]}"


@pytest.mark.parametrize("pair", sorted(itertools.product(AFTERSALE_STATUSES, repeat=2)))
def test_aftersale_transitions(pair: tuple[str, str]) -> None:
    legal = pair in LEGAL_AFTERSALE
    assert can_transition_aftersale(*pair) is legal
    if legal:
        check_aftersale_transition(*pair)
    else:
        with pytest.raises(IllegalTransition) as raised:
            check_aftersale_transition(*pair)
        assert raised.value.extra == {"from_status": pair[0], "to_status": pair[1]}


def test_unknown_statuses_go_nowhere() -> None:
    assert not can_transition_order("lost", "paid")
    assert not can_transition_aftersale("lost", "refunded")
