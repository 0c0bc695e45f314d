"""What the promotions service files share: limits, loading a template, a coupon's view."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import TemplateNotFound
from shoplet.modules.promotions.models import Coupon as CouponRow
from shoplet.modules.promotions.models import CouponTemplate
from shoplet.modules.promotions.schemas import Coupon

MAX_FEN = 10_000_000_000
MAX_QUOTA = 10_000_000
MAX_PER_SHOPPER = 100
MAX_VALID_DAYS = 3650
WALLET_SIZE = 200

# The live promotions and the stacking policy, as checkout plans with them (``applying.py``):
# one cache entry, dropped in every process when a promotion's status or the policy is saved.
CACHE_RULES: Final = "promotions_rules"
RULES_KEY: Final = "live"
RULES_TTL: Final = 60.0


def rules_changed(session: AsyncSession) -> None:
    """A promotion started or stopped, or the policy changed: once this transaction commits,
    every process plans the next cart with the new rules."""
    invalidate_after_commit(session, CACHE_RULES, RULES_KEY)


async def _template(session: AsyncSession, template_id: int) -> CouponTemplate:
    row = await repo.get_template(session, template_id)
    if row is None:
        raise TemplateNotFound(template_id=template_id)
    return row


def coupon_view(row: CouponRow, template: CouponTemplate, now: datetime) -> Coupon:
    state = row.state
    if state == "unused" and row.valid_to <= now:
        state = "expired"
    return Coupon(
        id=row.id,
        template_id=template.id,
        name=template.name,
        kind=template.kind,  # type: ignore[arg-type]
        threshold=template.threshold,
        amount=template.amount,
        rate_permille=template.rate_permille,
        scope=template.scope,  # type: ignore[arg-type]
        scope_ids=list(template.scope_ids),
        state=state,  # type: ignore[arg-type]
        source=row.source,  # type: ignore[arg-type]
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        order_no=row.order_no,
        claimed_at=row.claimed_at,
        used_at=row.used_at,
    )
