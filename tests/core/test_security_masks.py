"""Masks of personal data shown to staff or stored from pages: a phone alone and phones inside
free text, masked the same way (138****8000), never a longer run of digits."""

from __future__ import annotations

from shoplet.core.security import mask_phone, mask_phones_in


def test_a_phone_and_phones_in_text_are_masked_alike() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phones_in("客服 13800138000，或 13912345678") == "客服 138****8000，或 139****5678"
    assert mask_phones_in("TypeError:13800138000") == "TypeError:138****8000"
    # An order number or a landline is not a mobile number.
    assert mask_phones_in("订单 2026120512345678") == "订单 2026120512345678"
    assert mask_phones_in("12800138000 010-12345678") == "12800138000 010-12345678"
