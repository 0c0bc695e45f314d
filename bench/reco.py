"""Recommendations: ``python -m bench.reco [USERS ITEMS]`` (default 10,000 shoppers × 5,000
products), in process, embedded SQLite in a temporary folder.

1. **Offline quality** on MovieLens 100k (``var/reco-data/ml-100k.csv``, written by ``make
   reco-data`` from the RecBole wheel on PyPI: ``bench/reco_data.py``; skipped when missing) and
   on the seeded synthetic shop (``recommend/synthetic.py``): leave-last-out HR@10 and NDCG@10
   of EASE (what Shoplet serves, with and without the recency-weighted row), item cosine and
   implicit's ALS, against popularity measured in the same run, with each model's training
   time; on MovieLens also EASE at recency half-lives 3, 5, 8 and 10.
2. **Training** as the nightly job runs it: ``train_models`` over every signal (orders, carts,
   favourites mapped from the synthetic interactions), then ``store_trained`` writing the rows.
3. **Serving latency**: ``GET /recommendations`` through the service (session, cache, catalog
   cards with live stock) for the product, cart-less and anonymous home placements over a
   catalog of ``ITEMS`` products, cold (each key's first request: cache fill) and warm; p50/p99.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.sections import replace_section

BEGIN = "<!-- reco:begin -->"
END = "<!-- reco:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
MOVIELENS = Path(__file__).resolve().parent.parent / "var" / "reco-data" / "ml-100k.csv"
HALF_LIVES = (0.0, 3.0, 5.0, 8.0, 10.0)
SOURCES = ("order", "order", "cart", "favorite")  # a synthetic interaction's kind, by turn


@dataclass(frozen=True, slots=True)
class ModelRow:
    name: str
    hr: float
    ndcg: float
    train_s: float


@dataclass(frozen=True, slots=True)
class PublicResult:
    interactions: int
    users: int
    items: int
    evaluated: int
    popularity: ModelRow
    ease: list[tuple[float, ModelRow]]  # (half-life, EASE at it), 0 = no recency


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    p50_ms: float
    p99_ms: float
    n: int


@dataclass(frozen=True, slots=True)
class RecoResult:
    users: int
    items: int
    interactions: int
    evaluated: int
    popularity: ModelRow
    models: list[ModelRow]
    train_s: float
    store_s: float
    trained_model: str
    catalog_s: float
    timings: list[Timing]
    movielens: PublicResult | None = None


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def offline(users: int, items: int) -> tuple[list[ModelRow], ModelRow, int, int, list[object]]:
    from shoplet.modules.recommend import public as recommend

    rows = list(recommend.generate_synthetic(users=users, items=items, seed=7))
    out: list[ModelRow] = []
    pop = ModelRow("popularity", 0, 0, 0)
    evaluated = 0
    runs = [(m, recommend.RECENCY_HALF_LIFE) for m in recommend.EVALUATION_MODELS]
    for model, half_life in [("ease", 0.0), *runs]:
        result = recommend.evaluate(rows, k=10, model=model, half_life=half_life)
        name = model if result.half_life or model == "als" else f"{model}, no recency"
        out.append(ModelRow(name, result.model.hr, result.model.ndcg, result.train_seconds))
        pop = ModelRow("popularity", result.popularity.hr, result.popularity.ndcg, 0.0)
        evaluated = result.users
    return out, pop, evaluated, len(rows), list(rows)


def movielens(path: Path = MOVIELENS) -> PublicResult | None:
    """EASE against popularity on MovieLens 100k at each of ``HALF_LIVES``."""
    from shoplet.modules.recommend import public as recommend

    if not path.exists():
        print(f"{path} missing (make reco-data): MovieLens 100k skipped")
        return None
    rows = recommend.parse_interactions(path.read_text(encoding="utf-8"))
    ease: list[tuple[float, ModelRow]] = []
    pop = ModelRow("popularity", 0, 0, 0)
    evaluated = 0
    for half_life in HALF_LIVES:
        result = recommend.evaluate(rows, k=10, model="ease", half_life=half_life)
        row = ModelRow("ease", result.model.hr, result.model.ndcg, result.train_seconds)
        ease.append((half_life, row))
        pop = ModelRow("popularity", result.popularity.hr, result.popularity.ndcg, 0.0)
        evaluated = result.users
    return PublicResult(
        interactions=len(rows),
        users=len({r.user_id for r in rows}),
        items=len({r.item_id for r in rows}),
        evaluated=evaluated,
        popularity=pop,
        ease=ease,
    )


async def online(users: int, items: int, rows: list[object]) -> dict[str, object]:
    from shoplet.all_models import load_all_models
    from shoplet.core.context import AppContext
    from shoplet.core.db import create_engine, unit_of_work, utcnow
    from shoplet.core.settings import Settings
    from shoplet.modules.catalog import public as catalog
    from shoplet.modules.recommend import public as recommend

    folder = Path(tempfile.mkdtemp(prefix="shoplet-bench-reco-"))
    settings = Settings(data_dir=folder, env="embedded", log_level="WARNING")
    engine = create_engine(settings.resolved_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(load_all_models().metadata.create_all)
    await engine.dispose()
    ctx = AppContext.build(settings)
    try:
        started = time.perf_counter()
        ids: list[int] = []
        async with unit_of_work(ctx.sessionmaker) as s:
            category = await catalog.create_category(s, catalog.CategoryCreate(name="基准"))
        for start in range(0, items, 250):
            async with unit_of_work(ctx.sessionmaker) as s:
                for i in range(start, min(items, start + 250)):
                    made = await catalog.create_product(
                        s,
                        catalog.ProductCreate(
                            category_id=category.id,
                            title=f"基准商品 {i + 1}",
                            images=["/media/products/0123456789abcdef0123.jpg"],
                            status="on_sale",
                            skus=[catalog.SkuCreate(price=1000 + i, stock=100)],
                        ),
                        actor="bench",
                    )
                    ids.append(made.id)
        catalog_s = time.perf_counter() - started

        now = utcnow()
        signals = [
            recommend.Signal(
                r.user_id,  # type: ignore[attr-defined]
                ids[r.item_id - 1],  # type: ignore[attr-defined]
                now - timedelta(seconds=(idx * 37) % (120 * 86400)),
                SOURCES[idx % len(SOURCES)],
                "440000" if r.user_id % 2 else "310000",  # type: ignore[attr-defined]
            )
            for idx, r in enumerate(rows)
        ]
        started = time.perf_counter()
        trained = await asyncio.to_thread(recommend.train_models, signals, now=now)
        train_s = time.perf_counter() - started
        started = time.perf_counter()
        async with unit_of_work(ctx.sessionmaker) as s:
            await recommend.store_trained(s, trained, signals)
        store_s = time.perf_counter() - started

        rng = random.Random(7)
        timings: list[Timing] = []

        async def measure(name: str, calls: list[dict[str, object]]) -> None:
            cold: list[float] = []
            warm: list[float] = []
            for params in calls:
                for bucket in (cold, warm):
                    async with ctx.sessionmaker() as s:
                        t0 = time.perf_counter()
                        result = await recommend.recommend(s, ctx.cache, **params)  # type: ignore[arg-type]
                        bucket.append((time.perf_counter() - t0) * 1000)
                    assert result.items, (name, params)
            timings.append(Timing(f"{name}, cold", _pct(cold, 0.5), _pct(cold, 0.99), len(cold)))
            timings.append(Timing(f"{name}, warm", _pct(warm, 0.5), _pct(warm, 0.99), len(warm)))

        sample = rng.sample(ids, min(300, len(ids)))
        await measure(
            "product page (买了还买 + 看了又看)",
            [
                {"member_id": None, "placement": "product", "product_id": p, "limit": 10}
                for p in sample
            ],
        )
        await measure(
            "home, anonymous (热销)",
            [{"member_id": None, "placement": "home", "limit": 10} for _ in range(300)],
        )
        return {
            "catalog_s": catalog_s,
            "train_s": train_s,
            "store_s": store_s,
            "trained_model": trained.model,
            "timings": timings,
        }
    finally:
        await ctx.close()


def measure(users: int, items: int) -> RecoResult:
    public = movielens()
    models, pop, evaluated, interactions, rows = offline(users, items)
    found = asyncio.run(online(users, items, rows))
    return RecoResult(
        users=users,
        items=items,
        interactions=interactions,
        evaluated=evaluated,
        popularity=pop,
        models=models,
        train_s=float(found["train_s"]),  # type: ignore[arg-type]
        store_s=float(found["store_s"]),  # type: ignore[arg-type]
        trained_model=str(found["trained_model"]),
        catalog_s=float(found["catalog_s"]),  # type: ignore[arg-type]
        timings=list(found["timings"]),  # type: ignore[call-overload]
        movielens=public,
    )


def _ratio(hr: float, baseline: float) -> str:
    return f"{hr / baseline:.2f}x" if baseline else "—"


def render_movielens(m: PublicResult | None, served: float) -> list[str]:
    if m is None:
        return ["MovieLens 100k: not measured (`make reco-data` writes it).", ""]
    lines = [
        f"MovieLens 100k (GroupLens; every rating an implicit interaction, `make reco-data`):"
        f" {m.users:,} users × {m.items:,} movies, {m.interactions:,} interactions;"
        f" leave-last-out over {m.evaluated:,} users.",
        "",
        "| model | recency half-life | HR@10 | NDCG@10 | HR vs popularity | train s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| popularity (baseline) | — | {m.popularity.hr:.4f} | {m.popularity.ndcg:.4f}"
        " | 1.00x | — |",
    ]
    for half_life, row in m.ease:
        label = "off" if half_life == 0 else f"{half_life:g}"
        name = "ease (served)" if half_life == served else "ease"
        lines.append(
            f"| {name} | {label} | {row.hr:.4f} | {row.ndcg:.4f}"
            f" | {_ratio(row.hr, m.popularity.hr)} | {row.train_s:.2f} |"
        )
    return [*lines, ""]


def render(r: RecoResult, add: object) -> None:
    from shoplet.modules.recommend import public as recommend

    emit = add  # a callable taking one line
    served = recommend.RECENCY_HALF_LIFE
    lines = [
        BEGIN,
        "## Recommendations (`shoplet reco evaluate`, `GET /recommendations`)",
        "",
        "```sh",
        f"python -m bench.reco {r.users} {r.items}    # in process, embedded SQLite",
        "```",
        "",
        *render_movielens(r.movielens, served),
        f"Synthetic shop (`recommend/synthetic.py`, seed 7): {r.users:,} shoppers × {r.items:,}"
        f" products, {r.interactions:,} interactions; leave-last-out over {r.evaluated:,}"
        " shoppers, every unseen product ranked. Popularity is measured in the same run.",
        "",
        "| model | HR@10 | NDCG@10 | HR vs popularity | train s |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| popularity (baseline) | {r.popularity.hr:.4f} | {r.popularity.ndcg:.4f} | 1.00x | — |",
    ]
    for m in r.models:
        ratio = m.hr / r.popularity.hr if r.popularity.hr else float("inf")
        lines.append(
            f"| {m.name}{' (served)' if m.name == 'ease' else ''} | {m.hr:.4f} | {m.ndcg:.4f}"
            f" | {ratio:.2f}x | {m.train_s:.2f} |"
        )
    lines += [
        "",
        f"EASE and item cosine score a shopper's row weighted by recency (half-life {served:g}"
        " interactions, `algorithms.recency_weights`), as the served profile does;"
        " `, no recency` is the plain binary row.",
    ]
    lines += [
        "",
        f"Nightly training on the same interactions as signals (orders, carts, favourites):"
        f" models {r.train_s:.1f} s ({r.trained_model}), rows written {r.store_s:.1f} s"
        f" (catalog of {r.items:,} products set up in {r.catalog_s:.0f} s).",
        "",
        "| request (limit 10) | p50 ms | p99 ms | n |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {t.name} | {t.p50_ms:.2f} | {t.p99_ms:.2f} | {t.n} |" for t in r.timings]
    lines += ["", END]
    for line in lines:
        emit(line)  # type: ignore[operator]


def main(argv: list[str]) -> None:
    users = int(argv[0]) if argv else 10_000
    items = int(argv[1]) if len(argv) > 1 else 5_000
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    result = measure(users, items)
    replace_section(REPORT, BEGIN, END, lambda add: render(result, add))
    render(result, print)


if __name__ == "__main__":
    main(sys.argv[1:])
