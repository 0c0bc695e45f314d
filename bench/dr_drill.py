"""Disaster-recovery drill: lose the primary in the middle of order placements, promote the
synchronous standby, measure recovery time and committed orders lost.

``python -m bench.dr_drill [--clients 4] [--before 10] [--after 5] [--promote-delay 0]``

1. Two local PostgreSQL clusters (the server's own binaries, ``shoplet.deploy.pgcluster``): a
   primary and a standby streaming from it, named in the primary's ``synchronous_standby_names``
   with ``synchronous_commit = on``, so a commit is acknowledged only once the standby has
   flushed it.
2. Shoplet in process on the multi-host DSN
   ``postgresql+asyncpg://…/shoplet?host=primary&host=standby&target_session_attrs=read-write``:
   new connections go to whichever host accepts writes, so the app needs no reconfiguration.
3. ``--clients`` shoppers place orders (``POST /api/v1/orders``, each with its own
   ``Idempotency-Key``) continuously; every 201 is an order acknowledged to a client.
4. After ``--before`` seconds the primary's postmaster gets SIGKILL; ``--promote-delay`` seconds
   later the standby is promoted (``pg_ctl promote``, what Patroni or CloudNativePG do once they
   see the leader gone).
5. RTO: from the kill to the first order acknowledged after it. RPO: acknowledged orders missing
   from the promoted standby (must be 0). Orders that failed or were in flight at the kill may or
   may not exist; none was acknowledged, so none is a loss.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from shoplet.deploy.pgcluster import Cluster, find_bin_dir, make_root, remove_root

ORDERS = "/api/v1/orders"
ADDRESS = {
    "recipient": "演练买家",
    "phone": "13800138000",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "region_code": "440305",
    "detail": "科技园南区一号",
    "postal_code": "518057",
}
SECRET = "dr-drill-secret-key-for-local-clusters-only-0123456789"  # noqa: S105 - throwaway
PII_KEY = "00112233445566778899aabbccddeeff"


def multi_host_url(*clusters: Cluster, database: str = "shoplet") -> str:
    hosts = "&".join(f"host=127.0.0.1:{c.port}" for c in clusters)
    return f"postgresql+asyncpg://postgres@/{database}?{hosts}&target_session_attrs=read-write"


async def create_schema(url: str) -> None:
    """Shoplet's tables straight from the models on an empty database."""
    from shoplet.all_models import load_all_models
    from shoplet.core.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(load_all_models().metadata.create_all)
    finally:
        await engine.dispose()


@dataclass
class Shop:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def ctx(self) -> Any:
        return self.app.state.ctx


@asynccontextmanager
async def open_shop(database_url: str, data_dir: Path, **overrides: Any) -> AsyncIterator[Shop]:
    """Shoplet in process (test mode: WeChat simulators, no Redis unless given) on a URL."""
    from shoplet.app import create_app
    from shoplet.core.settings import Settings

    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": SECRET,
        "pii_key": PII_KEY,
        "log_json": False,
        "log_level": "CRITICAL",
        "access_log": False,
        "run_worker_in_process": False,
        "serve_frontends": False,
        "search_semantic": False,
    }
    values.update(overrides)
    app = create_app(Settings(**values))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.drill") as c:
            yield Shop(app, c)


async def make_sku(ctx: Any, stock: int = 1_000_000, price: int = 5900) -> int:
    """A product on sale with one SKU holding ``stock`` units: its SKU id."""
    from shoplet.modules.catalog import public as catalog

    async with ctx.sessionmaker() as s:
        category = await catalog.create_category(s, catalog.CategoryCreate(name="演练"))
        product = await catalog.create_product(
            s,
            catalog.ProductCreate.model_validate({
                "category_id": category.id,
                "title": "演练商品",
                "images": ["/media/products/0123456789abcdef0123.jpg"],
                "status": "on_sale",
                "skus": [{"specs": [], "price": price, "stock": stock}],
            }),
            actor="drill",
        )  # fmt: skip
        await s.commit()
    return int(product.skus[0].id)


@dataclass(frozen=True)
class Buyer:
    member_id: int
    headers: dict[str, str]
    address_id: int


async def make_buyer(client: httpx.AsyncClient, name: str) -> Buyer:
    login = await client.post("/api/v1/auth/wechat-login", json={"code": f"test-{name}"})
    login.raise_for_status()
    tokens = login.json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    created = await client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    created.raise_for_status()
    return Buyer(int(tokens["member"]["id"]), headers, int(created.json()["id"]))


async def place(client: httpx.AsyncClient, buyer: Buyer, sku_id: int) -> httpx.Response:
    body = {"address_id": buyer.address_id, "items": [{"sku_id": sku_id, "quantity": 1}]}
    headers = {**buyer.headers, "Idempotency-Key": f"drill-{uuid.uuid4().hex}"}
    return await client.post(ORDERS, json=body, headers=headers)


