"""Shoplet's business modules (bounded contexts), one package each.

``LAYERS`` is the one declared order of the modules, highest layer first: a module may import
the ``public.py`` of a module on a lower line, never of one on its own line or above.
``tools/contracts.py`` writes the import-linter layers contract from it (docs/architecture.md).

``MODULES`` lists the same modules, lowest layer first: the app mounts their routers (``api.py``
under ``/api/v1``, ``console_api.py`` under ``/api/v1/console``), loads
their ``tasks.py`` and runs their start-up hooks in this order, and Alembic and the tests load
their models from it. ``load`` imports one file of every module and fails loudly when one is
missing: every module has every file of ``MODULE_FILES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

LAYERS: tuple[tuple[str, ...], ...] = (
    ("openapi",),
    ("search", "achievements"),
    # Reports read what the growth plays below publish (the campaign drill of 运营看板).
    ("insights",),
    (
        "flashsale",
        "recommend",
        "campaigns",
        "pointsmall",
        "review",
        "content",
        "live",
        "support",
        "wecom",
    ),
    # Social's share pipeline (links, posters, codes) serves the growth plays above: content
    # draws a post's share poster through it.
    ("social",),
    ("moderation",),
    ("analytics",),
    ("checkout",),
    ("loyalty",),
    ("promotions",),
    ("membership", "stores", "invoicing", "notification"),
    ("orders", "cart"),
    ("payments", "fulfillment"),
    ("members", "catalog"),
    ("inventory", "experiments", "risk"),
    ("staff",),
)

MODULES: tuple[str, ...] = (
    "staff",
    "inventory",
    "experiments",
    "risk",
    "catalog",
    "members",
    "payments",
    "fulfillment",
    "cart",
    "orders",
    "stores",
    "membership",
    "invoicing",
    "notification",
    "promotions",
    "loyalty",
    "checkout",
    "analytics",
    "moderation",
    "social",
    "flashsale",
    "recommend",
    "campaigns",
    "pointsmall",
    "review",
    "content",
    "live",
    "support",
    "wecom",
    "insights",
    "search",
    "achievements",
    "openapi",
)

MODULE_FILES: tuple[str, ...] = (
    "api",
    "console_api",
    "schemas",
    "service",
    "repository",
    "models",
    "errors",
    "events",
    "tasks",
    "public",
)


def load(part: str, names: Iterable[str] | None = None) -> list[ModuleType]:
    """Import ``shoplet.modules.<name>.<part>`` for every module (or ``names``), in order.

    A missing file raises ``ModuleNotFoundError``: a registered module without its router, its
    tasks or its models is a broken build, not something to skip silently.
    """
    if part not in MODULE_FILES:
        raise ValueError(f"not a module file: {part!r} (one of {', '.join(MODULE_FILES)})")
    return [
        importlib.import_module(f"shoplet.modules.{name}.{part}")
        for name in (MODULES if names is None else names)
    ]
