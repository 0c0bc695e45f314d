"""Flash-sale bench: thousands of shoppers against one small stock, on ``--role edge``.

``python -m bench.flashsale`` on its own, or as part of ``make bench`` (``python -m bench``,
after the other rows, on the stack the harness chose). On PostgreSQL + Redis only: the edge
role and the order consumers need Redis.

1. Arrange (in process, through the modules): a SKU, ``SHOPPERS`` members with an address, a
   campaign of ``STOCK`` units with a per-shopper limit of 1 starting a few seconds later, warmed
   into Redis; an access JWT and a buy token per shopper written to a file.
2. Serve ``shoplet.asgi:app`` with ``SHOPLET_ROLE=edge`` (the API role alone, as deployed).
3. At the start, wrk (``bench/flashsale_wrk.lua``) sends ``ATTEMPTS`` buy attempts over
   ``CONNECTIONS`` connections, rotating through the shoppers, and counts the answers.
4. One ``shoplet worker`` (the consumers) turns the queued requests into orders — started when
   the burst ends, so that on a small machine it does not take CPU from the edge (production
   runs them as separate replicas); check sold == orders == stock, nobody above the limit, the
   campaign hold empty, the reconciliation clean.
5. A second run where Redis decides every attempt (stock = 2 x shoppers, never sold out: 5,000
   queued, the rest refused by the limit in the script), without the local sold-out shortcut.
6. The bare FastAPI endpoint on the same server command and connections, before and after the
   runs (the load of a shared machine drifts): the ratio is against their mean.

``--profile docs/perf/flash-buy.svg`` also records the edge (every worker process) with py-spy
during the burst of the second run and writes the flame graph there (``--profile-run sale`` for
the first run). py-spy takes CPU from a 2-core machine, so the figures of a profiled run are not
the ones to report: profile and measure in separate runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.runner import (
    BENCH_SECRET,
    DATA_DIR,
    REPORT,
    ROOT,
    Backend,
    _forget_cached,
    _settings,
    detect_backend,
    prepare_database,
    run_wrk,
    server_env,
)
from bench.scenarios import LoadRequest
from bench.sections import replace_section
from bench.servers import STACKS, Server, Stack

LUA = Path(__file__).with_name("flashsale_wrk.lua")
SHOPPERS = 5_000
ATTEMPTS = 20_000
STOCK = 500
CONNECTIONS = 256
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
START_DELAY_S = 8.0
BEGIN, END = "<!-- flashsale:begin -->", "<!-- flashsale:end -->"


@dataclass
class FlashRun:
    name: str
    title: str
    stock: int
    shoppers: int
    attempts: int
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    responses: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    checks: dict[str, Any] = field(default_factory=dict)
    load1: float = 0.0


@dataclass
class FlashResult:
    stack: str
    stack_label: str
    connections: int
    threads: int
    backend: str
    runs: list[FlashRun] = field(default_factory=list)
    bare_rps: float = 0.0
    bare_p99_ms: float = 0.0
    bare_runs: list[tuple[float, float]] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None


# -- arrange ---------------------------------------------------------------------------------


@dataclass
class Arranged:
    campaign_id: int
    sku_id: int
    data_file: Path
    starts_at: float


async def arrange(
    settings: Any, *, tag: str, shoppers: int, stock: int, data_file: Path
) -> Arranged:
    """A SKU, shoppers with addresses, a campaign starting in ``START_DELAY_S`` (warm), and one
    line per shopper: access JWT, buy body with token."""
    from sqlalchemy import insert

    from shoplet.all_models import load_all_models
    from shoplet.core.context import AppContext
    from shoplet.core.db import unit_of_work, utcnow
    from shoplet.modules.catalog import public as catalog
    from shoplet.modules.flashsale import service as flash
    from shoplet.modules.flashsale.runtime import runtime_of
    from shoplet.modules.flashsale.schemas import CampaignCreate, CampaignItemCreate
    from shoplet.modules.flashsale.tokens import BuyTokens
    from shoplet.modules.members.models import Address, Member

    ctx = AppContext.build(settings)
    try:
        # Tables the migrations do not have yet (modules newer than the last revision).
        async with ctx.engine.begin() as conn:
            await conn.run_sync(load_all_models().metadata.create_all)
        now = utcnow()
        async with unit_of_work(ctx.sessionmaker) as s:
            category = await catalog.create_category(s, catalog.CategoryCreate(name=f"秒杀{tag}"))
            product = await catalog.create_product(
                s,
                catalog.ProductCreate(
                    category_id=category.id,
                    title=f"秒杀压测商品 {tag}",
                    images=["/media/products/0123456789abcdef0123.jpg"],
                    status="on_sale",
                    skus=[catalog.SkuCreate(price=19900, stock=stock + 10)],
                ),
                actor="bench",
            )
            sku_id = product.skus[0].id
            rows = [
                {
                    "nickname": f"bench{i}",
                    "wechat_openid": f"bench-{tag}-{i}",
                    "created_at": now - timedelta(days=30),
                    "last_login_at": now,
                    "is_active": True,
                    "gender": "unknown",
                }
                for i in range(shoppers)
            ]
            member_ids = list(
                (await s.execute(insert(Member).returning(Member.id), rows)).scalars()
            )
            pii = ctx.pii
            recipient, phone = pii.encrypt("压测用户"), pii.encrypt("13800000000")
            detail = pii.encrypt("科技园南区深南大道10000号")
            await s.execute(
                insert(Address),
                [
                    {
                        "member_id": member_id,
                        "recipient_encrypted": recipient,
                        "phone_encrypted": phone,
                        "province": "广东省",
                        "city": "深圳市",
                        "district": "南山区",
                        "region_code": "440305",
                        "detail_encrypted": detail,
                        "postal_code": "518057",
                        "is_default": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for member_id in member_ids
                ],
            )
        starts_at = utcnow() + timedelta(seconds=START_DELAY_S)
        async with unit_of_work(ctx.sessionmaker) as s:
            campaign = await flash.create_campaign(
                s,
                CampaignCreate(
                    title=f"压测秒杀 {tag}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=30),
                    items=[
                        CampaignItemCreate(
                            sku_id=sku_id, flash_price=990, stock=stock, per_shopper_limit=1
                        )
                    ],
                ),
                actor="bench",
            )
        await flash.warm_up(ctx)
        await runtime_of(ctx).aclose()
        expires = (utcnow() + timedelta(hours=2)).timestamp()
        buy_tokens = BuyTokens(BENCH_SECRET)
        with data_file.open("w") as out:
            for member_id in member_ids:
                access = ctx.tokens.issue(
                    subject=str(member_id), audience="storefront", ttl=timedelta(hours=2)
                )
                token = buy_tokens.issue(
                    campaign_id=campaign.id, member_id=member_id, expires_at=expires
                )
                body = json.dumps({"sku_id": sku_id, "quantity": 1, "token": token})
                out.write(f"{access}\t{body}\n")
        return Arranged(campaign.id, sku_id, data_file, starts_at.timestamp())
    finally:
        await ctx.close()


# -- verify ----------------------------------------------------------------------------------


async def verify(
    settings: Any, arranged: Arranged, *, stock: int, accepted: int, wait_orders: bool
) -> dict[str, Any]:
    """Counters, orders, holds and the reconciliation after a run."""
    from sqlalchemy import func, select

    from shoplet.core.context import AppContext
    from shoplet.modules.flashsale.models import Ticket
    from shoplet.modules.flashsale.runtime import runtime_of
    from shoplet.modules.flashsale.service import hold_ref, reconcile_campaign
    from shoplet.modules.inventory import public as inventory
    from shoplet.modules.orders.models import Order, OrderLine

    ctx = AppContext.build(settings)
    c, sku = arranged.campaign_id, arranged.sku_id
    ref = hold_ref(c, sku)
    try:
        store = runtime_of(ctx).store
        remaining = (await store.remaining(c)).get(sku, -1)
        started = time.monotonic()
        tickets = 0
        while wait_orders:
            async with ctx.sessionmaker() as s:
                tickets = int(
                    (
                        await s.execute(
                            select(func.count()).select_from(Ticket).where(Ticket.campaign_id == c)
                        )
                    ).scalar_one()
                )
            if tickets >= stock - remaining or time.monotonic() - started > 180:
                break
            await asyncio.sleep(0.2)
        orders_took = round(time.monotonic() - started, 1)
        async with ctx.sessionmaker() as s:
            per_member = (
                await s.execute(
                    select(Order.member_id, func.sum(OrderLine.quantity))
                    .join(OrderLine, OrderLine.order_id == Order.id)
                    .where(Order.stock_source_ref == ref)
                    .group_by(Order.member_id)
                )
            ).all()
            held = await inventory.held_quantity(s, ref=ref, sku_id=sku)
            level = (await inventory.get_levels(s, [sku]))[sku]
        units = sum(int(n) for _m, n in per_member)
        checks: dict[str, Any] = {
            "sold (Redis)": stock - remaining,
            "accepted (202)": accepted,
            "orders": len(per_member),
            "units in orders": units,
            "most units per shopper": max((int(n) for _m, n in per_member), default=0),
            "campaign hold left": held,
            "oversold": max(0, stock - remaining - stock) + max(0, units - stock),
        }
        if wait_orders:
            checks["orders created within"] = f"{orders_took} s"
            report = await reconcile_campaign(ctx, c)
            checks["reconciliation"] = "clean" if report["ok"] else report["unexplained"]
            checks["ok"] = (
                stock - remaining == accepted == units == len(per_member) == stock
                and held == 0
                and checks["most units per shopper"] <= 1
                and report["ok"]
                and level.reserved >= units
            )
        else:
            checks["ok"] = stock - remaining == accepted and checks["oversold"] == 0
        return checks
    finally:
        await runtime_of(ctx).aclose()
        await ctx.close()


async def retire(settings: Any, campaign_id: int) -> None:
    """Mark a campaign whose requests are never turned into orders (the second run) settled, so
    a later run's consumers do not work through its stream before their own."""
    from sqlalchemy import func, update

    from shoplet.core.context import AppContext
    from shoplet.modules.flashsale.models import Campaign

    ctx = AppContext.build(settings)
    try:
        async with ctx.engine.begin() as conn:
            await conn.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(settled_at=func.now())
            )
    finally:
        await ctx.close()


