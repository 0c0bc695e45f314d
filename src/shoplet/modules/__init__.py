"""Shoplet's business modules (bounded contexts), one package each.

``MODULES`` is the one list of them, lowest layer first: the app mounts their routers, loads
their ``tasks.py`` and runs their start-up hooks from it, and Alembic and the tests load their
models from it.
"""

MODULES: tuple[str, ...] = (
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
