"""One identity everywhere: binding a phone to an account, and merging two accounts of one
shopper (the mini program's WeChat account and the phone account of H5 or a store counter).

A merge absorbs ``from`` into ``into`` in the caller's transaction:

1. both member rows are locked in id order (two merges of the same pair in opposite directions
   cannot deadlock), then one conditional ``UPDATE … WHERE id = :from AND merged_into_id IS
   NULL AND is_active`` claims the absorbed account — of any number of concurrent merges exactly
   one gets it, the others get 409 ``members.already_merged`` with nothing written;
2. identities move to the survivor (phone, unionid when it has none); a second unionid or a
   second phone is refused (409 ``members.identity_conflict`` / ``members.phone_already_bound``);
3. members' own rows move (addresses; the absorbed account's sessions are revoked), then every
   hook the modules above registered (``register_merge_hook``) moves what that module owns
   (orders, cart, coupons, points…) — each through its own SQL, in the same transaction;
4. the ``members_merge`` row (unique per absorbed account) records what moved, and
   ``member.merged`` is published.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import publish
from shoplet.core.merge import NOW_KEY
from shoplet.core.security import mask_phone
from shoplet.modules.members import repository as repo
from shoplet.modules.members.errors import (
    AlreadyMerged,
    IdentityConflict,
    MemberNotFound,
    PhoneAlreadyBound,
)
from shoplet.modules.members.events import MEMBER_MERGED, MEMBER_UNIONID_RECORDED
from shoplet.modules.members.models import Member, MemberMerge

MergeHook = Callable[[AsyncSession, int, int], Awaitable[int]]
HOOKS_KEY = "members.merge_hooks"
TABLES_KEY = "members.merge_tables"
# session.info: (the transaction, the member ids it holds) — a second hold is free.
HELD_KEY = "members.held"
# Members' own member-keyed columns the merge moves itself (addresses, passkeys); its sessions,
# passkey challenges and the merge record stay with the absorbed id (tests/test_merge_coverage.py).
OWN_TABLES = ("members_address.member_id", "members_passkey.member_id")


def register_merge_hook(
    ctx: AppContext, name: str, hook: MergeHook, *, tables: Sequence[str] = ()
) -> None:
    """A module above members moves what it owns from one member id to another: ``hook(session,
    from_id, into_id) -> rows moved``. Called inside the merge's transaction; must not commit.
    ``tables``: the ``table.column`` member-id columns the hook handles (the coverage test
    requires every member-keyed column to be handled by a hook or to stay for a stated reason).
    A hook refuses a merge it cannot make by raising its module's error before writing."""
    hooks: dict[str, MergeHook] = ctx.extras.setdefault(HOOKS_KEY, {})
    hooks[name] = hook
    handled: dict[str, str] = ctx.extras.setdefault(TABLES_KEY, {})
    for column in tables:
        handled[column] = name


def merge_hooks(ctx: AppContext) -> dict[str, MergeHook]:
    found = ctx.extras.get(HOOKS_KEY)
    return dict(found) if isinstance(found, dict) else {}


def merge_tables(ctx: AppContext) -> dict[str, str]:
    """``table.column`` → the hook that moves it (``members`` for members' own tables)."""
    found = ctx.extras.get(TABLES_KEY)
    handled = dict(found) if isinstance(found, dict) else {}
    return handled | dict.fromkeys(OWN_TABLES, "members")


MAX_MERGE_HOPS = 8  # merges chain only as far as accounts were merged into merged ones


async def hold_member(session: AsyncSession, member_id: int) -> None:
    """Share-lock an active, unmerged member row for the rest of the caller's transaction. An
    action that writes member-keyed rows (a like, a sign-in) calls it first: a merge that locked
    the row waits for the action (whose row it then moves), or the action waits for the merge
    and is refused (409 ``members.already_merged``) — never a row left on the absorbed id.

    Call it before the transaction locks or writes any member-keyed row (the merge takes the
    member row first, then each module's rows: the same order here cannot deadlock). One
    ``SELECT … FOR SHARE`` per member and transaction; later calls in the same transaction
    (checkout → cart, coupons, points, orders) cost nothing. tests/test_merge_hold.py finds
    writes of merge-hooked tables that no hold precedes."""
    transaction = session.sync_session.get_transaction()
    held: tuple[object, set[int]] | None = session.info.get(HELD_KEY)
    if transaction is not None and held is not None and held[0] is transaction:
        if member_id in held[1]:
            return  # already held in this transaction: a checkout holds once for all modules
    else:
        held = (transaction, set())
        session.info[HELD_KEY] = held
    if not await repo.hold_active_member(session, member_id):
        raise AlreadyMerged(member_id=member_id)
    held[1].add(member_id)


async def hold_surviving_member(session: AsyncSession, member_id: int) -> int:
    """For a worker writing on behalf of ``member_id`` from an event raised before a merge: the
    account that holds the member's rows now (following merges), share-locked like
    :func:`hold_member`. A merge that has the row locked is waited for; its survivor is
    returned, never refused, so the event is handled rather than retried forever."""
    for _ in range(MAX_MERGE_HOPS):
        survivor = await repo.hold_survivor(session, member_id)
        if survivor is None or survivor == member_id:
            return member_id
        member_id = survivor
    return member_id


async def _locked_pair(session: AsyncSession, a: int, b: int) -> dict[int, Member]:
    found = {m.id: m for m in await repo.lock_members(session, (a, b))}
    for member_id in (a, b):
        if member_id not in found:
            raise MemberNotFound(member_id=member_id)
    return found


