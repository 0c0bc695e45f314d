"""What other parts of Shoplet may use from recommend: training on demand (the CLI, the demo
shop), the offline evaluation and its data generator (``shoplet reco evaluate|generate``), and
the pieces the bench times one by one (``train_models``, ``store_trained``, ``recommend``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.recommend import clicks, views
from shoplet.modules.recommend.algorithms import RECENCY_HALF_LIFE
from shoplet.modules.recommend.context import WEIGHT as CONTEXT_WEIGHT
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
from shoplet.modules.recommend.schemas import RecommendationList
from shoplet.modules.recommend.service import TrainingSummary, recommend, store_trained, train
from shoplet.modules.recommend.sessions import evaluate as evaluate_sessions
from shoplet.modules.recommend.synthetic import generate as generate_synthetic
from shoplet.modules.recommend.synthetic import generate_views, write_csv
from shoplet.modules.recommend.training import Signal, Trained
from shoplet.modules.recommend.training import train as train_models

__all__ = [
    "CONTEXT_WEIGHT",
    "EVALUATION_MODELS",
    "RECENCY_HALF_LIFE",
    "Evaluation",
    "Interaction",
    "InteractionsInvalid",
    "RecommendationList",
    "Signal",
    "Trained",
    "TrainingSummary",
    "evaluate",
    "evaluate_sessions",
    "generate_synthetic",
    "generate_views",
    "parse_interactions",
    "recommend",
    "startup",
    "store_trained",
    "train",
    "train_models",
    "write_synthetic_csv",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """App lifespan hook: write the shelves' impressions (``clicks.py``) and the product views
    (``views.py``) every second."""
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
    rows = generate_synthetic(users=users, items=items, seed=seed, context=context)
    return write_csv(path, rows, with_region=context)
