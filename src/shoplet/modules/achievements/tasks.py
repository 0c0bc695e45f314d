"""Achievement handlers and jobs (the worker runs them; tests use ``drain_outbox`` and
``run_job``).

Each handler re-evaluates one member for one rule kind: ``order.paid`` (paid orders),
``review.created`` / ``review.moderated`` (approved reviews), ``loyalty.signed_in`` (streaks),
``groupbuy.group_succeeded`` (the leader's groups), ``content.post_published`` (posts).
Idempotent per event (the processed-event marker) and per unlock (the unique row).
``achievements.run_backfills`` works through queued backfill jobs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.achievements import service
from shoplet.modules.content import public as content
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.orders import public as orders
from shoplet.modules.review import public as review
from shoplet.modules.social import public as social


async def _evaluate(session: AsyncSession, event: Event, member_key: str, kind: str) -> None:
    member_id = event.payload.get(member_key)
    if isinstance(member_id, int) and member_id > 0:
        await service.evaluate(
            session, member_id=member_id, rule_kind=kind, source=f"{event.type}:{event.id}"
        )


@subscriber(orders.ORDER_PAID, name="achievements.order_paid")
async def order_paid(event: Event, session: AsyncSession) -> None:
    await _evaluate(session, event, "member_id", "paid_orders")


@subscriber(review.CREATED, name="achievements.review_created")
async def review_created(event: Event, session: AsyncSession) -> None:
    if event.payload.get("status") == "approved":
        await _evaluate(session, event, "member_id", "approved_reviews")


@subscriber(review.MODERATED, name="achievements.review_moderated")
async def review_moderated(event: Event, session: AsyncSession) -> None:
    if event.payload.get("to_status") == "approved":
        await _evaluate(session, event, "member_id", "approved_reviews")


@subscriber(loyalty.SIGNED_IN, name="achievements.signed_in")
async def signed_in(event: Event, session: AsyncSession) -> None:
    await _evaluate(session, event, "member_id", "signin_streak")


@subscriber(social.GROUP_SUCCEEDED, name="achievements.group_succeeded")
async def group_succeeded(event: Event, session: AsyncSession) -> None:
    await _evaluate(session, event, "leader_member_id", "group_leader")


@subscriber(content.POST_PUBLISHED, name="achievements.post_published")
async def post_published(event: Event, session: AsyncSession) -> None:
    await _evaluate(session, event, "member_id", "posts")


@periodic(every_seconds=5, name="achievements.run_backfills")
async def run_backfills(ctx: AppContext) -> None:
    await service.run_backfills(ctx)
