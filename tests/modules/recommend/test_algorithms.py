"""The models on tiny matrices, values checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import sparse

from shoplet.modules.recommend import algorithms as algo
from shoplet.modules.recommend import training
from shoplet.modules.recommend.training import Signal


def _x(rows: list[list[int]]) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.asarray(rows, dtype=np.float64))


def test_interaction_matrix_keeps_the_strongest_of_repeated_pairs() -> None:
    index = algo.Index.of([7, 3], [20, 10])
    m = algo.interaction_matrix(index, [3, 3, 7], [10, 10, 20], [1.0, 3.0, 2.0])
    assert index.users.tolist() == [3, 7]
    assert index.items.tolist() == [10, 20]
    assert m.toarray().tolist() == [[3.0, 0.0], [0.0, 2.0]]


def test_cosine_by_hand() -> None:
    # items: a bought by u1,u2,u3; b by u1,u2; c by u3.
    sim = algo.cosine(_x([[1, 1, 0], [1, 1, 0], [1, 0, 1]])).toarray()
    assert sim[0, 1] == pytest.approx(2 / np.sqrt(6))
    assert sim[0, 2] == pytest.approx(1 / np.sqrt(3))
    assert sim[1, 2] == 0.0
    assert np.diag(sim).tolist() == [0.0, 0.0, 0.0]


def test_ease_closed_form_on_two_items() -> None:
    # G = XᵀX = [[2, 1], [1, 1]]; with λ = 1, P = inv([[3, 1], [1, 2]]) = [[2, -1], [-1, 3]] / 5
    # B[i, j] = -P[i, j] / P[j, j]: B[0, 1] = (1/5) / (3/5) = 1/3, B[1, 0] = (1/5) / (2/5) = 1/2.
    b = algo.ease(_x([[1, 1], [1, 0]]), lam=1.0)
    assert b.ravel().tolist() == pytest.approx([0.0, 1 / 3, 1 / 2, 0.0])


def test_ease_refuses_catalogs_too_large_for_a_dense_matrix() -> None:
    with pytest.raises(ValueError, match="dense"):
        algo.ease(sparse.csr_matrix((1, algo.EASE_MAX_ITEMS + 1)))


def test_popularity_counts_shoppers_and_decays_by_age() -> None:
    x = _x([[1, 1], [1, 0]])
    assert algo.popularity(x).tolist() == [2.0, 1.0]
    # entries in CSR order: (0,0) age 0, (0,1) age 14, (1,0) age 28, half-life 14 days
    decayed = algo.popularity(x, np.asarray([0.0, 14.0, 28.0]), half_life_days=14.0)
    assert decayed.tolist() == pytest.approx([1.25, 0.5])


def test_rank_order_breaks_ties_by_id_ascending() -> None:
    assert algo.rank_order(np.asarray([1.0, 3.0, 1.0, 3.0])).tolist() == [1, 3, 0, 2]


def test_top_neighbors_dense_and_sparse_agree_and_skip_non_positive() -> None:
    w = np.asarray([[0.0, 0.5, 0.5, -1.0], [0.2, 0.0, 0.0, 0.9], [0, 0, 0, 0], [0.1, 0.3, 0.3, 0]])
    dense = algo.top_neighbors(w, k=2)
    assert dense == [[(1, 0.5), (2, 0.5)], [(3, 0.9), (0, 0.2)], [], [(1, 0.3), (2, 0.3)]]
    assert algo.top_neighbors(sparse.csr_matrix(w), k=2) == dense


def test_score_from_neighbors_and_best() -> None:
    neighbors = {1: [(2, 0.5), (3, 0.25)], 4: [(3, 1.0), (1, 1.0)]}
    scores = algo.score_from_neighbors({1: 2.0, 4: 1.0}, neighbors)
    assert scores == {2: 1.0, 3: 1.5}  # 1 and 4 are the history itself
    assert algo.best(scores, 5) == [3, 2]
    assert algo.best({5: 1.0, 2: 1.0, 9: 0.0}, 5) == [2, 5]
    assert algo.best(scores, 5, exclude=[3]) == [2]


def test_recency_weights_halve_every_half_life_interactions_per_shopper() -> None:
    # Shopper 1: products 10 (t 5), 30 (t 1), 20 (t 5) → time order 30, 10, 20 (ties by id);
    # shopper 2: one product, its latest. Half-life 2: the last counts 1, one before 2^-1/2.
    weights = algo.recency_weights([1, 1, 2, 1], [10, 30, 7, 20], [5.0, 1.0, 3.0, 5.0], 2.0)
    assert weights.tolist() == [2**-0.5, 0.5, 1.0, 1.0]
    five = algo.recency_weights([4] * 5, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1.0)
    assert five.tolist() == [0.0625, 0.125, 0.25, 0.5, 1.0]


def test_recency_weights_off_and_empty() -> None:
    assert algo.recency_weights([1, 1], [2, 3], [1.0, 2.0], 0.0).tolist() == [1.0, 1.0]
    assert algo.recency_weights([], [], []).tolist() == []
    assert algo.RECENCY_HALF_LIFE == 3.0
    assert algo.recency_weights([1] * 4, [1, 2, 3, 4], [1, 2, 3, 4]).tolist() == [
        0.5,
        pytest.approx(0.5 ** (2 / 3)),
        pytest.approx(0.5 ** (1 / 3)),
        1.0,
    ]


def test_training_builds_every_model_from_signals() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    day = timedelta(days=1)
    signals = [
        Signal(1, 10, now - day, "order", "440000"),
        Signal(1, 20, now - day, "order", "440000"),
        Signal(2, 10, now - 14 * day, "order", "310000"),
        Signal(2, 20, now - 14 * day, "order", "310000"),
        Signal(3, 10, now, "order", None),
        Signal(3, 30, now, "cart"),
        Signal(4, 30, now, "favorite"),
        Signal(4, 40, now, "cart"),
    ]
    steps: list[tuple[str, int]] = []
    out = training.train(signals, now=now, progress=lambda s, p: steps.append((s, p)))
    assert (out.model, out.shoppers, out.products, out.interactions) == ("ease", 4, 4, 8)
    assert [p for _, p in steps] == [20, 55, 70, 85]
    # 买了还买: 10 and 20 were bought together by two shoppers.
    assert out.pairs == [(10, 20, 2), (20, 10, 2)]
    assert out.items == [(10, 3), (20, 2)]
    # 看了又看: 30 and 40 were carted or favourited by shopper 4; 10 has no browsing signal.
    assert {(a, b) for a, b, _ in out.viewed} == {(30, 40), (40, 30)}
    personal = {(a, b) for a, b, _ in out.personal}
    assert (10, 20) in personal
    assert (20, 10) in personal
    # Popularity: halved after 14 days; per province and for the whole shop.
    popular = {(r, p): s for r, p, s in out.popular}
    assert popular[("all", 10)] == pytest.approx(0.5 ** (1 / 14) + 0.5 + 1.0, abs=1e-6)
    assert popular[("310000", 20)] == pytest.approx(0.5)
    assert ("440000", 30) not in popular


def test_training_on_nothing_is_empty() -> None:
    out = training.train([], now=datetime(2026, 12, 1, tzinfo=UTC))
    assert (out.model, out.personal, out.popular) == ("", [], [])


def test_province() -> None:
    assert training.province("440305") == "440000"
    assert training.province("") is None
    assert training.province("44030X") is None
