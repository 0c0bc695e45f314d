"""Imports every module's models so ``Base.metadata`` is complete (Alembic, test schema)."""

from __future__ import annotations

import importlib

from shoplet.core.db import Base
from shoplet.modules import MODULES


def load_all_models() -> type[Base]:
    importlib.import_module("shoplet.core.events.models")
    for name in MODULES:
        try:
            importlib.import_module(f"shoplet.modules.{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"shoplet.modules.{name}"):
                continue
            raise
    return Base
