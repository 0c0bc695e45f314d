"""Product import: rows per second of ``shoplet catalog import`` on SQLite and PostgreSQL.

``python -m bench.catalog_import`` generates a seeded CSV of ``--rows`` rows (10,000 by
default): Chinese product titles from word lists, two-level categories, about a third of the
products with two to four SKUs (``颜色``/``尺码`` specs), merchant SKU codes, and a local image
for every product (three distinct files, so the media pipeline runs three times and the rest
reuse them). It then imports the file into a fresh database of each backend through the same
function the command runs (``import_file``, 500 rows per transaction) and imports it again (every
SKU found by its code and skipped: the idempotent path), and writes the figures to
docs/benchmarks.md.

SQLite always; PostgreSQL when ``SHOPLET_BENCH_DATABASE_URL`` (a server URL, e.g.
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``) is set or ``--postgres`` is given: a
scratch database is created and dropped. ``make bench`` runs it after the load rows.

The baseline, in the same run and on a fresh database of the same backend: the first
``--baseline-rows`` rows of the same file imported one product at a time through the console's
``create_product_rows`` (``import_file(batched=False)``: about 3 + 2 × SKUs statements per
product), which is how the import wrote before batches were written together. The ratio
compares rows per second.

``--update`` imports: each database then takes the same file edited (every second row's price
up 1 元, every third row's stock up 1) with ``update=True`` — the batched path
(``update_products_rows``) on the whole file, the one-by-one path (``update_product`` per
product) on the baseline's rows — and rows per second are compared the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.runner import DATA_DIR, REPORT
from bench.sections import replace_section

BEGIN, END = "<!-- catalog-import:begin -->", "<!-- catalog-import:end -->"
WORK_DIR = DATA_DIR / "catalog_import"
ROWS = 10_000
BASELINE_ROWS = 1_000

BRANDS = ("小米", "华为", "美的", "格力", "海尔", "苏泊尔", "九阳", "李宁", "安踏", "优衣库", "")
ADJECTIVES = ("智能", "便携", "家用", "轻薄", "大容量", "静音", "加厚", "纯棉", "高清", "多功能")
NOUNS = {
    ("家电", "厨房电器"): ("电饭煲", "电热水壶", "破壁机", "空气炸锅", "微波炉"),
    ("家电", "生活电器"): ("吸尘器", "电风扇", "加湿器", "挂烫机", "取暖器"),
    ("服饰", "男装"): ("T恤", "衬衫", "夹克", "休闲裤", "卫衣"),
    ("服饰", "女装"): ("连衣裙", "针织衫", "风衣", "半身裙", "毛衣"),
    ("数码", "手机配件"): ("充电器", "数据线", "手机壳", "移动电源", "耳机"),
    ("家居", "收纳"): ("收纳箱", "衣架", "置物架", "收纳袋", "鞋柜"),
}
COLOURS = ("黑", "白", "红", "蓝", "灰")
SIZES = ("S", "M", "L", "XL")


def generate_csv(rows: int, seed: int = 20261203) -> str:
    """A product import file of exactly ``rows`` data rows, the same for the same seed."""
    rng = random.Random(seed)
    lines = ["title,category,price,stock,spec,sku_code,brand,image"]
    product = 0
    while len(lines) - 1 < rows:
        product += 1
        (top, sub), nouns = rng.choice(list(NOUNS.items()))
        brand = rng.choice(BRANDS)
        title = f"{brand}{rng.choice(ADJECTIVES)}{rng.choice(nouns)} {product:05d}款"
        price = rng.randint(990, 99_900)
        image = f"img{product % 3}.png"
        skus = rng.choice((1, 1, 2, 3, 4))
        specs = [f"颜色:{c};尺码:{s}" for c in COLOURS for s in SIZES]
        rng.shuffle(specs)
        for number in range(skus):
            if len(lines) - 1 >= rows:
                break
            spec = specs[number] if skus > 1 else ""
            yuan = f"{(price + number * 500) / 100:.2f}"
            stock = rng.randint(0, 500)
            first = number == 0
            lines.append(
                ",".join(
                    (
                        title,
                        f"{top}/{sub}" if first else "",
                        yuan,
                        str(stock),
                        spec,
                        f"B{product:05d}-{number}",
                        brand if first else "",
                        image if first else "",
                    )
                )
            )
    return "\n".join(lines) + "\n"


def edit_for_update(text: str) -> str:
    """The file with every second row's price 1 元 higher and every third row's stock 1 more."""
    lines = text.splitlines()
    for number in range(1, len(lines)):
        cells = lines[number].split(",")
        if number % 2 == 0:
            cells[2] = f"{float(cells[2]) + 1:.2f}"
        if number % 3 == 0:
            cells[3] = str(int(cells[3]) + 1)
        lines[number] = ",".join(cells)
    return "\n".join(lines) + "\n"


def write_images(folder: Path) -> None:
    from PIL import Image

    for index, colour in enumerate(((200, 40, 40), (40, 160, 60), (40, 60, 200))):
        Image.new("RGB", (800, 800), colour).save(folder / f"img{index}.png")


@dataclass
class BackendRun:
    backend: str
    rows: int
    products: int
    skus: int
    categories: int
    import_s: float
    reimport_s: float
    batches: int
    baseline_rows: int = 0
    baseline_s: float = 0.0
    update_s: float = 0.0
    price_changes: int = 0
    baseline_update_s: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.import_s if self.import_s else 0.0

    @property
    def reimport_rows_per_s(self) -> float:
        return self.rows / self.reimport_s if self.reimport_s else 0.0


async def _import_into(
    database_url: str, folder: Path, data: bytes, backend: str, *, batched: bool = True
) -> BackendRun:
    """Import ``data``, again (batched: a no-op), then its edited copy with ``update=True``."""
    from sqlalchemy import text

    from shoplet.core.context import AppContext
    from shoplet.core.settings import Settings
    from shoplet.modules.catalog import public as catalog

    settings = Settings(
        database_url=database_url,
        redis_url=None,
        data_dir=folder / "var",
        log_level="WARNING",
    )
    ctx = AppContext.build(settings)
    batches = 0

    def progress(_done: int, _total: int) -> None:
        nonlocal batches
        batches += 1

    try:
        options = catalog.ImportOptions(base_dir=folder)
        first = await catalog.import_file(
            ctx, "bench.csv", data, options, actor="bench", on_progress=progress, batched=batched
        )
        if first.errors:
            raise RuntimeError(f"the generated file was refused: {first.errors[:3]}")
        again = first
        if batched:
            again = await catalog.import_file(ctx, "bench.csv", data, options, actor="bench")
            if again.counts.skus_skipped != first.rows:
                raise RuntimeError("the second import was not a no-op")
        edited = edit_for_update(data.decode()).encode()
        update_options = catalog.ImportOptions(base_dir=folder, update=True)
        updated = await catalog.import_file(
            ctx, "update.csv", edited, update_options, actor="bench", batched=batched
        )
        if updated.errors or updated.counts.skus_updated != first.rows:
            raise RuntimeError(f"the update was refused: {updated.errors[:3]}")
        async with ctx.engine.connect() as connection:
            counted = await connection.execute(text("SELECT count(*) FROM catalog_price_history"))
            price_changes = int(counted.scalar_one())
    finally:
        await ctx.close()
    return BackendRun(
        backend=backend,
        rows=first.rows,
        products=first.counts.products_created,
        skus=first.counts.skus_created,
        categories=first.counts.categories_created,
        import_s=first.seconds,
        reimport_s=again.seconds,
        batches=batches,
        update_s=updated.seconds,
        price_changes=price_changes,
    )


def _migrate(url: str) -> None:
    from shoplet.core.migrate import upgrade

    upgrade(url, "head")


async def _pg_scratch(server_url: str, name: str, *, drop: bool) -> str:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(server_url)
    admin = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _head(text: str, rows: int) -> str:
    """The first ``rows`` rows of a generated file, ending at a product's first row."""
    lines = text.splitlines()
    end = min(rows + 1, len(lines))
    while end < len(lines) and not lines[end].split(",")[1]:
        end += 1
    return "\n".join(lines[:end]) + "\n"


