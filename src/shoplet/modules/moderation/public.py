"""What other modules may use from moderation: a subject's text screened before its
transaction, then submitted in it; the states their authors see; a decision made in the
subject's own console; the event that carries every final decision.

```python
screening = await screen(ctx, text=content, openid=member.openid)      # no transaction open
state = await submit(session, subject_type="review", subject_id=review_id,
                     member_id=…, openid=…, screening=screening, media_urls=[…])
# state.status: approved (public now) | checking | held (审核中) | rejected (未通过)

@subscriber(DECIDED, name="review.apply_moderation")     # later decisions: WeChat, staff, appeal

# A live text (a chat message) that is delivered or refused at once, never queued:
if is_refused(screening):
    await record_refusal(session, subject_type="chat_message", member_id=…, openid=…,
                         screening=screening)               # the audit trail; then refuse
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.security import parse_media_push
from shoplet.modules.members import public as members
from shoplet.modules.moderation import merge_hook as _merge
from shoplet.modules.moderation.events import DECIDED
from shoplet.modules.moderation.schemas import ModerationState
from shoplet.modules.moderation.service import (
    Screening,
    apply_media_verdict,
    install,
    is_refused,
    override,
    record_refusal,
    screen,
    states_of,
    submit,
)

__all__ = [
    "DECIDED",
    "ModerationState",
    "Screening",
    "apply_media_push",
    "is_refused",
    "override",
    "record_refusal",
    "screen",
    "startup",
    "states_of",
    "submit",
]


async def apply_media_push(session: AsyncSession, plain: bytes) -> bool:
    """A ``wxa_media_check`` push that reached another push URL (a mini program has one): its
    verdict applied once; False when the body is not one, or was applied already."""
    verdict = parse_media_push(plain)
    if verdict is None:
        return False
    return await apply_media_verdict(session, verdict, now=utcnow())


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]] | None:
    """App lifespan hook: give screening and the job the WeChat content-security client."""
    members.register_merge_hook(ctx, "moderation", _merge.move_member, tables=_merge.TABLES)
    integrations: Integrations = app.state.integrations
    install(ctx, integrations)
    return None
