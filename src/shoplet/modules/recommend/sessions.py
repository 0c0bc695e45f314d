"""The session model behind 看了又看 and "recently viewed": item-to-item transitions learnt from
product-view sessions. Pure functions, no database: training (``training.train``), serving
(``service``) and the offline evaluation below use the same ones.

- **Sessions** (``split_sessions``): one visitor's views in time order, cut where two views are
  more than ``SESSION_GAP`` apart; a product viewed again right after itself counts once.
- **Transitions** (``transitions``): within a session, each view ``a`` is followed by the next
  ``WINDOW`` views ``b``, counted ``1/d`` at distance ``d``; a product's neighbours are the
  ``b`` with their share of ``a``'s outgoing weight (an estimate of "viewed next"), the
  ``algorithms.NEIGHBORS`` best kept.
- **Scoring** (``score``): for a visitor's recent views, most recent first, each one's
  neighbours add ``0.5^i × share``: what they looked at last steers most.
- **Offline** (``evaluate``): sessions in time order, the last ``TEST_SHARE`` are the test; the
  last view of each test session of two or more is held out and ranked from the views before
  it, against view popularity in the training sessions (``HR@k``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shoplet.modules.recommend import algorithms as algo

SESSION_GAP = 30 * 60.0
WINDOW = 3
RECENT = 10
TEST_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class View:
    visitor: str
    product_id: int
    at: float  # unix seconds


def split_sessions(views: Iterable[View]) -> list[list[int]]:
    """The sessions of ``views`` (product ids in order), by visitor then start time."""
    by_visitor: dict[str, list[View]] = defaultdict(list)
    for view in views:
        by_visitor[view.visitor].append(view)
    out: list[tuple[float, str, list[int]]] = []
    for visitor, own in by_visitor.items():
        own.sort(key=lambda v: (v.at, v.product_id))
        current: list[int] = []
        started = last = own[0].at
        for view in own:
            if current and view.at - last > SESSION_GAP:
                out.append((started, visitor, current))
                current, started = [], view.at
            if not current or current[-1] != view.product_id:
                current.append(view.product_id)
            last = view.at
        out.append((started, visitor, current))
    out.sort(key=lambda t: (t[0], t[1]))
    return [products for _, _, products in out]


def transitions(sessions: Iterable[Sequence[int]]) -> dict[int, list[tuple[int, float]]]:
    """``{a: [(b, share)]}`` best first (ties by id), at most ``algorithms.NEIGHBORS`` each."""
    counts: dict[int, dict[int, float]] = defaultdict(dict)
    for session in sessions:
        for i, a in enumerate(session):
            for d, b in enumerate(session[i + 1 : i + 1 + WINDOW], start=1):
                if b != a:
                    counts[a][b] = counts[a].get(b, 0.0) + 1.0 / d
    out: dict[int, list[tuple[int, float]]] = {}
    for a, following in counts.items():
        total = sum(following.values())
        best = sorted(following.items(), key=lambda kv: (-kv[1], kv[0]))[: algo.NEIGHBORS]
        out[a] = [(b, round(n / total, 6)) for b, n in best]
    return out


def rows(table: Mapping[int, Sequence[tuple[int, float]]]) -> list[tuple[int, int, float]]:
    """``(product, neighbour, score)`` rows as ``recommend_neighbor`` stores them."""
    return [(a, b, s) for a in sorted(table) for b, s in table[a]]


def score(
    recent: Sequence[int], table: Mapping[int, Sequence[tuple[int, float]]]
) -> dict[int, float]:
    """Scores from recent views (most recent first); the recent products themselves score 0."""
    scores: dict[int, float] = {}
    for i, product in enumerate(recent[:RECENT]):
        weight = 0.5**i
        for other, share in table.get(product, ()):
            scores[other] = scores.get(other, 0.0) + weight * share
    for product in recent:
        scores.pop(product, None)
    return scores


@dataclass(frozen=True, slots=True)
class SessionEvaluation:
    sessions: int
    evaluated: int
    k: int
    hr: float
    popularity_hr: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "sessions": self.sessions,
            "evaluated": self.evaluated,
            "k": self.k,
            "hr": round(self.hr, 6),
            "popularity_hr": round(self.popularity_hr, 6),
        }


def _first(ranked: Sequence[int], k: int, skip: set[int]) -> list[int]:
    out: list[int] = []
    for product in ranked:
        if product not in skip:
            out.append(product)
            if len(out) == k:
                break
    return out


def evaluate(views: Iterable[View], *, k: int = 10) -> SessionEvaluation:
    """HR@k of the transitions model against view popularity (module docstring)."""
    sessions = split_sessions(views)
    cut = len(sessions) - int(len(sessions) * TEST_SHARE)
    train, test = sessions[:cut], sessions[cut:]
    table = transitions(train)
    popular = Counter(p for s in train for p in s)
    ranked_popular = [p for p, _ in sorted(popular.items(), key=lambda kv: (-kv[1], kv[0]))]
    hits = popular_hits = evaluated = 0
    for session in test:
        if len(session) < 2:
            continue
        evaluated += 1
        *before, target = session
        seen = set(before)
        mine = algo.best(score(before[::-1], table), k, exclude=seen)
        hits += target in mine
        popular_hits += target in _first(ranked_popular, k, seen)
    return SessionEvaluation(
        sessions=len(sessions),
        evaluated=evaluated,
        k=k,
        hr=hits / evaluated if evaluated else 0.0,
        popularity_hr=popular_hits / evaluated if evaluated else 0.0,
    )
