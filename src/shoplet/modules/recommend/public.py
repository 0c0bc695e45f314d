"""What other parts of Shoplet may use from recommend: training on demand (the CLI, the demo
shop), the offline evaluation and its data generator (``shoplet reco evaluate|generate``), the
pieces the bench times one by one (``train_models``, ``store_trained``, ``recommend``), and the
context priors with their keys (``context_priors``, ``context_keys_at``), which search blends
into relevance (search is on the line above recommend)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.interests import provide_affinity
from shoplet.modules.members import public as members
from shoplet.modules.recommend import clicks, views
from shoplet.modules.recommend import merge_hook as _merge
from shoplet.modules.recommend.algorithms import RECENCY_HALF_LIFE
from shoplet.modules.recommend.context import KINDS as CONTEXT_KINDS
from shoplet.modules.recommend.context import WEIGHT as CONTEXT_WEIGHT
from shoplet.modules.recommend.context import ContextKind, is_context_key
from shoplet.modules.recommend.context import keys_at as context_keys_at
from shoplet.modules.recommend.evaluation import (
    MODELS as EVALUATION_MODELS,
)
from shoplet.modules.recommend.evaluation import (
    Evaluation,
    Interaction,
    InteractionsInvalid,
    evaluate,
)
from shoplet.modules.recommend.evaluation import parse_csv as parse_interactions
from shoplet.modules.recommend.interests import product_affinity
from shoplet.modules.recommend.schemas import RecommendationList
from shoplet.modules.recommend.service import (
    TrainingSummary,
    context_priors,
    recommend,
    store_trained,
    train,
)
from shoplet.modules.recommend.sessions import View
from shoplet.modules.recommend.sessions import evaluate as evaluate_sessions
from shoplet.modules.recommend.training import Signal, Trained
from shoplet.modules.recommend.training import province as province_of
from shoplet.modules.recommend.training import train as train_models

__all__ = [
    "CONTEXT_KINDS",
    "CONTEXT_WEIGHT",
    "EVALUATION_MODELS",
    "RECENCY_HALF_LIFE",
    "ContextKind",
    "Evaluation",
    "Interaction",
    "InteractionsInvalid",
    "RecommendationList",
    "Signal",
    "Trained",
    "TrainingSummary",
    "context_keys_at",
    "context_priors",
    "evaluate",
    "evaluate_sessions",
    "generate_synthetic",
    "generate_views",
    "is_context_key",
    "parse_interactions",
    "province_of",
    "recommend",
    "startup",
    "store_trained",
    "train",
    "train_models",
    "write_synthetic_csv",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook: write the shelves' impressions (``clicks.py``) and the product views
    (``views.py``) every second; offer members' product affinities (``interests.py``) to the
    rankings that blend them in (content's personal 热门, through ``core.interests``)."""
    provide_affinity(ctx, product_affinity)
    members.register_merge_hook(ctx, "recommend", _merge.move_member, tables=_merge.TABLES)
    impressions, viewed = clicks.buffer_of(ctx), views.buffer_of(ctx)
    impressions.start()
    viewed.start()

    async def stop() -> None:
        await impressions.stop()
        await viewed.stop()

    return stop


def write_synthetic_csv(
    path: Path, *, users: int, items: int, seed: int, context: bool = False
) -> int:
    """Write ``synthetic.generate(...)`` as an interactions CSV (with a ``region`` column when
    ``context``); the number of rows."""
    from shoplet.modules.recommend import synthetic  # numpy: tools only, not the API

    rows = synthetic.generate(users=users, items=items, seed=seed, context=context)
    return synthetic.write_csv(path, rows, with_region=context)


def generate_synthetic(**options: Any) -> Iterator[Interaction]:
    """Seeded shop-like interactions (``synthetic.generate``), for benches and the CLI."""
    from shoplet.modules.recommend import synthetic  # numpy: tools only, not the API

    return synthetic.generate(**options)


def generate_views(**options: Any) -> Iterator[View]:
    """Seeded product-view sessions (``synthetic.generate_views``), for the CLI."""
    from shoplet.modules.recommend import synthetic  # numpy: tools only, not the API

    return synthetic.generate_views(**options)
