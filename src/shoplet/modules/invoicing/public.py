"""What other modules may use from invoicing: the ``invoice.issued`` event (webhooks) and the
start-up hook. Invoicing sits above orders and reads orders through ``orders.public``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.invoicing import merge_hook as _merge
from shoplet.modules.invoicing.events import INVOICE_ISSUED
from shoplet.modules.invoicing.service import install
from shoplet.modules.members import public as members

__all__ = ["INVOICE_ISSUED", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give invoicing's jobs the provider client and the shop's settings."""
    members.register_merge_hook(ctx, "invoicing", _merge.move_member, tables=_merge.TABLES)
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
