"""Coupon templates: validation, drafts, activation and stop, console lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import (
    InvalidTemplate,
    TemplateNotEditable,
)
from shoplet.modules.promotions.schemas import (
    Template,
    TemplateCreate,
)

from ._common import (
    MAX_FEN,
    MAX_PER_SHOPPER,
    MAX_QUOTA,
    MAX_VALID_DAYS,
    _template,
)

# -- templates -------------------------------------------------------------------------------


def _check_offer(body: TemplateCreate) -> None:
    """What the coupon gives, per kind (400 ``promotions.invalid_template``)."""
    if not 0 <= body.threshold <= MAX_FEN:
        raise InvalidTemplate("threshold must be 0..10000000000 fen")
    if body.amount is not None and not 1 <= body.amount <= MAX_FEN:
        raise InvalidTemplate("amount must be 1..10000000000 fen")
    if body.kind == "discount":
        if body.rate_permille is None or not 1 <= body.rate_permille <= 999:
            raise InvalidTemplate("a discount coupon needs rate_permille 1..999 (850 = 8.5折)")
    elif body.rate_permille is not None:
        raise InvalidTemplate("rate_permille is for discount coupons only")
    elif body.amount is None:
        raise InvalidTemplate(f"a {body.kind} coupon needs an amount")
    if body.kind == "threshold":
        if body.threshold <= 0:
            raise InvalidTemplate("a threshold coupon needs a threshold above 0")
        if body.amount is not None and body.amount > body.threshold:
            raise InvalidTemplate("a threshold coupon cannot take off more than its threshold")
    if body.kind == "no_threshold" and body.threshold != 0:
        raise InvalidTemplate("a no-threshold coupon has threshold 0")
    if (body.scope == "all") != (not body.scope_ids):
        raise InvalidTemplate(
            "scope_ids: empty for scope all, the product or category ids otherwise"
        )


def _check_limits(body: TemplateCreate, now: datetime) -> None:
    """Validity, quota and per-shopper limit (400 ``promotions.invalid_template``)."""
    fixed = body.valid_from is not None or body.valid_to is not None
    if fixed == (body.valid_days is not None):
        raise InvalidTemplate("give valid_from and valid_to, or valid_days")
    if body.valid_days is not None and not 1 <= body.valid_days <= MAX_VALID_DAYS:
        raise InvalidTemplate("valid_days must be 1..3650")
    if fixed:
        if body.valid_from is None or body.valid_to is None:
            raise InvalidTemplate("give both valid_from and valid_to")
        if body.valid_to <= body.valid_from:
            raise InvalidTemplate("valid_to must be after valid_from")
        if body.valid_to <= now:
            raise InvalidTemplate("valid_to is in the past")
    if not 1 <= body.total_quota <= MAX_QUOTA:
        raise InvalidTemplate("total_quota must be 1..10000000")
    if not 1 <= body.per_shopper_limit <= min(MAX_PER_SHOPPER, body.total_quota):
        raise InvalidTemplate("per_shopper_limit must be 1..100 and at most total_quota")


def _check_template(body: TemplateCreate, now: datetime) -> None:
    _check_offer(body)
    _check_limits(body, now)


def _template_values(body: TemplateCreate) -> dict[str, Any]:
    values = body.model_dump()
    values["scope_ids"] = sorted(set(body.scope_ids))
    return values


async def create_template(session: AsyncSession, body: TemplateCreate, *, actor: str) -> Template:
    """A draft template; nothing can be claimed until it is activated."""
    now = utcnow()
    _check_template(body, now)
    template_id = await repo.insert_template(
        session,
        {
            **_template_values(body),
            "claimed": 0,
            "used": 0,
            "status": "draft",
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
        },
    )
    return Template.model_validate(await _template(session, template_id))


async def update_template(
    session: AsyncSession, template_id: int, body: TemplateCreate
) -> Template:
    now = utcnow()
    await _template(session, template_id)
    _check_template(body, now)
    if not await repo.update_template_if(
        session, template_id, "draft", {**_template_values(body), "updated_at": now}
    ):
        raise TemplateNotEditable("only a draft template can be edited")
    return Template.model_validate(await _template(session, template_id))


async def set_template_status(session: AsyncSession, template_id: int, status: str) -> Template:
    """draft -> active (claims open), active -> stopped (no more claims or issues; coupons
    already held stay usable until they expire)."""
    await _template(session, template_id)
    expected = {"active": "draft", "stopped": "active"}[status]
    if not await repo.update_template_if(
        session, template_id, expected, {"status": status, "updated_at": utcnow()}
    ):
        raise TemplateNotEditable(f"only a {expected} template can become {status}")
    return Template.model_validate(await _template(session, template_id))


async def get_template(session: AsyncSession, template_id: int) -> Template:
    return Template.model_validate(await _template(session, template_id))


async def list_templates(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[Template], str | None]:
    rows = await repo.list_templates(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [Template.model_validate(r) for r in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None
