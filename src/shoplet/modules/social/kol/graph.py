"""The analysis itself, pure (no I/O): a directed graph of who brought whom, measured with
networkx.

- **PageRank** on the reversed graph (an edge from each shopper to whoever brought them), so
  influence flows to the people others came through, and to the people *those* came through.
- **Brought**: distinct shoppers a sharer brought directly (out-degree).
- **Reach within two hops**: distinct shoppers reachable in one or two steps (friends, and
  friends of friends who came through them).
- **Communities**: Louvain on the undirected graph (seeded, so a run is repeatable), numbered
  from the largest community down.

networkx is imported inside :func:`analyse` (no start-up cost for the API).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEED = 20_261_205
DAMPING = 0.85


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
    edge_list: list[tuple[int, int]]


def analyse(
    edges: Iterable[tuple[int, int]],
    conversions: Mapping[int, Conversion],
    *,
    seed: int = SEED,
) -> Analysis:
    """Measure the graph whose edges are (sharer, shopper they brought). Self-loops and
    repeated edges count once."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    if graph.number_of_nodes() == 0:
        return Analysis(nodes=0, edges=0, communities=0, scores=[], edge_list=[])
    rank = nx.pagerank(graph.reverse(copy=False), alpha=DAMPING)
    groups = sorted(
        nx.community.louvain_communities(graph.to_undirected(), seed=seed),
        key=lambda members: (-len(members), min(members)),
    )
    community = {node: index for index, members in enumerate(groups) for node in members}
    sharers = [node for node in graph.nodes if graph.out_degree(node) > 0]
    rows = []
    for node in sharers:
        reach = nx.single_source_shortest_path_length(graph, node, cutoff=2)
        conversion = conversions.get(node, Conversion(0, 0))
        rows.append(
            (
                int(node),
                float(rank[node]),
                int(graph.out_degree(node)),
                len(reach) - 1,
                conversion.converted,
                conversion.revenue,
                community[node],
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
    return Analysis(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        communities=len(groups),
        scores=scores,
        edge_list=[(int(a), int(b)) for a, b in graph.edges],
    )
