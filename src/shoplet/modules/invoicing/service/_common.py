"""Invoicing's business: shoppers' invoice titles, invoice requests (one active invoice per
order), issuing through the provider (asynchronous: a job submits, the provider's signed
callback answers), the PDF, and red-letter invoices (冲红) when a refund leaves the issued
invoice larger than what the order kept.

Outside calls never run inside a transaction: the job claims an invoice (pending → issuing,
a conditional update on the attempt number) in one short transaction, calls the provider,
then records the serial number or the refusal in another.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.settings import Settings
from shoplet.integrations.setup import Integrations

log = structlog.get_logger("shoplet.invoicing")

INTEGRATIONS_KEY = "invoicing.integrations"
CLOCK_KEY = "invoicing.clock"
MAX_TITLES = 20
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
# Orders an invoice may be asked for: paid, and not cancelled or fully refunded.
INVOICEABLE = frozenset({"paid", "shipped", "received", "completed"})
SHIPPING_LINE = "运输服务*运费"


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed calls: 1, 2, 4, … minutes, at most six hours."""
    exponent = min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_MAX_SECONDS))


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    """The jobs' clock: ``ctx.extras[CLOCK_KEY]`` when a test sets one, else real UTC time."""
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


def install(ctx: AppContext, integrations: Integrations) -> None:
    ctx.extras[INTEGRATIONS_KEY] = integrations
    _SETTINGS[0] = ctx.settings


# Event handlers get a session only; the shop's settings (seller, default tax profile) are
# read from here, set at start-up.
_SETTINGS: list[Settings | None] = [None]


def _settings() -> Settings:
    found = _SETTINGS[0]
    if found is None:
        found = _SETTINGS[0] = Settings()
    return found


def integrations_of(ctx: AppContext) -> Integrations | None:
    found = ctx.extras.get(INTEGRATIONS_KEY)
    return found if isinstance(found, Integrations) else None


def new_invoice_no() -> str:
    """Shoplet's invoice number, the provider's ``orderNo`` (20 characters)."""
    return "FP" + secrets.token_hex(9).upper()
