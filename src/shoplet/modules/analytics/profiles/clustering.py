"""k-means over standardised profile features (pure; scikit-learn and numpy imported inside,
never at API start). k is chosen by the silhouette over ``K_RANGE``; each cluster is named in
Chinese by where its centroid sits against the average member."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

K_RANGE = range(2, 7)
FEATURES = ("recency", "frequency", "spend", "aov", "price_sensitivity")
SILHOUETTE_SAMPLE = 5000


@dataclass(frozen=True, slots=True)
class Cluster:
    number: int
    name: str
    size: int
    mean_spend: int  # fen
    centroid: dict[str, float]  # in the features' own units


@dataclass(frozen=True, slots=True)
class Clustering:
    k: int
    silhouette: float
    labels: list[int]
    clusters: list[Cluster]


class TooFewMembers(ValueError):
    pass


def cluster(rows: Sequence[Sequence[float]], *, seed: int = 7) -> Clustering:
    """Cluster ``rows`` (one per member, in ``FEATURES`` order) with k-means on z-scores."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    data = np.asarray(rows, dtype=float)
    if len(data) < 3 * K_RANGE.start:
        raise TooFewMembers(f"{len(data)} members with a purchase; clustering needs at least 6")
    # One thread: the worker shares its cores with the API and the event loop, and OpenMP's
    # spinning threads slowed a loaded 2-core host several times over.
    with threadpool_limits(limits=1):
        return _cluster(data, seed)


def _cluster(data: Any, seed: int) -> Clustering:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(data)
    best: tuple[float, int, object] | None = None
    for k in K_RANGE:
        if k >= len(data):
            break
        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(scaled)
        labels = model.labels_
        if len(set(labels.tolist())) < 2:
            continue
        score = float(
            silhouette_score(
                scaled,
                labels,
                sample_size=min(SILHOUETTE_SAMPLE, len(data)),
                random_state=seed,
            )
        )
        if best is None or score > best[0]:
            best = (score, k, model)
    if best is None:
        raise TooFewMembers("the members are all alike: no two clusters to tell apart")
    score, k, model = best
    labels_list = [int(x) for x in model.labels_]  # type: ignore[attr-defined]
    overall = data.mean(axis=0)
    clusters: list[Cluster] = []
    for number in range(k):
        members = data[np.asarray(labels_list) == number]
        centre = members.mean(axis=0)
        clusters.append(
            Cluster(
                number=number,
                name=name_of(centre.tolist(), overall.tolist()),
                size=len(members),
                mean_spend=round(float(centre[2])),
                centroid={f: round(float(v), 2) for f, v in zip(FEATURES, centre, strict=True)},
            )
        )
    return Clustering(k=k, silhouette=round(score, 4), labels=labels_list, clusters=clusters)


def name_of(centre: Sequence[float], overall: Sequence[float]) -> str:
    """A Chinese name for a centroid, from how it compares with the average member: recency
    (days since the last purchase; lower is better), frequency, spend, AOV, price
    sensitivity."""
    recency, frequency, spend, aov, sensitivity = centre
    r0, f0, s0, a0, p0 = overall
    if recency > 1.5 * r0 and frequency <= f0:
        return "沉睡客户"
    if spend >= 1.3 * s0 and frequency >= f0:
        return "高价值忠诚"
    if aov >= 1.3 * a0 and frequency < f0:
        return "高客单尝鲜"
    if sensitivity >= 1.3 * p0 and sensitivity > 0:
        return "价格敏感"
    if frequency >= 1.2 * f0:
        return "活跃复购"
    if recency < 0.7 * r0:
        return "新近客户"
    return "普通客户"
