"""The one way Shoplet builds a Redis connection pool."""

from __future__ import annotations

from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# redis-py retries a client it builds itself (10 times, 10 ms to 1 s apart), but a client built
# on a pool takes the pool's policy, which is "never": one connect that misses its 5-second
# window (a SYN dropped while Redis's accept queue is full retries only after 1 s, then 3 s)
# became a 500. Three tries 10 ms–1 s apart ride that out and still fail fast when Redis is down.
_RETRIES = 3


def blocking_pool(url: str, *, max_connections: int, timeout: float) -> BlockingConnectionPool:
    """A bounded pool: past ``max_connections`` callers wait up to ``timeout`` seconds for a
    connection instead of failing with "Too many connections" (the default pool raises)."""
    retry = Retry(
        ExponentialWithJitterBackoff(base=0.01, cap=1.0),
        _RETRIES,
        supported_errors=(RedisConnectionError, RedisTimeoutError),
    )
    return BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout, retry=retry
    )


# Redis Cluster: ``SHOPLET_REDIS_URL=redis+cluster://[user:password@]host:port[,host:port...]``
# (``rediss+cluster://`` with TLS), the scheme the ``limits`` library uses for its cluster
# storage. The hosts are startup nodes: the client learns the rest of the cluster from them.
CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def cluster_nodes(url: str) -> tuple[str, list[tuple[str, int]]]:
    """A cluster URL as a plain ``redis://`` (or ``rediss://``) URL of its first node, for the
    options (credentials, TLS, query string), and every startup node as (host, port)."""
    scheme, rest = url.split("://", 1)
    netloc, sep, tail = rest.partition("/")
    if "?" in netloc:
        netloc, query = netloc.split("?", 1)
        tail, sep = "?" + query + tail, "/"
    auth, _, hosts = netloc.rpartition("@")
    nodes = []
    for host in hosts.split(","):
        name, _, port = host.strip().rpartition(":")
        if not name:
            name, port = port, "6379"
        nodes.append((name.strip("[]"), int(port)))
    if not nodes or not all(name for name, _ in nodes):
        raise ValueError(f"no cluster node in {scheme}:// URL")
    plain = scheme.lower().removesuffix("+cluster")
    first = f"{nodes[0][0]}:{nodes[0][1]}"
    return f"{plain}://{auth + '@' if auth else ''}{first}{sep}{tail}", nodes


def redis_client(url: str, *, max_connections: int, timeout: float) -> Redis:
    """Shoplet's Redis client for ``url``: on a blocking pool (:func:`blocking_pool`), or a
    ``RedisCluster`` for a ``redis+cluster://`` URL.

    The cluster client is typed as ``Redis``: it implements every command Shoplet sends
    (scripts, pipelines without MULTI, streams, pub/sub, SCAN over every primary), and every
    multi-key command and script keeps its keys on one slot with a hash tag. Its pool holds up to
    ``max_connections`` per node and raises past that instead of waiting (redis-py's cluster
    client has no blocking pool)."""
    if not is_cluster_url(url):
        return Redis(
            connection_pool=blocking_pool(url, max_connections=max_connections, timeout=timeout)
        )
    plain, nodes = cluster_nodes(url)
    cluster = RedisCluster.from_url(
        plain,
        startup_nodes=[ClusterNode(host, port) for host, port in nodes],
        max_connections=max_connections,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=1.0), _RETRIES),
    )
    return cast("Redis", cluster)


def is_cluster(redis: object) -> bool:
    return isinstance(redis, RedisCluster)
