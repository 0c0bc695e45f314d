"""Recommendations: collecting signals, training, serving the shelves, the order handler.

Serving reads only small precomputed rows (``models.py``) through three caches, then asks the
catalog for the cards of the candidates so stock and publication are always live:

- ``recommend_shopper`` (key: member id, ``SHOPPER_TTL``): the shopper's profile — history
  (weighted by source and recency), what they bought, their province, and their personal
  candidates with the history product that earned each one. Dropped when they pay an order and
  after each training; cart and favourite changes show within the TTL.
- ``recommend_product`` (key: product id, ``PRODUCT_TTL``): a product's 买了还买, 看了又看 and
  personal neighbours. Dropped for an order's products when it is paid, and after training.
- ``recommend_popular`` (key: region, ``POPULAR_TTL``): dropped after training.
- ``recommend_context`` (key: ``all`` or a context key, ``POPULAR_TTL``): scored popularity and
  the context priors the fill blends (``context.py``); dropped after training.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.cache import Cache, invalidate_after_commit, to_json_bytes
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.cart import public as cart
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.recommend import algorithms as algo
from shoplet.modules.recommend import context, sessions, training, views
from shoplet.modules.recommend import repository as repo
from shoplet.modules.recommend.errors import ProductRequired
from shoplet.modules.recommend.models import Run
from shoplet.modules.recommend.schemas import (
    Placement,
    ReasonCode,
    RecommendationList,
    RecommendedProduct,
)
from shoplet.modules.recommend.training import Signal, province

log = structlog.get_logger("shoplet.recommend")

CACHE_SHOPPER = "recommend_shopper"
CACHE_PRODUCT = "recommend_product"
CACHE_POPULAR = "recommend_popular"
CACHE_CONTEXT = "recommend_context"
SHOPPER_TTL = 600.0
PRODUCT_TTL = 600.0
POPULAR_TTL = 600.0
HISTORY_DAYS = 365
PROFILE_HISTORY = 200
PERSONAL_CANDIDATES = 100
MAX_SEEDS = 10
STALE_RUN = timedelta(hours=6)
ACTION = {"order": "买了", "favorite": "收藏了", "cart": "加购了", "view": "看了"}
REASONS: dict[ReasonCode, str] = {
    "personal": "猜你喜欢",
    "also_bought": "买了还买",
    "also_viewed": "看了又看",
    "popular": "热销",
}

# ---- signals ----------------------------------------------------------------------------------

SignalSource = Callable[[AsyncSession, int | None, datetime | None], Awaitable[list[Signal]]]


async def _order_signals(
    session: AsyncSession, member_id: int | None, since: datetime | None
) -> list[Signal]:
    rows = await orders.purchases(
        session, paid_from=since, member_id=member_id, limit=PROFILE_HISTORY if member_id else None
    )
    return [
        Signal(r.member_id, r.product_id, r.paid_at, "order", province(r.region_code)) for r in rows
    ]


async def _cart_signals(
    session: AsyncSession, member_id: int | None, since: datetime | None
) -> list[Signal]:
    lines = await cart.cart_signals(session, member_id=member_id, since=since)
    products = await catalog.product_ids_of_skus(session, [line.ref for line in lines])
    return [
        Signal(line.member_id, products[line.ref], line.at, "cart")
        for line in lines
        if line.ref in products
    ]


async def _favorite_signals(
    session: AsyncSession, member_id: int | None, since: datetime | None
) -> list[Signal]:
    rows = await cart.favorite_signals(session, member_id=member_id, since=since)
    return [Signal(r.member_id, r.ref, r.at, "favorite") for r in rows]


async def _view_signals(
    session: AsyncSession, member_id: int | None, since: datetime | None
) -> list[Signal]:
    """Signed-in shoppers' product views (``views.py``), weight ``algorithms.WEIGHTS["view"]``."""
    rows = await repo.member_views(
        session, member_id, since, PROFILE_HISTORY if member_id is not None else None
    )
    return [Signal(m, p, at, "view") for m, p, at in rows]


SIGNAL_SOURCES: list[SignalSource] = [
    _order_signals,
    _cart_signals,
    _favorite_signals,
    _view_signals,
]


