"""Flag evaluation as a pure function: the kill switch, rules in order, each rule kind, and the
percentage buckets (deterministic per flag and unit, stable as a rollout grows)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.experiments.flags.evaluate import (
    FlagContext,
    bucket,
    compile_flag,
    evaluate,
    parse_version,
)

BOOL = {"on": True, "off": False}


def flag(rules: list[dict[str, Any]], *, enabled: bool = True, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "key": "new_checkout",
        "kind": "boolean",
        "variants": BOOL,
        "default_variant": "off",
        "off_variant": "off",
        "is_enabled": enabled,
        "rules": rules,
    }
    values.update(extra)
    return compile_flag(**values)


def test_kill_switch_serves_the_off_variant_to_everyone() -> None:
    f = flag([{"type": "staff", "variant": "on"}], enabled=False, default_variant="on")
    out = evaluate(f, FlagContext(unit="1", member_id=1, is_staff=True))
    assert (out.value, out.variant, out.reason) == (False, "off", "DISABLED")


def test_first_matching_rule_wins_and_default_otherwise() -> None:
    f = flag(
        [
            {"type": "deny", "member_ids": [7]},
            {"type": "allow", "member_ids": [7, 8], "variant": "on"},
            {"type": "staff", "variant": "on"},
        ]
    )
    assert evaluate(f, FlagContext(member_id=7)).variant == "off"
    assert evaluate(f, FlagContext(member_id=7)).reason == "TARGETING_MATCH"
    assert evaluate(f, FlagContext(member_id=8)).value is True
    assert evaluate(f, FlagContext(is_staff=True)).value is True
    assert evaluate(f, FlagContext(member_id=9)).reason == "DEFAULT"
    assert evaluate(f, FlagContext()).value is False


def test_platform_and_app_version() -> None:
    f = flag(
        [
            {"type": "platform", "platforms": ["h5"], "variant": "on"},
            {"type": "app_version", "min": "2.3", "max": "2.10.1", "variant": "on"},
        ]
    )
    assert evaluate(f, FlagContext(platform="h5")).value is True
    assert evaluate(f, FlagContext(platform="mp-weixin")).value is False
    assert evaluate(f, FlagContext(app_version="2.10.0")).value is True
    assert evaluate(f, FlagContext(app_version="2.10.2")).value is False
    assert evaluate(f, FlagContext(app_version="2.2.9")).value is False
    assert evaluate(f, FlagContext(app_version="not-a-version")).value is False
    assert parse_version("2.10.3") == (2, 10, 3)
    assert parse_version("2.x") is None


def test_segment_rule_asks_the_callback() -> None:
    f = flag([{"type": "segment", "segment_ids": [3, 4], "variant": "on"}])
    members = {(5, 4)}

    def check(member_id: int, segment_id: int) -> bool:
        return (member_id, segment_id) in members

    assert evaluate(f, FlagContext(member_id=5), check).value is True
    assert evaluate(f, FlagContext(member_id=6), check).value is False
    # No callback (nobody plugged segments in): the rule matches nobody.
    assert evaluate(f, FlagContext(member_id=5)).value is False


def test_string_flag_with_cumulative_splits() -> None:
    f = compile_flag(
        key="checkout_layout",
        kind="string",
        variants={"classic": "classic", "compact": "compact", "wide": "wide"},
        default_variant="classic",
        off_variant="classic",
        is_enabled=True,
        rules=[
            {"type": "percentage", "percent": 30, "variant": "compact"},
            {"type": "percentage", "percent": 60, "variant": "wide"},
        ],
    )
    counts = {"classic": 0, "compact": 0, "wide": 0}
    for unit in range(20_000):
        counts[evaluate(f, FlagContext(unit=f"d{unit}")).variant] += 1
    assert abs(counts["compact"] / 20_000 - 0.30) < 0.015
    assert abs(counts["wide"] / 20_000 - 0.30) < 0.015
    assert abs(counts["classic"] / 20_000 - 0.40) < 0.015


def test_percentage_needs_a_unit() -> None:
    f = flag([{"type": "percentage", "percent": 100, "variant": "on"}])
    assert evaluate(f, FlagContext()).value is False
    assert evaluate(f, FlagContext(unit="x")).reason == "SPLIT"


@given(st.text(min_size=1, max_size=40), st.integers(0, 100), st.integers(0, 100))
def test_rollout_grows_without_reshuffling(unit: str, low: int, high: int) -> None:
    low, high = sorted((low, high))
    small = flag([{"type": "percentage", "percent": low, "variant": "on"}])
    large = flag([{"type": "percentage", "percent": high, "variant": "on"}])
    ctx = FlagContext(unit=unit)
    assert bucket(b"new_checkout:", unit) == bucket(b"new_checkout:", unit)
    if evaluate(small, ctx).value:
        assert evaluate(large, ctx).value


def test_buckets_differ_between_flags() -> None:
    same = sum(bucket(b"a:", str(u)) == bucket(b"b:", str(u)) for u in range(1000))
    assert same < 10
