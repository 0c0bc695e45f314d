"""Kuaidi100's states to Shoplet's five stages: pure, every state has exactly one stage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shoplet.integrations.logistics.carrier import STAGES, carrier_code, stage_of
from shoplet.integrations.logistics.kuaidi100 import shanghai_to_utc, utc_to_shanghai


def test_kuaidi100_states_map_to_the_five_stages() -> None:
    assert {
        code: stage_of(code) for code in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "14")
    } == {
        "0": "in_transit",
        "1": "collected",
        "2": "exception",
        "3": "signed",
        "4": "exception",
        "5": "delivering",
        "6": "exception",
        "7": "in_transit",
        "8": "in_transit",
        "14": "exception",
    }
    # resultv2 sub-states and the names in data[].status
    assert [
        stage_of(s) for s in ("10", "1001", "1002", "201", "301", "304", "401", "501", "80")
    ] == [
        "collected",
        "in_transit",
        "in_transit",
        "exception",
        "signed",
        "signed",
        "exception",
        "delivering",
        "in_transit",
    ]
    assert [stage_of(s) for s in ("揽收", "在途", "派件", "签收", "疑难", "拒签")] == [
        "collected",
        "in_transit",
        "delivering",
        "signed",
        "exception",
        "exception",
    ]


@given(st.text(max_size=8))
def test_any_state_has_one_known_stage(state: str) -> None:
    assert stage_of(state) in STAGES


@given(st.integers(min_value=0, max_value=99999))
def test_unknown_codes_are_never_signed_by_accident(code: int) -> None:
    text = str(code)
    if stage_of(text) == "signed":
        assert text == "3" or (len(text) == 3 and text.startswith("3"))


def test_carrier_names_merchants_type_resolve_to_kuaidi100_codes() -> None:
    assert [
        carrier_code(c) for c in ("顺丰速运", "SF", "sf", "中通快递", "shunfeng", "某某快运")
    ] == [
        "shunfeng",
        "shunfeng",
        "shunfeng",
        "zhongtong",
        "shunfeng",
        None,
    ]


def test_shanghai_times_round_trip_through_utc() -> None:
    moment = shanghai_to_utc("2026-05-01 08:30:00")
    assert moment.isoformat() == "2026-05-01T00:30:00+00:00"
    assert utc_to_shanghai(moment) == "2026-05-01 08:30:00"