def _with_baseline(run: BackendRun, baseline: BackendRun) -> BackendRun:
    run.baseline_rows, run.baseline_s = baseline.rows, baseline.import_s
    run.baseline_update_s = baseline.update_s
    return run


def run_bench(
    rows: int, postgres: str | None, baseline_rows: int = BASELINE_ROWS
) -> dict[str, Any]:
    folder = WORK_DIR / "files"
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    folder.mkdir(parents=True)
    write_images(folder)
    text = generate_csv(rows)
    (folder / "bench.csv").write_text(text, encoding="utf-8")
    data = text.encode()
    head = _head(text, baseline_rows).encode()
    runs: list[BackendRun] = []
    problems: list[str] = []
    sqlite_urls = [f"sqlite+aiosqlite:///{WORK_DIR / name}" for name in ("base.db", "bench.db")]
    for url in sqlite_urls:
        _migrate(url)
    base = asyncio.run(_import_into(sqlite_urls[0], folder, head, "SQLite", batched=False))
    run = asyncio.run(_import_into(sqlite_urls[1], folder, data, "SQLite"))
    runs.append(_with_baseline(run, base))
    if postgres:
        names = [f"shoplet_bench_import_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        try:
            urls = [asyncio.run(_pg_scratch(postgres, name, drop=False)) for name in names]
            for url in urls:
                _migrate(url)
            base = asyncio.run(_import_into(urls[0], folder, head, "PostgreSQL", batched=False))
            run = asyncio.run(_import_into(urls[1], folder, data, "PostgreSQL"))
            runs.append(_with_baseline(run, base))
        finally:
            for name in names:
                asyncio.run(_pg_scratch(postgres, name, drop=True))
    else:
        problems.append("PostgreSQL (set SHOPLET_BENCH_DATABASE_URL or pass --postgres)")
    return {
        "rows": rows,
        "bytes": len(data),
        "runs": [
            {
                **asdict(r),
                "rows_per_s": r.rows_per_s,
                "baseline_rows_per_s": r.baseline_rows / r.baseline_s if r.baseline_s else 0.0,
                "update_rows_per_s": r.rows / r.update_s if r.update_s else 0.0,
                "baseline_update_rows_per_s": (
                    r.baseline_rows / r.baseline_update_s if r.baseline_update_s else 0.0
                ),
            }
            for r in runs
        ],
        "reimport_rows_per_s": {r.backend: r.reimport_rows_per_s for r in runs},
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "cpus": os.cpu_count(),
        "problems": problems,
    }


def render_section(result: dict[str, Any], add: Callable[[str], None]) -> None:
    add(BEGIN)
    add("## Product import (`shoplet catalog import`)")
    add("")
    add(
        f"`python -m bench.catalog_import`: a generated CSV of {result['rows']:,} rows "
        f"({result['bytes'] / 1024:.0f} KB; seeded Chinese titles, 2-level categories, a third "
        "of the products with 2-4 SKUs, a local image per product from 3 distinct files) into "
        "a fresh database, 500 rows per transaction, through the service functions the console "
        "uses (ledgered stock, cache invalidation, outbox event per batch), a batch's new "
        "products written together (`create_products_rows`: one INSERT per table on "
        "PostgreSQL, stock and ledger in two multi-row statements); then the same file again "
        "(every SKU found by its code and skipped). **Baseline, same run**: the first rows of "
        "the same file into another fresh database, one product at a time (`batched=False`, "
        "the console's `create_product_rows`: 3 + 2 × SKUs statements per product). Load "
        f"average at the end {result['load']} on {result['cpus']} CPUs: a shared machine "
        "inflates every figure."
    )
    add("")
    add(
        "| backend | rows | products | SKUs | categories | import | rows/s | "
        "baseline (one by one) | rows/s | ratio | re-import | rows/s |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in result["runs"]:
        reimport = run["rows"] / run["reimport_s"] if run["reimport_s"] else 0.0
        base = run.get("baseline_rows_per_s", 0.0)
        ratio = f"{run['rows_per_s'] / base:.1f}x" if base else "—"
        add(
            f"| {run['backend']} | {run['rows']:,} | {run['products']:,} | {run['skus']:,} | "
            f"{run['categories']} | {run['import_s']:.1f} s | {run['rows_per_s']:.0f} | "
            f"{run.get('baseline_rows', 0):,} rows, {run.get('baseline_s', 0.0):.1f} s | "
            f"{base:.0f} | {ratio} | {run['reimport_s']:.1f} s | {reimport:.0f} |"
        )
    add("")
    add(
        "**`--update`**, same run: the file again with every second row's price 1 元 higher and "
        "every third row's stock 1 more, `update=True`. Batched (`update_products_rows`): the "
        "batch's products and SKUs locked and read in one query, one flush (UPDATEs sent as one "
        "executemany per set of changed columns), one multi-row INSERT of price history, stock "
        "adjustments (ledgered) only where the figure changed, the caches dropped once, a "
        "`catalog.product_changed` per product. Baseline: the baseline database's rows, one "
        "product at a time through the console's `update_product` (with the same price history)."
    )
    add("")
    add(
        "| backend | rows | update | rows/s | price changes | baseline (one by one) | rows/s "
        "| ratio |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in result["runs"]:
        base = run.get("baseline_update_rows_per_s", 0.0)
        speed = run.get("update_rows_per_s", 0.0)
        ratio = f"{speed / base:.1f}x" if base else "—"
        add(
            f"| {run['backend']} | {run['rows']:,} | {run.get('update_s', 0.0):.1f} s | "
            f"{speed:.0f} | {run.get('price_changes', 0):,} | "
            f"{run.get('baseline_rows', 0):,} rows, {run.get('baseline_update_s', 0.0):.1f} s | "
            f"{base:.0f} | {ratio} |"
        )
    add("")
    for problem in result["problems"]:
        add(f"Not measured: {problem}")
        add("")
    add(END)
    add("")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.catalog_import", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--baseline-rows", type=int, default=BASELINE_ROWS)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SHOPLET_BENCH_DATABASE_URL"),
        help="a PostgreSQL server URL (a scratch database is made on it)",
    )
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run_bench(args.rows, args.postgres, args.baseline_rows)
    replace_section(args.output, BEGIN, END, lambda add: render_section(result, add))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "catalog_import.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result["runs"], indent=2))
    took = time.perf_counter() - started
    print(f"Wrote the product import section of {args.output} in {took:.0f} s")


if __name__ == "__main__":
    main()