# -- load ------------------------------------------------------------------------------------


def run_buy_wrk(
    base_url: str, arranged: Arranged, *, attempts: int, connections: int, threads: int
) -> dict[str, Any]:
    """wrk until ``attempts`` answers arrived: each thread writes a marker file when it has its
    share, and wrk is interrupted (SIGINT: it stops and reports the time it actually ran)."""
    with tempfile.TemporaryDirectory() as markers:
        env = {
            **os.environ,
            "BENCH_FLASH_DATA": str(arranged.data_file),
            "BENCH_FLASH_PATH": f"/api/v1/flash-sales/{arranged.campaign_id}/buy",
            "BENCH_FLASH_REQUESTS": str(attempts),
            "BENCH_FLASH_THREADS": str(threads),
            "BENCH_FLASH_MARKERS": markers,
        }
        command = [
            "wrk", f"-t{threads}", f"-c{connections}", "-d120s", "--timeout", "5s",
            "-s", str(LUA), base_url,
        ]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 150
        while process.poll() is None and time.monotonic() < deadline:
            if len(os.listdir(markers)) >= threads:
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.005)
        stdout, stderr = process.communicate(timeout=60)
    for line in stdout.splitlines():
        if line.startswith("WRK_JSON "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
            return parsed
    raise RuntimeError(f"wrk gave no result: {stdout[-500:]} {stderr[-500:]}")


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from shoplet.cli import app; app(['worker'])"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _py_spy(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` and its worker processes until interrupted (SIGINT)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
        "--subprocesses", "--nonblocking", "--rate", "200", "--format", "flamegraph",
        "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop_py_spy(process: subprocess.Popen[bytes], output: Path) -> None:
    process.send_signal(signal.SIGINT)
    try:
        _out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    if output.exists():
        print(f"    flame graph: {output}")
    else:
        print(f"    py-spy wrote no flame graph: {err.decode(errors='replace')[-300:]}")


def _one_run(
    run: FlashRun,
    backend: Backend,
    stack: Stack,
    *,
    threads: int,
    connections: int,
    with_worker: bool,
    profile: Path | None = None,
) -> None:
    settings = _settings(backend)
    env = server_env(backend)
    env.update(
        {
            "SHOPLET_ROLE": "edge",
            # Every request comes from 127.0.0.1: the per-IP window would stop the bench.
            "SHOPLET_FLASHSALE_BUY_PER_IP": "1000000000",
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "shoppers.tsv"
        arranged = asyncio.run(
            arrange(
                settings,
                tag=f"{run.name}-{int(time.time())}",
                shoppers=run.shoppers,
                stock=run.stock,
                data_file=data_file,
            )
        )
        logs = DATA_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        server = Server(stack, "shoplet", env, ROOT, logs / f"flashsale-{run.name}-edge.log")
        worker: subprocess.Popen[bytes] | None = None
        try:
            server.wait_first_ok(f"/api/v1/flash-sales/{arranged.campaign_id}")
            # Before the start shoppers sit on the campaign page (the countdown): the same
            # connections, every server process warm, its Redis pool open.
            page = LoadRequest(f"/api/v1/flash-sales/{arranged.campaign_id}")
            run_wrk(server.base_url, page, duration=2, connections=connections, threads=threads)
            delay = arranged.starts_at - time.time() + 0.3
            if delay > 0:
                time.sleep(delay)
            spy = _py_spy(server.process.pid, profile) if profile is not None else None
            try:
                raw = run_buy_wrk(
                    server.base_url,
                    arranged,
                    attempts=run.attempts,
                    connections=connections,
                    threads=threads,
                )
            finally:
                if spy is not None and profile is not None:
                    _stop_py_spy(spy, profile)
            if with_worker:
                # After the burst: on a 2-core machine the consumers would otherwise take CPU
                # from the edge (in production they are separate replicas). The orders' time is
                # reported on its own.
                worker = _worker(env, logs / f"flashsale-{run.name}-worker.log")
            run.load1 = round(os.getloadavg()[0], 2)
            run.rps = round(raw["requests"] / (raw["duration_us"] / 1e6), 1)
            run.p50_ms = raw["latency_us"]["p50"] / 1000
            run.p90_ms = raw["latency_us"]["p90"] / 1000
            run.p99_ms = raw["latency_us"]["p99"] / 1000
            run.responses = raw["responses"]
            run.statuses = raw["status"]
            errors = raw["errors"]
            run.socket_errors = (
                errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
            )
            print(
                f"    {run.name}: {run.rps:,.0f} req/s p50 {run.p50_ms:.2f} ms p99 "
                f"{run.p99_ms:.2f} ms, answers {run.statuses}, socket errors {run.socket_errors}"
            )
            run.checks = asyncio.run(
                verify(
                    settings,
                    arranged,
                    stock=run.stock,
                    accepted=run.statuses.get("202", 0),
                    wait_orders=with_worker,
                )
            )
            print(f"    checks: {run.checks}")
            if not with_worker:
                asyncio.run(retire(settings, arranged.campaign_id))
        finally:
            server.stop()
            if worker is not None:
                _stop(worker)


def _bare(backend: Backend, stack: Stack, *, threads: int) -> tuple[float, float]:
    """The bare FastAPI endpoint on the same server command and connections: (req/s, p99)."""
    bare = Server(
        stack, "bare", server_env(backend), ROOT, DATA_DIR / "logs" / "flashsale-bare.log"
    )
    try:
        bare.wait_first_ok("/bare")
        request = LoadRequest("/bare")
        run_wrk(bare.base_url, request, duration=2, connections=CONNECTIONS, threads=threads)
        raw = run_wrk(bare.base_url, request, duration=8, connections=CONNECTIONS, threads=threads)
    finally:
        bare.stop()
    rps = round(raw["requests"] / (raw["duration_us"] / 1e6), 1)
    p99 = raw["latency_us"]["p99"] / 1000
    print(f"    bare: {rps:,.0f} req/s p99 {p99:.2f} ms")
    return rps, p99


def run_flashsale(
    backend: Backend,
    stack: Stack,
    *,
    threads: int = 1,
    profile: Path | None = None,
    profile_run: str = "redis",
) -> FlashResult:
    result = FlashResult(
        stack=stack.key,
        stack_label=stack.label,
        connections=CONNECTIONS,
        threads=threads,
        backend=backend.name,
    )
    if backend.redis_url is None:
        result.skipped = "needs PostgreSQL + Redis (the edge role and the consumers use Redis)"
        return result
    runs = [
        FlashRun(
            "sale",
            f"Buy: {ATTEMPTS:,} attempts, {SHOPPERS:,} shoppers, stock {STOCK}, limit 1",
            STOCK,
            SHOPPERS,
            ATTEMPTS,
        ),
        # Never sold out (stock 2 x shoppers): after each shopper's first attempt the limit in
        # the script refuses the rest, so Redis decides every attempt (the local sold-out flag
        # never answers).
        FlashRun(
            "redis",
            f"Buy, Redis decides every attempt: stock {2 * SHOPPERS:,}, limit 1 (no orders made)",
            2 * SHOPPERS,
            SHOPPERS,
            ATTEMPTS,
        ),
    ]
    try:
        # The baseline before and after the runs (the machine's load drifts): their mean.
        before = _bare(backend, stack, threads=threads)
        for run in runs:
            _one_run(
                run,
                backend,
                stack,
                threads=threads,
                connections=CONNECTIONS,
                with_worker=run.name == "sale",
                profile=profile if run.name == profile_run else None,
            )
            result.runs.append(run)
        after = _bare(backend, stack, threads=threads)
        result.bare_runs = [before, after]
        result.bare_rps = round((before[0] + after[0]) / 2, 1)
        result.bare_p99_ms = max(before[1], after[1])
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        print(f"    FAILED flash sale: {result.error}")
    return result


# -- report ----------------------------------------------------------------------------------


def render_section(result: FlashResult | dict[str, Any] | None, add: Callable[[str], None]) -> None:
    """The flash-sale section of docs/benchmarks.md."""
    if result is None:
        return
    if isinstance(result, dict):
        runs = [FlashRun(**r) for r in result.pop("runs", [])]
        result = FlashResult(**result, runs=runs)
    add(BEGIN)
    add("## Flash sale (edge role)")
    add("")
    add("```sh")
    add("make bench    # or on its own: python -m bench.flashsale --stack " + result.stack)
    add(
        f"# SHOPLET_ROLE=edge on {result.stack_label}; one `shoplet worker` consuming orders; "
        f"wrk -t{result.threads} -c{result.connections} -s bench/flashsale_wrk.lua "
        f"(pre-issued JWT + buy token per shopper, rotating, stops after the attempts)"
    )
    add("```")
    add("")
    if result.skipped or result.error:
        add(f"Not measured: {result.skipped or result.error}")
        add(END)
        add("")
        return
    ratio_of = (lambda rps: rps / result.bare_rps) if result.bare_rps else (lambda rps: 0.0)
    add("| run | req/s | p50 ms | p99 ms | ratio to bare | answers | target | status | load |")
    add("| --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |")
    measured = " and ".join(f"{rps:,.0f}" for rps, _p99 in result.bare_runs)
    add(
        f"| Bare FastAPI JSON, same server, {result.connections} connections (mean of "
        f"{measured} req/s, before and after) | {result.bare_rps:,.0f} | — | "
        f"{result.bare_p99_ms:.2f} | 1.00 | — | baseline | — | — |"
    )
    for run in result.runs:
        ratio = ratio_of(run.rps)
        answers = ", ".join(f"{k}: {v:,}" for k, v in run.statuses.items() if v)
        met = (
            ratio >= TARGET_RATIO
            and run.p99_ms <= TARGET_P99_MS
            and run.socket_errors == 0
            and bool(run.checks.get("ok"))
        )
        target = f">= {TARGET_RATIO:.0%} of bare; p99 <= {TARGET_P99_MS:.0f} ms"
        add(
            f"| {run.title} | {run.rps:,.0f} | {run.p50_ms:.2f} | {run.p99_ms:.2f} | "
            f"{ratio:.2f} | {answers} | {target} | {'met' if met else '**missed**'} | "
            f"{run.load1:.1f} |"
        )
    add("")
    for run in result.runs:
        add(f"Checks after *{run.title}*:")
        add("")
        for name, value in run.checks.items():
            add(f"- {name}: {value}")
        add("")
    add(
        "409s are the expected answers once the stock is gone (`flashsale.sold_out`, most from "
        "the edge's in-process sold-out flag without a Redis round trip) or for a second attempt "
        "(`flashsale.limit_reached`, decided by the Lua script). The second run keeps stock "
        "available all along, so the script decides every attempt."
    )
    add(END)
    add("")


def write_section(result: FlashResult, output: Path) -> None:
    """Standalone runs replace the flash-sale section of the report (or append it)."""
    replace_section(output, BEGIN, END, lambda add: render_section(result, add))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flashsale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stack", default="uvicornx2", help=", ".join(s.key for s in STACKS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="recreate the bench database first")
    parser.add_argument("--output", type=Path, default=REPORT)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="SVG",
        help="record the edge with py-spy during one run's burst and write this flame graph",
    )
    parser.add_argument("--profile-run", choices=("sale", "redis"), default="redis")
    args = parser.parse_args(argv)
    stack = next((s for s in STACKS if s.key == args.stack), None)
    if stack is None:
        sys.exit(f"unknown stack {args.stack!r}")
    backend = asyncio.run(detect_backend())
    print(f"Flash-sale bench on {backend.name} ({backend.why}), {stack.label}")
    if args.fresh or backend.name == "sqlite":
        print(f"  schema: {asyncio.run(prepare_database(backend))}")
        # Campaign ids start again at 1: the Redis keys of the campaigns that had them go too
        # (a counter, stream or returned-ticket set of an earlier campaign 1 would be reused).
        asyncio.run(_forget_cached(backend.redis_url))
    result = run_flashsale(
        backend, stack, threads=args.threads, profile=args.profile, profile_run=args.profile_run
    )
    write_section(result, args.output)
    raw = DATA_DIR / "flashsale.json"
    raw.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    print(f"Wrote the flash-sale section of {args.output} and {raw}")


if __name__ == "__main__":
    main()