async def collect_signals(
    session: AsyncSession, *, member_id: int | None = None, since: datetime | None = None
) -> list[Signal]:
    found: list[Signal] = []
    for source in SIGNAL_SOURCES:
        found.extend(await source(session, member_id, since))
    return found


# ---- training ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingSummary:
    run_id: int
    model: str
    shoppers: int
    products: int
    interactions: int
    seconds: float


async def store_trained(
    session: AsyncSession, trained: training.Trained, signals: Sequence[Signal]
) -> None:
    """Replace the serving rows with ``trained`` (in the caller's transaction) and record the
    members' purchases it counted."""
    await repo.replace_neighbors(session, "personal", trained.personal)
    await repo.replace_neighbors(session, "viewed", trained.viewed)
    await repo.replace_purchase_counts(session, trained.pairs, trained.items)
    await repo.replace_popular(session, trained.popular)
    await repo.add_bought(
        session, [(x.member_id, x.product_id) for x in signals if x.source == "order"]
    )


async def train(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> TrainingSummary:
    """Retrain every model from the last ``HISTORY_DAYS`` of signals and replace the serving
    rows in one transaction (readers see the old models or the new, never a mix). Progress goes
    to ``recommend_run`` (stage, percent) at each step, and to ``on_progress``."""
    now = now or utcnow()
    started = time.perf_counter()
    async with unit_of_work(sessionmaker) as session:
        await repo.fail_stale_runs(session, started_before=now - STALE_RUN)
        run = Run(status="running", stage="读取数据", progress=0, cutoff=now, started_at=now)
        repo.add_run(session, run)
        await session.flush()
        run_id = run.id

    async def step(stage: str, percent: int) -> None:
        log.info("recommend.train.progress", run_id=run_id, stage=stage, progress=percent)
        if on_progress is not None:
            on_progress(stage, percent)
        async with unit_of_work(sessionmaker) as s:
            await repo.update_run(s, run_id, stage=stage, progress=percent)

    try:
        async with read_session(sessionmaker) as session:
            signals = await collect_signals(session, since=now - timedelta(days=HISTORY_DAYS))
            signals = [s for s in signals if s.at <= now]
            seen = await repo.views_since(session, now - timedelta(days=views.SESSION_DAYS))
            viewed = [sessions.View(v, p, at.timestamp()) for v, p, _, at in seen if at <= now]
        await step("训练模型", 10)
        stages: list[tuple[str, int]] = []
        trained = await asyncio.to_thread(
            training.train,
            signals,
            now=now,
            progress=lambda s, p: stages.append((s, p)),
            views=viewed,
        )
        for stage, percent in stages:
            log.info("recommend.train.stage", run_id=run_id, stage=stage, progress=percent)
        await step("写入结果", 90)
        seconds = time.perf_counter() - started
        async with unit_of_work(sessionmaker) as session:
            await store_trained(session, trained, signals)
            await repo.purge_views(session, now - views.RETENTION)
            await repo.update_run(
                session,
                run_id,
                status="done",
                stage="完成",
                progress=100,
                model=trained.model,
                shoppers=trained.shoppers,
                products=trained.products,
                interactions=trained.interactions,
                seconds=round(seconds, 3),
                finished_at=utcnow(),
            )
            for namespace in (CACHE_SHOPPER, CACHE_PRODUCT, CACHE_POPULAR, CACHE_CONTEXT):
                invalidate_after_commit(session, namespace)
    except Exception as exc:
        async with unit_of_work(sessionmaker) as session:
            await repo.update_run(
                session, run_id, status="failed", error=repr(exc)[:500], finished_at=utcnow()
            )
        raise
    if on_progress is not None:
        on_progress("完成", 100)
    return TrainingSummary(
        run_id,
        trained.model,
        trained.shoppers,
        trained.products,
        trained.interactions,
        round(seconds, 3),
    )


# ---- the order handler ------------------------------------------------------------------------


async def record_paid_order(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Count the order's co-purchases now, unless the last training already saw it: each product
    new to the member pairs with everything they have bought (``recommend_bought``), so counts
    stay shopper counts like training's; drop the caches it changes. Idempotent per event (the
    subscriber remembers it), atomic per counter."""
    order_no = str(payload["order_no"])
    member_id = int(payload["member_id"])
    lines = await orders.purchases(session, order_no=order_no)
    products = sorted({line.product_id for line in lines})
    if not products:
        return
    paid_at = lines[0].paid_at
    last = await repo.last_run(session, done_only=True)
    if last is None or paid_at > last.cutoff:
        new = await repo.claim_bought(session, member_id, products)
        if new:
            others = await repo.bought_of(session, member_id)
            pairs = {(x, y) for a in new for b in others - {a} for x, y in ((a, b), (b, a))}
            await repo.add_purchases(session, sorted(pairs), new)
    invalidate_after_commit(session, CACHE_SHOPPER, member_id)
    for product in products:
        invalidate_after_commit(session, CACHE_PRODUCT, product)


# ---- serving ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    product_id: int
    code: ReasonCode
    because: int | None = None  # the history product that earned it
    action: str = ""
    lifted_by: context.ContextKind | None = None  # the context that lifted a popular one


async def _load_profile(session: AsyncSession, member_id: int) -> dict[str, Any]:
    signals = await collect_signals(session, member_id=member_id)
    # A product's weight: its strongest source (order > favourite > cart > view) times its
    # recency, from the order of the products by their latest interaction
    # (``algorithms.recency_weights``, the row the offline evaluation scores).
    strongest_source: dict[int, tuple[float, str]] = {}
    latest: dict[int, float] = {}
    for s in signals:
        weight = algo.WEIGHTS.get(s.source, 1.0)
        if s.product_id not in strongest_source or strongest_source[s.product_id][0] < weight:
            strongest_source[s.product_id] = (weight, s.source)
        latest[s.product_id] = max(latest.get(s.product_id, s.at.timestamp()), s.at.timestamp())
    products = sorted(latest)
    recency = algo.recency_weights(
        [member_id] * len(products),
        products,
        [latest[p] for p in products],
        algo.RECENCY_HALF_LIFE,
    )
    history: dict[int, tuple[float, str]] = {
        p: (strongest_source[p][0] * float(r), strongest_source[p][1])
        for p, r in zip(products, recency, strict=True)
    }
    orders_ = sorted((s for s in signals if s.source == "order"), key=lambda s: s.at, reverse=True)
    bought = sorted({s.product_id for s in orders_})
    last_order = [s.product_id for s in orders_ if s.at == orders_[0].at] if orders_ else []
    # The province of the default address, else of the last order's delivery address.
    home = await members.default_region_code(session, member_id)
    region = (province(home) if home else None) or next(
        (s.region for s in orders_ if s.region), None
    )
    strongest = sorted(history, key=lambda p: (-history[p][0], p))[:50]
    neighbors = await repo.neighbors(session, "personal", strongest)
    scores: dict[int, float] = {}
    best_from: dict[int, tuple[float, int]] = {}
    for item in strongest:
        weight = history[item][0]
        for other, sim in neighbors.get(item, ()):
            gain = weight * sim
            scores[other] = scores.get(other, 0.0) + gain
            if other not in best_from or best_from[other][0] < gain:
                best_from[other] = (gain, item)
    ranked = algo.best(scores, PERSONAL_CANDIDATES, exclude=[*history, *bought])
    return {
        "bought": bought,
        "last_order": last_order,
        "region": region,
        "history": {str(p): src for p, (_, src) in history.items()},
        "personal": [[p, best_from[p][1]] for p in ranked],
    }


async def _profile(session: AsyncSession, cache: Cache, member_id: int) -> dict[str, Any]:
    async def load() -> bytes:
        return to_json_bytes(await _load_profile(session, member_id))

    body = await cache.get_or_load(CACHE_SHOPPER, member_id, load, ttl=SHOPPER_TTL)
    return orjson.loads(body) if body else {}


async def _load_product_neighbors(session: AsyncSession, product_id: int) -> dict[str, Any]:
    counts = await repo.pair_counts(session, [product_id])
    buyers = await repo.buyers(session, [product_id, *(b for _, b, _ in counts)])
    mine = buyers.get(product_id, 0)
    bought = {
        other: count / ((mine * buyers.get(other, 0)) ** 0.5)
        for _, other, count in counts
        if mine and buyers.get(other)
    }
    viewed = await repo.neighbors(session, "viewed", [product_id])
    personal = await repo.neighbors(session, "personal", [product_id])
    return {
        "also_bought": [[p, bought[p]] for p in algo.best(bought, algo.NEIGHBORS)],
        "also_viewed": viewed.get(product_id, []),
        "personal": personal.get(product_id, []),
    }


async def _product_neighbors(
    session: AsyncSession, cache: Cache, product_id: int
) -> dict[str, list[list[float]]]:
    async def load() -> bytes:
        return to_json_bytes(await _load_product_neighbors(session, product_id))

    body = await cache.get_or_load(CACHE_PRODUCT, product_id, load, ttl=PRODUCT_TTL)
    return orjson.loads(body) if body else {}


async def _popular(session: AsyncSession, cache: Cache, region: str) -> list[int]:
    async def load() -> bytes:
        ids = await repo.popular(session, region, training.POPULAR_PER_REGION)
        if region == training.ALL_REGIONS:
            # Recent sales first, then the catalog's all-time best sellers, so a shelf is full
            # before any training and in a shop where few products sold lately.
            best = await catalog.best_seller_ids(session, training.POPULAR_PER_REGION)
            ids += [p for p in best if p not in set(ids)]
        return to_json_bytes(ids)

    body = await cache.get_or_load(CACHE_POPULAR, region, load, ttl=POPULAR_TTL)
    return orjson.loads(body) if body else []


async def _scored(session: AsyncSession, cache: Cache, key: str) -> list[tuple[int, float]]:
    """``(product, score)`` of a popularity key, best first (cached). ``all`` is followed by the
    catalog's best sellers it lacks, scored below its last, so a shelf is full before any
    training."""

    async def load() -> bytes:
        rows = await repo.popular_scores(session, key, training.POPULAR_PER_REGION)
        if key == training.ALL_REGIONS:
            best = await catalog.best_seller_ids(session, training.POPULAR_PER_REGION)
            known = {p for p, _ in rows}
            tail = [p for p in best if p not in known]
            last = min((x for _, x in rows), default=1.0)
            rows += [(p, last * (len(tail) - i) / (len(tail) + 1)) for i, p in enumerate(tail)]
        return to_json_bytes(rows)

    body = await cache.get_or_load(CACHE_CONTEXT, key, load, ttl=POPULAR_TTL)
    return [(int(p), float(x)) for p, x in orjson.loads(body)] if body else []


async def _context_fill(
    session: AsyncSession, cache: Cache, region: str | None, now: datetime | None = None
) -> list[Candidate]:
    """The shop's popularity blended with the shopper's context (``context.blend``): cached
    lists only, so no statement once warm."""
    keys = context.keys_at(now or utcnow(), region)
    base = await _scored(session, cache, training.ALL_REGIONS)
    lifts = {kind: dict(await _scored(session, cache, key)) for kind, key in keys.items()}
    return [
        Candidate(p, "popular", lifted_by=kind)
        for p, kind in context.blend(base, lifts, context.WEIGHT)
    ]


async def context_priors(session: AsyncSession) -> dict[str, dict[int, float]]:
    """The lifts of the last training by context key (``r440000``, ``s1``, ``h4``; each key's
    products of lift above 1): what search boosts for a shopper's context."""
    out: dict[str, dict[int, float]] = {}
    for key, product, lift in await repo.context_priors(session):
        out.setdefault(key, {})[product] = lift
    return out


async def _seeded(
    session: AsyncSession,
    cache: Cache,
    seeds: Sequence[int],
    kinds: Sequence[ReasonCode],
    weights: Sequence[float] = (),
) -> list[Candidate]:
    """Neighbours of the seed products, by kind in the order given, each kind's scores summed
    over the seeds (each seed's times its weight, 1 when not given)."""
    lists = [await _product_neighbors(session, cache, seed) for seed in seeds[:MAX_SEEDS]]
    out: list[Candidate] = []
    for kind in kinds:
        key = "personal" if kind == "also_viewed" and not any(x.get(kind) for x in lists) else kind
        scores: dict[int, float] = {}
        for n, found in enumerate(lists):
            weight = weights[n] if n < len(weights) else 1.0
            for product, score in found.get(key, []):
                scores[int(product)] = scores.get(int(product), 0.0) + weight * float(score)
        out.extend(Candidate(p, kind) for p in algo.best(scores, algo.NEIGHBORS))
    return out


async def recommend(
    session: AsyncSession,
    cache: Cache,
    *,
    member_id: int | None,
    placement: Placement,
    product_id: int | None = None,
    limit: int = 10,
    recent: Sequence[int] = (),
) -> RecommendationList:
    """The shelf of ``placement``: its own candidates first, then popularity in the shopper's
    province, then in the whole shop; never a product they bought, one they are looking at
    (or have in the cart), one off sale or out of stock. ``recent``: the products this visitor
    viewed last, most recent first (the storefront keeps them): the session model's seeds for
    看了又看 on a product page, and after the personal candidates on the home page."""
    if placement == "product" and product_id is None:
        raise ProductRequired("placement=product needs product_id")
    profile: dict[str, Any] = {}
    if member_id is not None:
        profile = (
            await _load_profile(session, member_id)
            if placement == "paid"  # the order just paid may not have reached the cache yet
            else await _profile(session, cache, member_id)
        )
    exclude: set[int] = set(profile.get("bought", []))
    seeds: list[int] = [product_id] if product_id is not None else []
    candidates: list[Candidate] = []
    if placement == "home":
        history = profile.get("history", {})
        candidates = [
            Candidate(int(p), "personal", int(b), ACTION.get(history.get(str(b), ""), ""))
            for p, b in profile.get("personal", [])
        ]
        if recent:
            trail = list(recent[: sessions.RECENT])
            weights = [0.5**i for i in range(len(trail))]
            candidates += await _seeded(session, cache, trail, ["also_viewed"], weights)
    elif placement == "product":
        candidates = await _seeded(session, cache, seeds, ["also_bought"])
        # 看了又看 from the session: this product, then what was viewed before it, each half as
        # much as the one after it (sessions.score's weights).
        trail = [*seeds, *(p for p in recent if p not in seeds)][: sessions.RECENT]
        weights = [0.5**i for i in range(len(trail))]
        candidates += await _seeded(session, cache, trail, ["also_viewed"], weights)
    elif placement == "cart":
        if member_id is not None:
            lines = await cart.selected_items(session, member_id=member_id)
            skus = await catalog.product_ids_of_skus(session, [line.sku_id for line in lines])
            seeds += [skus[line.sku_id] for line in lines if line.sku_id in skus]
        candidates = await _seeded(session, cache, seeds, ["also_bought", "personal"])
    else:
        seeds += [int(p) for p in profile.get("last_order", [])]
        candidates = await _seeded(session, cache, seeds, ["also_bought", "personal"])
    exclude.update(seeds)
    exclude.update(recent)
    if context.WEIGHT > 0:
        candidates.extend(await _context_fill(session, cache, profile.get("region")))
    else:
        for region in [r for r in (profile.get("region"), training.ALL_REGIONS) if r]:
            popular = await _popular(session, cache, region)
            candidates.extend(Candidate(p, "popular") for p in popular)
    return await _cards(session, placement, candidates, exclude, limit)


async def _cards(
    session: AsyncSession,
    placement: Placement,
    candidates: Iterable[Candidate],
    exclude: set[int],
    limit: int,
) -> RecommendationList:
    chosen: list[Candidate] = []
    seen = set(exclude)
    for c in candidates:
        if c.product_id not in seen:
            seen.add(c.product_id)
            chosen.append(c)
    # Ask for a few more than needed: some will be sold out or withdrawn.
    wanted = chosen[: limit * 3 + 10]
    because = {c.because for c in wanted if c.because is not None}
    cards = await catalog.buyable_cards(session, [c.product_id for c in wanted] + sorted(because))
    if len([c for c in wanted if c.product_id in cards]) < limit and len(chosen) > len(wanted):
        more = await catalog.buyable_cards(session, [c.product_id for c in chosen[len(wanted) :]])
        cards.update(more)
        wanted = chosen
    items: list[RecommendedProduct] = []
    for c in wanted:
        card = cards.get(c.product_id)
        if card is None:
            continue
        reason = REASONS[c.code] if c.lifted_by is None else context.REASONS[c.lifted_by]
        source = cards.get(c.because) if c.because is not None else None
        if source is not None and c.action:
            reason = f"因为你{c.action}「{_short(source.title)}」"
        items.append(
            RecommendedProduct.model_construct(
                **card.model_dump(), reason=reason, reason_code=c.code
            )
        )
        if len(items) == limit:
            break
    return RecommendationList(placement=placement, items=items)


def _short(title: str, width: int = 12) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"
