"""The bargain's cut draws (pure, no database): every cut at least 1 fen, never past the floor,
the last one exactly on it, N helpers on average, the same cuts from the same seed, and a new
shopper's bonus only ever shortening the way."""

from __future__ import annotations

import random
from statistics import fmean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplet.modules.social.bargain import split

seeds = st.integers(min_value=0, max_value=2**62)


@st.composite
def terms(draw: st.DrawFn) -> tuple[int, int]:
    """(helpers_needed, span) with at least 1 fen per helper."""
    n = draw(st.integers(min_value=1, max_value=60))
    span = draw(st.integers(min_value=n, max_value=2_000_000))
    return n, span


@given(seeds, terms())
@settings(max_examples=300, deadline=None)
def test_cuts_reach_the_floor_exactly_and_each_is_at_least_a_fen(
    seed: int, nt: tuple[int, int]
) -> None:
    n, span = nt
    cuts = split.simulate(seed, helpers_needed=n, span=span)
    assert sum(cuts) == span  # the last cut lands exactly on the floor, never below
    assert all(c >= 1 for c in cuts)
    assert len(cuts) == split.helpers_target(seed, helpers_needed=n, span=span)
    spread = split.target_spread(n, span)
    assert n - spread <= len(cuts) <= n + spread
    assert 1 <= len(cuts) <= span


@given(seeds, terms(), st.integers(min_value=0, max_value=200), st.integers(100, 1000))
@settings(max_examples=300, deadline=None)
def test_a_cut_never_passes_the_floor_from_any_state(
    seed: int, nt: tuple[int, int], k: int, bonus: int
) -> None:
    n, span = nt
    left = random.Random(seed).randint(1, span)
    cut = split.cut_amount(
        seed, helpers_needed=n, span=span, cuts_so_far=k, left=left, bonus_pct=bonus
    )
    assert 1 <= cut <= left


@given(seeds, terms())
@settings(max_examples=100, deadline=None)
def test_the_same_seed_gives_the_same_cuts(seed: int, nt: tuple[int, int]) -> None:
    n, span = nt
    assert split.simulate(seed, helpers_needed=n, span=span) == split.simulate(
        seed, helpers_needed=n, span=span
    )


@pytest.mark.parametrize(("n", "span"), [(1, 500), (3, 5000), (5, 2000), (10, 10_000), (8, 9)])
def test_helpers_to_the_floor_average_n(n: int, span: int) -> None:
    # The target is uniform on N-s..N+s: its exact mean over every value is N ...
    spread = split.target_spread(n, span)
    assert fmean(range(n - spread, n + spread + 1)) == n
    # ... and 4000 seeded bargains land within 3 % of it.
    rng = random.Random(20261204)
    counts = [
        len(split.simulate(rng.getrandbits(62), helpers_needed=n, span=span)) for _ in range(4000)
    ]
    assert abs(fmean(counts) - n) <= 0.03 * n
    assert min(counts) >= 1


@given(seeds, terms(), st.integers(min_value=101, max_value=500))
@settings(max_examples=200, deadline=None)
def test_new_shoppers_bonus_only_shortens_the_way(
    seed: int, nt: tuple[int, int], bonus: int
) -> None:
    n, span = nt
    plain = split.simulate(seed, helpers_needed=n, span=span)
    boosted = split.simulate(
        seed, helpers_needed=n, span=span, new_shoppers=frozenset({0, 2}), bonus_pct=bonus
    )
    assert sum(boosted) == span
    assert all(c >= 1 for c in boosted)
    assert len(boosted) <= len(plain)
    assert boosted[0] >= plain[0]


def test_too_small_a_span_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 fen"):
        split.helpers_target(1, helpers_needed=5, span=4)
    with pytest.raises(ValueError, match="nothing left"):
        split.cut_amount(1, helpers_needed=1, span=10, cuts_so_far=0, left=0)
