"""The flash-sale buy script on Redis Cluster against one Redis, in the same run.

``python -m bench.redis_cluster`` starts, from the installed ``redis-server``, one plain Redis
(the baseline) and a local three-master cluster (tests/core/redis_cluster.py), each on free
ports in a temporary directory, and sends the same buys to both through the store the edge uses
(``RedisFlashStore.buy``: the calls of one event-loop turn go as one pipeline of ``EVALSHA``):
``--buyers`` concurrent buyers in waves, on ``--campaigns`` campaigns (each campaign's keys
share one hash tag, so one campaign lives on one node; several campaigns spread over the
masters). It checks that exactly the stock was sold on both, and writes buys per second and
the ratio to docs/benchmarks.md. One client process: this measures the client and the network
round trips on one machine, not what a cluster of machines serves.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from tests.core.redis_cluster import _cli, _poll, _ports, redis_cluster

from bench.runner import REPORT
from bench.sections import replace_section
from shoplet.core.redis_pool import redis_client
from shoplet.modules.flashsale.store import RedisFlashStore

BEGIN, END = "<!-- redis-cluster:begin -->", "<!-- redis-cluster:end -->"


@dataclass
class Run:
    target: str
    buys: int
    seconds: float
    outcomes: Counter[str]
    sold: int
    stock: int

    @property
    def rate(self) -> float:
        return self.buys / self.seconds


@contextmanager
def single_redis(root: Path) -> Iterator[str]:
    (port,) = _ports(1)
    root.mkdir(parents=True)
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(root),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _poll(lambda: _cli(port, "ping").strip() == "PONG", "redis up")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def measure(
    target: str, url: str, *, buyers: int, waves: int, campaigns: int, stock: int
) -> Run:
    client: Redis = redis_client(url, max_connections=256, timeout=5)
    store = RedisFlashStore(client, namespace="bench:")
    now = int(time.time() * 1000)
    for campaign in range(1, campaigns + 1):
        await store.warm(
            campaign,
            starts_ms=now - 1000,
            ends_ms=now + 3_600_000,
            is_open=True,
            info=b"{}",
            items=[(1, stock, 1)],
            bought={},
        )

    async def buy(member: int) -> str:
        result = await store.buy(
            campaign_id=1 + member % campaigns,
            sku_id=1,
            member_id=member,
            quantity=1,
            ticket=f"t{member}",
            ip=f"10.{member // 65536 % 256}.{member // 256 % 256}.{member % 256}",
            per_member=5,
            per_ip=1000,
            window_ms=60_000,
        )
        return result.outcome

    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for wave in range(waves):
        first = wave * buyers
        outcomes.update(await asyncio.gather(*(buy(m) for m in range(first, first + buyers))))
    seconds = time.perf_counter() - started
    sold = 0
    for campaign in range(1, campaigns + 1):
        sold += stock - (await store.remaining(campaign))[1]
    await client.aclose()
    return Run(target, buyers * waves, seconds, outcomes, sold, stock * campaigns)


def render(
    runs: list[Run], args: argparse.Namespace, load: str
) -> Callable[[Callable[[str], None]], None]:
    base = runs[0]

    def write(add: Callable[[str], None]) -> None:
        add(BEGIN)
        add("## Flash-sale buy script on Redis Cluster (`python -m bench.redis_cluster`)")
        add("")
        add(
            f"{args.buyers} concurrent buyers a wave, {args.waves} waves, {args.campaigns} "
            f"campaigns of {args.stock:,} units (limit 1), through `RedisFlashStore.buy` (one "
            "pipeline of `EVALSHA` per event-loop turn) from one client process. **Baseline, same "
            "run**: one plain `redis-server`; then a local three-master cluster "
            "(`redis+cluster://`, redis-py's `RedisCluster`), the same binary on the same "
            f"machine. Load average at the end {load} on {os.cpu_count()} CPUs: a shared machine "
            "inflates every figure. This measures the client and the round trips, not what "
            "masters on separate machines serve."
        )
        add("")
        add("| target | buys | time | buys/s | ratio | queued | sold out | all sold | oversold |")
        add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
        for run in runs:
            add(
                f"| {run.target} | {run.buys:,} | {run.seconds:.2f} s | {run.rate:,.0f} | "
                f"{run.rate / base.rate:.2f} | {run.outcomes['queued']:,} | "
                f"{run.outcomes['sold_out']:,} | {run.sold == run.stock} | "
                f"{max(0, run.outcomes['queued'] - run.stock)} |"
            )
        add("")
        add(END)

    return write


async def main_async(args: argparse.Namespace) -> list[Run]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="shoplet-bench-redis-") as tmp:
        root = Path(tmp)
        kw = {
            "buyers": args.buyers, "waves": args.waves, "campaigns": args.campaigns,
            "stock": args.stock,
        }  # fmt: skip
        with single_redis(root / "single") as url:
            runs.append(await measure("one Redis (baseline)", url, **kw))
        with redis_cluster(root / "cluster") as url:
            runs.append(await measure("Redis Cluster, 3 masters", url, **kw))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--waves", type=int, default=40)
    parser.add_argument("--campaigns", type=int, default=3)
    parser.add_argument("--stock", type=int, default=2_000)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    runs = asyncio.run(main_async(args))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    for run in runs:
        print(f"{run.target}: {run.rate:,.0f} buys/s, {dict(run.outcomes)}, sold {run.sold}")
    for run in runs:
        assert run.sold == run.stock, run
        assert run.outcomes["queued"] == run.stock, run
    if not args.no_report:
        replace_section(REPORT, BEGIN, END, render(runs, args, load))


if __name__ == "__main__":
    main()
