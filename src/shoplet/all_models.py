"""Imports every module's models so ``Base.metadata`` is complete (Alembic, test schema)."""

from __future__ import annotations

import importlib

from shoplet.core.db import Base
from shoplet.modules import load


def load_all_models() -> type[Base]:
    importlib.import_module("shoplet.core.events.models")
    load("models")
    return Base
