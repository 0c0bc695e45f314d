"""The analysis itself, pure (no I/O): a directed graph of who brought whom, measured with
igraph (its algorithms are C; the whole analysis of 100,000 edges takes under a second).

- **PageRank** on the reversed graph (an edge from each shopper to whoever brought them), so
  influence flows to the people others came through, and to the people *those* came through.
- **Brought**: distinct shoppers a sharer brought directly (out-degree).
- **Reach within two hops**: distinct shoppers reachable in one or two steps (friends, and
  friends of friends who came through them).
- **Communities**: Leiden (optimising modularity; the refinement of Louvain that never leaves a
  community internally disconnected) on the undirected graph, seeded so a run is repeatable,
  numbered from the largest community down.

igraph is imported inside :func:`analyse` (no start-up cost for the API).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEED = 20_261_205
DAMPING = 0.85
LEIDEN_ITERATIONS = 10


@dataclass(frozen=True, slots=True)
class Conversion:
    converted: int
    """Distinct shoppers this sharer brought who then paid an order."""
    revenue: int
    """What those orders paid (fen)."""


@dataclass(frozen=True, slots=True)
class NodeScore:
    member_id: int
    rank: int
    pagerank: float
    brought: int
    reach_2: int
    converted: int
    revenue: int
    community: int


@dataclass(frozen=True, slots=True)
class Analysis:
    nodes: int
    edges: int
    communities: int
    scores: list[NodeScore]
    """Every shopper who brought at least one other, best first (PageRank, then revenue, then
    reach, then member id)."""


def _communities(membership: list[int]) -> tuple[list[int], int]:
    """Community numbers from the largest community down (ties: the smallest member index)."""
    sizes: dict[int, list[int]] = {}
    for node, group in enumerate(membership):
        sizes.setdefault(group, []).append(node)
    order = sorted(sizes, key=lambda g: (-len(sizes[g]), sizes[g][0]))
    renumber = {group: index for index, group in enumerate(order)}
    return [renumber[group] for group in membership], len(order)


def analyse(
    edges: Iterable[tuple[int, int]],
    conversions: Mapping[int, Conversion],
    *,
    seed: int = SEED,
) -> Analysis:
    """Measure the graph whose edges are (sharer, shopper they brought). Self-loops and
    repeated edges count once."""
    import igraph

    pairs = sorted({(a, b) for a, b in edges if a != b})
    ids = sorted({member for pair in pairs for member in pair})
    if not ids:
        return Analysis(nodes=0, edges=0, communities=0, scores=[])
    index = {member: i for i, member in enumerate(ids)}
    graph = igraph.Graph(n=len(ids), edges=[(index[a], index[b]) for a, b in pairs], directed=True)
    reversed_graph = graph.copy()
    reversed_graph.reverse_edges()
    rank = reversed_graph.pagerank(damping=DAMPING)
    out_degree = graph.outdegree()
    reach = graph.neighborhood_size(order=2, mode="out")
    # igraph draws its random numbers from Python's random module: a seeded generator of our
    # own makes the communities the same on every run, whatever else uses random meanwhile.
    previous = random.getstate()
    random.seed(seed)
    try:
        clusters = graph.as_undirected().community_leiden(
            objective_function="modularity", n_iterations=LEIDEN_ITERATIONS
        )
    finally:
        random.setstate(previous)
    community, count = _communities(list(clusters.membership))
    rows = []
    for i, member in enumerate(ids):
        if out_degree[i] == 0:
            continue
        conversion = conversions.get(member, Conversion(0, 0))
        rows.append(
            (
                member,
                float(rank[i]),
                int(out_degree[i]),
                int(reach[i]) - 1,
                conversion.converted,
                conversion.revenue,
                community[i],
            )
        )
    rows.sort(key=lambda r: (-r[1], -r[5], -r[3], r[0]))
    scores = [
        NodeScore(
            member_id=member_id,
            rank=position,
            pagerank=pagerank,
            brought=brought,
            reach_2=reach_2,
            converted=converted,
            revenue=revenue,
            community=group,
        )
        for position, (member_id, pagerank, brought, reach_2, converted, revenue, group) in (
            enumerate(rows, start=1)
        )
    ]
    return Analysis(nodes=len(ids), edges=len(pairs), communities=count, scores=scores)
