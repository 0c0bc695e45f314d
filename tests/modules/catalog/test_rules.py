"""Pure catalog rules, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.catalog.errors import InvalidSkuMatrix
from shoplet.modules.catalog.service import (
    spec_key,
    spec_options,
    spec_text,
    validate_sku_matrix,
)

names = st.lists(st.text(min_size=1, max_size=4), min_size=0, max_size=3, unique=True)


@given(names.flatmap(lambda ns: st.tuples(st.just(ns), st.lists(
    st.tuples(*[st.sampled_from(["黑", "白", "M", "L", "|", ":"]) for _ in ns]),
    min_size=1, max_size=12, unique=True))))  # fmt: skip
def test_any_full_matrix_is_valid_and_round_trips(
    data: tuple[list[str], list[tuple[str, ...]]],
) -> None:
    spec_names, value_rows = data
    combos = [tuple(zip(spec_names, row, strict=True)) for row in value_rows]
    validate_sku_matrix(combos)
    options = spec_options(combos)
    assert [o.name for o in options] == spec_names
    for index, option in enumerate(options):
        assert set(option.values) == {row[index] for row in value_rows}
    # Keys are collision-free even when values contain separators.
    assert len({spec_key(c) for c in combos}) == len(combos)


def test_spec_text() -> None:
    assert spec_text((("颜色", "黑"), ("尺码", "M"))) == "颜色:黑 / 尺码:M"
    assert spec_text(()) == ""


@pytest.mark.parametrize(
    "combos",
    [
        [],
        [(("颜色", "黑"),), (("颜色", "黑"),)],
        [(("颜色", "黑"),), (("尺码", "M"),)],
        [(("颜色", "黑"), ("尺码", "M")), (("尺码", "M"), ("颜色", "白"))],
        [(("颜色", "黑"), ("颜色", "白"))],
        [(), ()],
    ],
)
def test_invalid_matrices(combos: list[tuple[tuple[str, str], ...]]) -> None:
    with pytest.raises(InvalidSkuMatrix):
        validate_sku_matrix(combos)
