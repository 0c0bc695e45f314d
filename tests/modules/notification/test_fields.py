"""WeChat's value rules per template key type, checked before any send (never cut)."""

from __future__ import annotations

import pytest

from shoplet.integrations.wechat.subscribe import FieldInvalid, check_value, field_type


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("thing1", "保温杯" * 6 + "好"),  # 19
        ("thing1", "x" * 20),
        ("number2", "9" * 32),
        ("number2", "12.5"),
        ("letter3", "ABCdef"),
        ("symbol4", "%%"),
        ("character_string5", "S2026-0101/A" + "0" * 20),
        ("time6", "15:01"),
        ("time6", "2026年1月1日 15:01"),
        ("date7", "2026年12月31日"),
        ("date7", "2026-12-31 08:00"),
        ("amount8", "¥12.30"),
        ("amount8", "5900元"),
        ("phone_number9", "+86-138-1234-5678"),
        ("car_number10", "粤B12345"),
        ("name11", "张三丰"),
        ("name11", "Zhang San"),
        ("phrase12", "支付成功"),
        ("phrase12", "已发货"),
    ],
)
def test_values_within_wechats_rules_pass(key: str, value: str) -> None:
    check_value(key, value)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("thing1", "x" * 21, "too_long"),
        ("thing1", "", "empty"),
        ("number2", "9" * 33, "too_long"),
        ("number2", "12a", "bad_format"),
        ("letter3", "abc1", "bad_format"),
        ("symbol4", "%%%%%%", "too_long"),
        ("character_string5", "x" * 33, "too_long"),
        ("character_string5", "订单号", "bad_format"),
        ("time6", "下午三点", "bad_format"),
        ("date7", "明天", "bad_format"),
        ("amount8", "¥12345678901", "bad_format"),
        ("amount8", "十二元", "bad_format"),
        ("phone_number9", "1" * 18, "too_long"),
        ("phone_number9", "call me", "bad_format"),
        ("car_number10", "粤B1234567", "too_long"),
        ("name11", "张三丰张三丰张三丰张三", "bad_format"),
        ("name11", "张San", "bad_format"),
        ("phrase12", "支付已经成功了", "too_long"),
        ("phrase12", "ok", "bad_format"),
        ("colour1", "red", "unknown_type"),
        ("thing", "x", "unknown_type"),
    ],
)
def test_values_outside_wechats_rules_are_refused(key: str, value: str, reason: str) -> None:
    with pytest.raises(FieldInvalid) as refused:
        check_value(key, value)
    assert (refused.value.key, refused.value.reason) == (key, reason)


def test_the_key_names_the_type() -> None:
    assert field_type("character_string12") == "character_string"
    assert field_type("phone_number3") == "phone_number"
    assert field_type("thing") is None
