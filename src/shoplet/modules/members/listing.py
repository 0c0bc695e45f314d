"""The console's member list (会员列表): the search text (a full phone number, a member id or
part of a nickname), the phone-search rule (``pii:reveal``, audited) and the keyset pages, which
a module above members may narrow with a condition of its own on the member id (membership's
tier filter, ``MemberFilter``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher, mask_phone
from shoplet.modules.members import repository as repo
from shoplet.modules.members.models import Member
from shoplet.modules.members.repository import MemberFilter
from shoplet.modules.staff.public import (
    PII_REVEAL,
    Origin,
    PiiRevealDenied,
    StaffIdentity,
    record_audit,
)


def is_phone_query(q: str) -> bool:
    """An 11-digit query is a phone number, found by its blind index (never by the masked
    text)."""
    return q.isdigit() and len(q) == 11


async def audit_phone_search(
    session: AsyncSession, staff: StaffIdentity, q: str | None, origin: Origin
) -> None:
    """A full phone number as a member search: 403 ``console.pii_reveal_denied`` without
    ``pii:reveal`` (nothing written), else a ``member.search_phone`` audit entry, as for orders.
    Any other text needs nothing."""
    if q is None or not is_phone_query(q.strip()):
        return
    if PII_REVEAL not in staff.permissions:
        raise PiiRevealDenied(f"Your role ({staff.role}) lacks the {PII_REVEAL} permission")
    await record_audit(
        session, staff, "member.search_phone", None, {"phone": mask_phone(q.strip())}, origin
    )


async def list_members_admin(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    q: str | None,
    cursor: str | None,
    limit: int,
    within: MemberFilter | None = None,
) -> tuple[list[Member], str | None]:
    """The console's member list, newest first: ``q`` is a full phone number, a member id or
    part of a nickname; ``within`` a higher module's condition on the member id (membership's
    tier filter). The cursor is the last member id either way."""
    q = (q or "").strip() or None
    member_id = phone_index = nickname = None
    if q is not None and is_phone_query(q):
        phone_index = pii.blind_index(q)
    elif q is not None and q.isdigit():
        member_id = int(q) if len(q) <= 18 else -1
    elif q is not None:
        nickname = q
    rows = await repo.list_members(
        session,
        member_id=member_id,
        phone_index=phone_index,
        nickname=nickname,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
        within=within,
    )
    page = rows[:limit]
    return page, encode_id_cursor(page[-1].id) if len(rows) > limit else None
