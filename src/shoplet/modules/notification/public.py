"""What other modules may use from notification: ``enqueue`` (a module that knows of a
group-buy result or points expiring records a send for a shopper), ``shorten`` (a product name
cut to WeChat's 20-character ``thing``), what campaigns
need to send one message to many on either channel (``enabled_template``, ``credit_holders``
for subscribe messages; ``oa_enabled_template``, ``followers_of``, ``enqueue_official_account``
for 公众号 template messages; ``check_fields`` with WeChat's limits, raising ``FieldInvalid``),
what live sessions need for 开播提醒 (``record_answers`` with a ``live:<id>`` subject,
``shown_time``) and the start-up hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.subscribe import FieldInvalid
from shoplet.modules.members import public as members
from shoplet.modules.notification import merge_hook as _merge
from shoplet.modules.notification.models import EVENTS
from shoplet.modules.notification.official_account import enabled_template as oa_enabled_template
from shoplet.modules.notification.official_account import enqueue as enqueue_official_account
from shoplet.modules.notification.official_account import followers_of
from shoplet.modules.notification.service import (
    check_fields,
    credit_holders,
    enabled_template,
    enqueue,
    install,
    record_answers,
    shorten,
    shown_time,
)

__all__ = [
    "EVENTS",
    "FieldInvalid",
    "check_fields",
    "credit_holders",
    "enabled_template",
    "enqueue",
    "enqueue_official_account",
    "followers_of",
    "oa_enabled_template",
    "record_answers",
    "shorten",
    "shown_time",
    "startup",
]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give the sender its WeChat client."""
    members.register_merge_hook(ctx, "notification", _merge.move_member, tables=_merge.TABLES)
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
