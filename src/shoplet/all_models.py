"""Imports every module's models so ``Base.metadata`` is complete (Alembic, test schema)."""

from __future__ import annotations

import importlib

from shoplet.core.db import Base

MODEL_MODULES: tuple[str, ...] = (
    "inventory",
    "catalog",
    "members",
    "payments",
    "cart",
    "orders",
    "checkout",
    "flashsale",
    "console",
)


def load_all_models() -> type[Base]:
    importlib.import_module("shoplet.core.events.models")
    for name in MODEL_MODULES:
        try:
            importlib.import_module(f"shoplet.modules.{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"shoplet.modules.{name}"):
                continue
            raise
    return Base