async def _move_owned(
    session: AsyncSession, ctx: AppContext, *, from_id: int, into_id: int, now: datetime
) -> dict[str, int]:
    """Members' own rows, then every module's hook in name order (the counts per name)."""
    moved = {"addresses": await repo.move_addresses(session, from_id=from_id, into_id=into_id)}
    passkeys = await repo.move_passkeys(session, from_id=from_id, into_id=into_id)
    if passkeys:
        moved["passkeys"] = passkeys
    session.info[NOW_KEY] = now
    try:
        for name, hook in sorted(merge_hooks(ctx).items()):
            moved[name] = await hook(session, from_id, into_id)
    finally:
        session.info.pop(NOW_KEY, None)
    return moved


async def unionid_recorded(session: AsyncSession, member_id: int, unionid: str) -> None:
    """Tell who links by unionid (the 公众号's followers) that a member now holds one; in the
    transaction that recorded it."""
    await publish(
        session, MEMBER_UNIONID_RECORDED, {"member_id": member_id, "unionid": unionid},
        key=str(member_id),
    )  # fmt: skip


async def merge_members(
    session: AsyncSession,
    ctx: AppContext,
    *,
    from_id: int,
    into_id: int,
    reason: str,
    now: datetime,
) -> MemberMerge:
    """Absorb member ``from_id`` into ``into_id`` (see the module docstring)."""
    if from_id == into_id:
        raise AlreadyMerged("an account cannot be merged into itself", member_id=from_id)
    pair = await _locked_pair(session, from_id, into_id)
    src, dst = pair[from_id], pair[into_id]
    if src.merged_into_id is not None or not src.is_active:
        raise AlreadyMerged(member_id=from_id, merged_into_id=src.merged_into_id)
    if dst.merged_into_id is not None or not dst.is_active:
        raise AlreadyMerged(member_id=into_id, merged_into_id=dst.merged_into_id)
    if src.wechat_unionid and dst.wechat_unionid and src.wechat_unionid != dst.wechat_unionid:
        raise IdentityConflict("two WeChat unionids")
    if src.wechat_openid and dst.wechat_openid:
        raise IdentityConflict("two mini-program accounts")
    if src.phone_index and dst.phone_index and src.phone_index != dst.phone_index:
        raise PhoneAlreadyBound("the two accounts have different phones")
    phone = (src.phone_index, src.phone_encrypted)
    openid, unionid = src.wechat_openid, src.wechat_unionid
    if not await repo.claim_member_for_merge(session, from_id=from_id, into_id=into_id):
        raise AlreadyMerged(member_id=from_id)  # pragma: no cover - the row lock serialises
    # The unique indexes on phone and openid are free now that the absorbed row let go.
    await session.flush()
    moved_identity: dict[str, object] = {}
    if dst.phone_index is None and phone[0] is not None:
        moved_identity |= {"phone_index": phone[0], "phone_encrypted": phone[1]}
    if dst.wechat_openid is None and openid is not None:
        moved_identity["wechat_openid"] = openid
    if dst.wechat_unionid is None and unionid is not None:
        moved_identity["wechat_unionid"] = unionid
    if moved_identity:
        await repo.set_member_identity(session, into_id, moved_identity)
    if "wechat_unionid" in moved_identity and unionid is not None:
        await unionid_recorded(session, into_id, unionid)
    await repo.revoke_member_tokens(session, from_id, now)
    moved = await _move_owned(session, ctx, from_id=from_id, into_id=into_id, now=now)
    record = await repo.add_member_merge(
        session,
        MemberMerge(
            from_member_id=from_id,
            into_member_id=into_id,
            reason=reason,
            moved=moved,
            merged_at=now,
        ),
    )
    await publish(
        session,
        MEMBER_MERGED,
        {"from_member_id": from_id, "into_member_id": into_id, "reason": reason, "moved": moved},
        key=str(into_id),
    )
    session.expire(dst)
    return record


async def bind_phone(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    phone: str,
    phone_index: str,
    now: datetime,
) -> tuple[str, MemberMerge | None]:
    """Give the signed-in member a phone whose code was just verified. When another account
    holds that phone (the shopper's H5 or store-counter account), that account is merged into
    this one. Returns the masked phone and the merge, if one happened."""
    member = await repo.get_member(session, member_id)
    if member is None or not member.is_active:
        raise MemberNotFound(member_id=member_id)
    if member.phone_index == phone_index:
        return mask_phone(phone), None
    if member.phone_index is not None:
        raise PhoneAlreadyBound()
    holder = await repo.member_id_by_phone_index(session, phone_index)
    if holder is None:
        try:
            bound = await repo.bind_phone_if_free(
                session,
                member_id=member_id,
                phone_index=phone_index,
                phone_encrypted=ctx.pii.encrypt(phone),
            )
        except IntegrityError:
            # Another account took this phone at the same moment (unique phone index); the
            # transaction is spoiled and the caller rolls back (module contract).
            raise PhoneAlreadyBound("the phone was just bound to another account") from None
        if not bound:
            raise PhoneAlreadyBound()
        return mask_phone(phone), None
    merge = await merge_members(
        session, ctx, from_id=holder, into_id=member_id, reason="bind_phone", now=now
    )
    return mask_phone(phone), merge


async def list_merges(
    session: AsyncSession, *, member_id: int | None, before_id: int | None, limit: int
) -> list[MemberMerge]:
    return await repo.list_merges(session, member_id=member_id, before_id=before_id, limit=limit)
