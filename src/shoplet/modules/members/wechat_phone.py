"""Binding the phone WeChat proves: the mini program's ``getPhoneNumber`` button gives a
one-time code, WeChat exchanges it for the shopper's number, and the number is bound exactly
as an SMS-proven one (``identity.bind_phone``: one identity, merge, the same refusals).

Services only ``flush()``; the request's ``DbSession`` commits.
"""

from __future__ import annotations

import re

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.integrations.wechat.phone import (
    INVALID_CODE,
    WeChatPhoneClient,
    WeChatPhoneError,
)
from shoplet.modules.members import identity
from shoplet.modules.members.errors import (
    WeChatPhoneCodeInvalid,
    WeChatPhoneUnsupported,
    WeChatRateLimited,
    WeChatUnavailable,
)
from shoplet.modules.members.models import MemberMerge

log = structlog.get_logger("shoplet.members")

# The accounts' phone: a mainland mobile number (core.schemas.Phone).
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


async def proven_phone(client: WeChatPhoneClient | None, code: str) -> str:
    """The mainland mobile number ``code`` proves (WeChat's answer, watermark checked)."""
    if client is None:
        raise WeChatUnavailable("WeChat phone numbers are not set up")
    try:
        info = await client.get_phone_number(code)
    except WeChatPhoneError as exc:
        # errmsg is WeChat's own text; neither the code nor a number is logged.
        log.warning("wechat_phone_failed", errcode=exc.errcode, errmsg=exc.errmsg)
        if exc.errcode == INVALID_CODE:
            raise WeChatPhoneCodeInvalid() from exc
        if exc.errcode == 45011:
            raise WeChatRateLimited(retry_after=60) from exc
        raise WeChatUnavailable() from exc
    if info.country_code != "86" or not _MAINLAND_MOBILE.fullmatch(info.pure_phone_number):
        log.info("wechat_phone_unsupported", country_code=info.country_code)
        raise WeChatPhoneUnsupported()
    return info.pure_phone_number


async def bind_wechat_phone(
    session: AsyncSession,
    ctx: AppContext,
    client: WeChatPhoneClient | None,
    *,
    member_id: int,
    code: str,
) -> tuple[str, MemberMerge | None]:
    """Exchange the code, then bind the number through the SMS path's ``identity.bind_phone``
    (another account holding it is merged in). The exchange happens before any write: a bad
    code changes nothing."""
    phone = await proven_phone(client, code)
    return await identity.bind_phone(
        session,
        ctx,
        member_id=member_id,
        phone=phone,
        phone_index=ctx.pii.blind_index(phone),
        now=utcnow(),
    )
