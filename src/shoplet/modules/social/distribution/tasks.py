"""Distribution handlers and jobs (the worker runs them; tests use ``drain_outbox`` /
``run_job``).

- ``social.distribution_commissions`` on ``order.paid``: commissions (frozen), automatic
  promoters;
- ``social.distribution_freeze`` on ``order.completed``: the freeze window starts;
- ``social.distribution_reverse`` on ``aftersale.refunded`` / ``order.refunded``: commissions
  reversed per line, proportionally;
- ``social.distribution_unfreeze`` (every 10 minutes): commissions past their window settle;
- ``social.distribution_payouts`` (every minute): transfers waiting for WeChat's outcome.

All idempotent: unique (order line, level), conditional status changes, compare-and-set
reversals.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders

from . import commissions, withdrawals
from .service import DEFAULT_WINDOW_DAYS

UNFREEZE_JOB = "social.distribution_unfreeze"
PAYOUTS_JOB = "social.distribution_payouts"


def _window_days() -> int:
    # Only the defaults of a shop that never saved settings use it, and that shop has
    # distribution off: saved settings carry their own freeze days.
    return DEFAULT_WINDOW_DAYS


@subscriber(orders.ORDER_PAID, name="social.distribution_commissions")
async def make_commissions(event: Event, session: AsyncSession) -> None:
    await commissions.handle_order_paid(session, event.payload, _window_days())


@subscriber(orders.ORDER_COMPLETED, name="social.distribution_freeze")
async def start_freeze(event: Event, session: AsyncSession) -> None:
    await commissions.handle_order_completed(
        session, str(event.payload["order_no"]), event.occurred_at, _window_days()
    )


@subscriber(orders.AFTERSALE_REFUNDED, orders.ORDER_REFUNDED, name="social.distribution_reverse")
async def reverse(event: Event, session: AsyncSession) -> None:
    await commissions.handle_refund(
        session, str(event.payload["order_no"]), full=event.type == orders.ORDER_REFUNDED
    )


@periodic(every_seconds=600, name=UNFREEZE_JOB)
async def unfreeze(ctx: AppContext) -> None:
    await commissions.unfreeze_due(ctx)


@periodic(every_seconds=60, name=PAYOUTS_JOB)
async def sync_payouts(ctx: AppContext) -> None:
    if withdrawals.PAYOUTS_KEY in ctx.extras:
        await withdrawals.sync_payouts(ctx)