@dataclass
class DrillResult:
    acknowledged: int = 0
    acknowledged_before_kill: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    rto_seconds: float = 0.0
    promote_seconds: float = 0.0
    order_ms_p50: float = 0.0
    order_ms_p99: float = 0.0

    def rows(self) -> list[tuple[str, str]]:
        acked = f"{self.acknowledged} ({self.acknowledged_before_kill})"
        latency = f"{self.order_ms_p50:.1f} / {self.order_ms_p99:.1f} ms"
        return [
            ("orders acknowledged (before the kill)", acked),
            ("orders failed during the failover", str(self.failed)),
            ("acknowledged orders lost (RPO)", str(len(self.lost))),
            ("standby promotion (pg_ctl promote -w)", f"{self.promote_seconds:.2f} s"),
            ("kill -> first acknowledged order (RTO)", f"{self.rto_seconds:.2f} s"),
            ("order latency p50 / p99 (synchronous commit)", latency),
        ]


async def run_drill(  # noqa: PLR0915 - one scenario, step by step
    *,
    clients: int = 4,
    before_kill: float = 10.0,
    after_recovery: float = 5.0,
    promote_delay: float = 0.0,
    durable: bool = True,
    min_orders_before_kill: int = 20,
    deadline_seconds: float = 180.0,
    progress: Callable[[str], None] = print,
) -> DrillResult:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (initdb); set SHOPLET_PG_BIN")
    root = make_root("shoplet-dr-")
    primary = Cluster(bin_dir, root, "primary").init(durable=durable, archive=False)
    standby: Cluster | None = None
    result = DrillResult()
    try:
        primary.start()
        primary.psql("CREATE DATABASE shoplet")
        standby = primary.standby("standby1", synchronous=True).start()
        primary.wait_for_standby("standby1", sync=True)
        state = primary.psql("SELECT application_name, sync_state FROM pg_stat_replication")
        progress(f"primary :{primary.port}, standby :{standby.port} ({state.replace(chr(9), ' ')})")
        await create_schema(primary.url("shoplet"))
        with tempfile.TemporaryDirectory(prefix="shoplet-dr-data-") as data_dir:
            async with open_shop(multi_host_url(primary, standby), Path(data_dir)) as shop:
                sku_id = await make_sku(shop.ctx)
                buyers = [await make_buyer(shop.client, f"drill-{i}") for i in range(clients)]
                acked: list[tuple[str, float]] = []
                latencies: list[float] = []
                stop = asyncio.Event()

                async def buy(buyer: Buyer) -> None:
                    while not stop.is_set():
                        start = time.monotonic()
                        try:
                            response = await place(shop.client, buyer, sku_id)
                        except Exception:
                            response = None
                        if response is not None and response.status_code == 201:
                            acked.append((response.json()["order_no"], time.monotonic()))
                            latencies.append((time.monotonic() - start) * 1000)
                        else:
                            result.failed += 1
                            await asyncio.sleep(0.05)  # no hot loop while the database is away

                tasks = [asyncio.create_task(buy(b)) for b in buyers]
                started = time.monotonic()
                while (
                    time.monotonic() - started < before_kill or len(acked) < min_orders_before_kill
                ):
                    if time.monotonic() - started > deadline_seconds:
                        raise RuntimeError(f"only {len(acked)} orders before the deadline")
                    await asyncio.sleep(0.05)
                result.acknowledged_before_kill = len(acked)
                killed_at = time.monotonic()
                primary.kill()
                progress(f"primary killed (SIGKILL) after {len(acked)} orders")
                await asyncio.sleep(promote_delay)
                promote_start = time.monotonic()
                await asyncio.to_thread(standby.promote)
                result.promote_seconds = time.monotonic() - promote_start
                progress(f"standby promoted in {result.promote_seconds:.2f} s")
                while not any(t > killed_at for _, t in acked):
                    if time.monotonic() - killed_at > deadline_seconds:
                        raise RuntimeError("no order succeeded after the failover")
                    await asyncio.sleep(0.01)
                result.rto_seconds = min(t for _, t in acked if t > killed_at) - killed_at
                progress(f"first order after the kill at +{result.rto_seconds:.2f} s")
                await asyncio.sleep(after_recovery)
                stop.set()
                await asyncio.gather(*tasks)
        result.acknowledged = len(acked)
        numbers = [n for n, _ in acked]
        # Order numbers are digits (the API's own pattern), so they are safe to inline.
        found = standby.psql(
            "SELECT order_no FROM orders_order WHERE order_no IN ("  # noqa: S608
            + ",".join(f"'{n}'" for n in numbers)
            + ")",
            database="shoplet",
        ).split()
        result.lost = sorted(set(numbers) - set(found))
        ordered = sorted(latencies)
        result.order_ms_p50 = statistics.median(ordered)
        result.order_ms_p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return result
    finally:
        if standby is not None:
            standby.stop("immediate")
        primary.stop("immediate")
        remove_root(root)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--before", type=float, default=10.0, help="seconds of orders first")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of orders after")
    parser.add_argument("--promote-delay", type=float, default=0.0, help="failure detection")
    parser.add_argument("--no-fsync", action="store_true", help="fsync off (faster, tests)")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_drill(
            clients=args.clients,
            before_kill=args.before,
            after_recovery=args.after,
            promote_delay=args.promote_delay,
            durable=not args.no_fsync,
        )
    )
    print("\n| measure | value |\n| --- | --- |")
    for name, value in result.rows():
        print(f"| {name} | {value} |")
    if result.lost:
        raise SystemExit(f"LOST acknowledged orders: {result.lost}")


if __name__ == "__main__":
    main()

__all__ = ["DrillResult", "multi_host_url", "open_shop", "run_drill"]
