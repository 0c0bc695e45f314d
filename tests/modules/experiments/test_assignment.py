"""Assignment is a pure function: a unit's variant never changes, a million ids split as
configured, layers are independent, experiments of one layer never share a unit."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from shoplet.modules.experiments.assignment import (
    BUCKETS,
    Ruleset,
    RunningArm,
    RunningExperiment,
    Targeting,
    UnitContext,
    assign,
    assign_one,
    bucket_of,
    pick_arm,
    ranges_overlap,
    uniform,
)


def experiment(
    experiment_id: int,
    *,
    layer_salt: str = "layer-a",
    start: int = 0,
    end: int = BUCKETS,
    weights: tuple[int, ...] = (5000, 5000),
    traffic: int = 100,
    holdout: int = 0,
    slot: str = "home_layout",
    targeting: Targeting | None = None,
) -> RunningExperiment:
    return RunningExperiment(
        id=experiment_id,
        slot=slot,
        layer_id=1,
        layer_salt=layer_salt,
        salt=f"exp-{experiment_id}",
        bucket_start=start,
        bucket_end=end,
        traffic_percent=traffic,
        holdout_percent=holdout,
        arms=tuple(
            RunningArm(id=experiment_id * 10 + i, key=f"arm{i}", weight=w)
            for i, w in enumerate(weights)
        ),
        targeting=targeting or Targeting(),
    )


def test_a_unit_always_gets_the_same_variant() -> None:
    exp = experiment(1, weights=(2000, 3000, 5000))
    for n in range(2000):
        unit = UnitContext(unit=f"m:{n}")
        first = assign_one(exp, unit)
        assert all(assign_one(exp, unit) == first for _ in range(3))
    # Same inputs, same number, in any process: nothing depends on Python's hash seed.
    assert uniform("s", "m:1", "arm") == uniform("s", "m:1", "arm")
    assert bucket_of("layer-a", "m:42") == bucket_of("layer-a", "m:42")


def test_a_million_ids_split_within_0_3_percent_of_the_weights() -> None:
    weights = (2000, 3000, 5000)
    started = time.perf_counter()
    counts = Counter(pick_arm(uniform("exp-7", f"d:{n}", "arm"), weights) for n in range(1_000_000))
    elapsed = time.perf_counter() - started
    for index, weight in enumerate(weights):
        share = counts[index] / 1_000_000
        assert abs(share - weight / 10_000) < 0.003, (index, share)
    assert elapsed < 10, f"1e6 assignments took {elapsed:.1f} s"


def test_the_full_assignment_follows_weights_ramp_and_holdout() -> None:
    exp = experiment(3, weights=(5000, 5000), traffic=40, holdout=10, start=0, end=500)
    n = 200_000
    outcome: Counter[str] = Counter()
    for i in range(n):
        found = assign_one(exp, UnitContext(unit=f"d:{i}"))
        outcome["out" if found is None else "holdout" if found.is_holdout else found.arm_key] += 1
    enrolled = n - outcome["out"]
    # half the buckets, 40 % of them enrolled, 10 % of those held out, the rest 50/50
    assert enrolled / n == pytest.approx(0.5 * 0.4, abs=0.005)
    assert outcome["holdout"] / enrolled == pytest.approx(0.10, abs=0.01)
    assert outcome["arm0"] / (outcome["arm0"] + outcome["arm1"]) == pytest.approx(0.5, abs=0.01)


def test_layers_are_independent() -> None:
    """χ² on the cross-tab of two 50/50 experiments in different layers: no association."""
    a = experiment(1, layer_salt="layer-a", slot="home_layout")
    b = experiment(2, layer_salt="layer-b", slot="product_card_style")
    table = [[0, 0], [0, 0]]
    for i in range(100_000):
        unit = UnitContext(unit=f"m:{i}")
        first, second = assign_one(a, unit), assign_one(b, unit)
        assert first is not None
        assert second is not None
        table[int(first.arm_key[-1])][int(second.arm_key[-1])] += 1
    _, p_value, _, _ = chi2_contingency(table)
    assert p_value > 0.001, table


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=BUCKETS - 1), min_size=1, max_size=6))
def test_experiments_of_one_layer_never_share_a_unit(cuts: list[int]) -> None:
    edges = sorted({0, *cuts, BUCKETS})
    experiments = tuple(
        experiment(i + 1, start=s, end=e, slot=f"slot{i}")
        for i, (s, e) in enumerate(itertools.pairwise(edges))
    )
    ruleset = Ruleset(version=1, experiments=experiments)
    for n in range(500):
        found = assign(ruleset, UnitContext(unit=f"d:{n}"))
        # the ranges tile the layer: every unit is in exactly one experiment
        assert len(found) == 1


def test_ranges_overlap() -> None:
    assert ranges_overlap((0, 500), (499, 600))
    assert not ranges_overlap((0, 500), (500, 600))
    assert not ranges_overlap((600, 700), (0, 600))


MP = "mp-weixin"


def test_targeting() -> None:
    exp = experiment(
        5,
        targeting=Targeting(
            platforms=("mp-weixin",), app_version_min="2.3", regions=("31",), members_only=True
        ),
    )
    ok = UnitContext(
        unit="m:1", is_member=True, platform="mp-weixin", app_version="2.10.0", region="310101"
    )
    assert assign_one(exp, ok) is not None
    for bad in (
        UnitContext(unit="d:1", platform="mp-weixin", app_version="2.10", region="310101"),
        UnitContext(unit="m:1", is_member=True, platform="h5", app_version="3", region="310101"),
        UnitContext(
            unit="m:1", is_member=True, platform="mp-weixin", app_version="2.2.9", region="31"
        ),
        UnitContext(
            unit="m:1", is_member=True, platform="mp-weixin", app_version="2.3", region="44"
        ),
        UnitContext(unit="m:1", is_member=True, platform="mp-weixin", region="310101"),
    ):
        assert assign_one(exp, bad) is None, bad


def test_one_variant_per_slot() -> None:
    first = experiment(1, layer_salt="layer-a")
    second = experiment(2, layer_salt="layer-b")
    found = assign(Ruleset(version=1, experiments=(second, first)), UnitContext(unit="m:9"))
    assert [a.experiment_id for a in found] == [1]
