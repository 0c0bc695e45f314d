"""Withdrawals (提现): requested by a promoter (the amount leaves the balance in one conditional
UPDATE, so concurrent requests never overdraw), approved or rejected by staff, paid as a WeChat
merchant transfer through :class:`~shoplet.integrations.wechat.transfers.Payouts`.

Approval never holds a transaction across the transfer: one short transaction moves the
withdrawal ``requested → paying`` (with its audit rows), the transfer is sent with none open,
another records WeChat's answer. ``SUCCESS`` pays it; ``FAIL`` / ``CANCELLED`` or a refusal
(``PARAM_ERROR``, ``NOT_ENOUGH``, ``INVALID_REQUEST`` …) fails it and returns the money to the
balance; anything else (waiting for the shopper's confirmation, a network error) stays
``paying`` until ``social.distribution_payouts`` finds the outcome by ``out_bill_no`` (the
withdrawal no.: retrying it is idempotent at WeChat). Every change appends a
``social_dist_withdrawal_event`` row.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher
from shoplet.integrations.wechat.pay import WeChatPayError
from shoplet.integrations.wechat.pay_crypto import CHINA_TZ
from shoplet.integrations.wechat.transfers import FAILED_STATES, Payouts, TransferBill
from shoplet.modules.members import public as members

from . import events as ev
from . import repository as repo
from .errors import (
    InsufficientBalance,
    InvalidWithdrawal,
    NoWeChatAccount,
    WithdrawalNotFound,
    WithdrawalNotRequested,
)
from .models import Withdrawal
from .schemas import WithdrawalAdmin, WithdrawalEventView, WithdrawalView
from .service import active_promoter, current_settings

log = structlog.get_logger("shoplet.social.distribution")

PAYOUTS_KEY = "social.distribution.payouts"
SYNC_BATCH = 100
REMARK = "推广佣金提现"
NAME_REQUIRED_FROM = 200_000
"""Fen: WeChat transfers ¥2,000 or more only with the payee's real name (user_recognized_name)."""

AuditHook = Callable[[AsyncSession, Withdrawal], Awaitable[None]]


def payouts_of(ctx: AppContext) -> Payouts:
    found: Payouts = ctx.extras[PAYOUTS_KEY]
    return found


def new_withdrawal_no(now: datetime) -> str:
    return "WD" + now.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)


async def _event(  # noqa: PLR0917  (one audit row: all positional, as record_audit)
    session: AsyncSession,
    withdrawal_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> None:
    await repo.insert_withdrawal_event(
        session,
        {
            "withdrawal_id": withdrawal_id,
            "from_status": from_status,
            "to_status": to_status,
            "actor": actor[:120],
            "note": note[:200] if note else None,
            "created_at": now,
        },
    )


def view(row: Withdrawal) -> WithdrawalView:
    return WithdrawalView(
        withdrawal_no=row.withdrawal_no,
        amount=row.amount,
        status=row.status,  # type: ignore[arg-type]
        transfer_state=row.transfer_state,
        package_info=row.package_info,
        fail_reason=row.fail_reason,
        payee_name=row.payee_name_masked,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
        paid_at=row.paid_at,
    )


def mask_payee(name: str) -> str:
    """``张三丰`` -> ``张**``: the first character, one star for each of the others."""
    return name[0] + "*" * (len(name) - 1)


async def request(
    session: AsyncSession,
    member_id: int,
    amount: int,
    window_days: int,
    *,
    real_name: str | None = None,
    pii: PiiCipher,
) -> WithdrawalView:
    """A promoter asks for ``amount`` fen. Refusals (nothing written): 404
    ``social.not_promoter``, 400 ``social.withdrawal_invalid`` below the shop's minimum or
    without the payee's real name from :data:`NAME_REQUIRED_FROM` on (WeChat refuses such a
    transfer without it), 409 ``social.withdrawal_insufficient_balance`` above the available
    balance. The name is kept SM4-encrypted and shown masked."""
    promoter = await active_promoter(session, member_id)
    settings = await current_settings(session, window_days)
    if amount < settings.min_withdrawal:
        raise InvalidWithdrawal(
            f"at least {settings.min_withdrawal} fen per withdrawal", field="amount"
        )
    if amount >= NAME_REQUIRED_FROM and not real_name:
        raise InvalidWithdrawal(
            "a withdrawal of ¥2,000 or more names the payee as in WeChat Pay", field="real_name"
        )
    now = utcnow()
    if not await repo.claim_available(session, promoter.id, amount, now):
        current = await repo.get_promoter(session, promoter.id)
        raise InsufficientBalance(available=current.available if current else 0)
    withdrawal_id = await repo.insert_withdrawal(
        session,
        {
            "withdrawal_no": new_withdrawal_no(now),
            "promoter_id": promoter.id,
            "amount": amount,
            "status": "requested",
            "payee_name_encrypted": pii.encrypt(real_name) if real_name else None,
            "payee_name_masked": mask_payee(real_name) if real_name else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    await _event(session, withdrawal_id, None, "requested", f"member:{member_id}", None, now)
    return view(await _withdrawal(session, withdrawal_id))


async def _withdrawal(session: AsyncSession, withdrawal_id: int) -> Withdrawal:
    row = await repo.get_withdrawal(session, withdrawal_id)
    if row is None:
        raise WithdrawalNotFound(withdrawal_id=withdrawal_id)
    return row


async def reject(
    session: AsyncSession, withdrawal_id: int, *, actor: str, reason: str
) -> WithdrawalAdmin:
    """Staff turn a request down: the money goes back to the balance (once)."""
    row = await _withdrawal(session, withdrawal_id)
    now = utcnow()
    if not await repo.move_withdrawal(
        session,
        withdrawal_id,
        from_status="requested",
        to_status="rejected",
        values={"fail_reason": reason, "reviewed_by": actor, "reviewed_at": now, "updated_at": now},
    ):
        raise WithdrawalNotRequested(withdrawal_status=row.status)
    await repo.add_available(session, row.promoter_id, row.amount, now)
    await _event(session, withdrawal_id, "requested", "rejected", actor, reason, now)
    return (await admin_views(session, [await _withdrawal(session, withdrawal_id)]))[0]


async def approve(
    ctx: AppContext,
    payouts: Payouts,
    withdrawal_id: int,
    *,
    actor: str,
    audit: AuditHook,
) -> WithdrawalAdmin:
    """Staff approve: ``paying`` (and ``audit`` in the same short transaction), then the
    transfer with no transaction open, then its answer recorded."""
    async with short_transaction(ctx.sessionmaker) as session:
        row = await _withdrawal(session, withdrawal_id)
        if row.status != "requested":
            raise WithdrawalNotRequested(withdrawal_status=row.status)
        promoter = await repo.get_promoter(session, row.promoter_id)
        openid = await members.get_wechat_openid(session, promoter.member_id) if promoter else None
        if openid is None:
            raise NoWeChatAccount(withdrawal_id=withdrawal_id)
        now = utcnow()
        if not await repo.move_withdrawal(
            session,
            withdrawal_id,
            from_status="requested",
            to_status="paying",
            values={"reviewed_by": actor, "reviewed_at": now, "updated_at": now},
        ):
            raise WithdrawalNotRequested(withdrawal_status=row.status)
        await _event(
            session, withdrawal_id, "requested", "paying", actor, "审核通过，发起转账", now
        )
        await audit(session, row)
    await _send(ctx, payouts, row.withdrawal_no, openid, row.amount, user_name=_payee(ctx, row))
    async with read_session(ctx.sessionmaker) as session:
        return (await admin_views(session, [await _withdrawal(session, withdrawal_id)]))[0]


def _payee(ctx: AppContext, row: Withdrawal) -> str | None:
    """The payee's name in clear, for the transfer only (the client encrypts it for WeChat)."""
    return ctx.pii.decrypt(row.payee_name_encrypted) if row.payee_name_encrypted else None


async def _send(
    ctx: AppContext,
    payouts: Payouts,
    withdrawal_no: str,
    openid: str,
    amount: int,
    *,
    user_name: str | None,
) -> None:
    try:
        bill: TransferBill | WeChatPayError = await payouts.transfer(
            out_bill_no=withdrawal_no,
            openid=openid,
            amount=amount,
            remark=REMARK,
            user_name=user_name,
        )
    except WeChatPayError as exc:
        bill = exc
    async with short_transaction(ctx.sessionmaker) as session:
        await record_answer(session, withdrawal_no, bill)


def _refused(error: WeChatPayError) -> bool:
    """WeChat said no for certain: nothing was or will be transferred under this bill."""
    return error.verified and 400 <= error.http_status < 500 and error.code != "NOT_FOUND"


async def record_answer(
    session: AsyncSession, withdrawal_no: str, answer: TransferBill | WeChatPayError
) -> str:
    """Apply WeChat's answer to a ``paying`` withdrawal; its status after."""
    row = await repo.withdrawal_by_no(session, withdrawal_no)
    if row is None or row.status != "paying":
        return row.status if row is not None else "missing"
    now = utcnow()
    if isinstance(answer, WeChatPayError):
        if not _refused(answer):
            await repo.note_transfer(
                session, row.id, {"fail_reason": answer.code[:200], "updated_at": now}
            )
            return "paying"
        return await _fail(session, row, f"{answer.code}: {answer.message}", now)
    values = {
        "transfer_bill_no": answer.transfer_bill_no,
        "transfer_state": answer.state,
        "package_info": answer.package_info,
        "updated_at": now,
    }
    if answer.state == "SUCCESS":
        if await repo.move_withdrawal(
            session,
            row.id,
            from_status="paying",
            to_status="paid",
            values={**values, "fail_reason": None, "paid_at": now},
        ):
            await repo.add_withdrawn(session, row.promoter_id, row.amount, now)
            await _event(session, row.id, "paying", "paid", "wechatpay", "转账成功", now)
            await publish(
                session,
                ev.WITHDRAWAL_PAID,
                {
                    "withdrawal_no": row.withdrawal_no,
                    "promoter_id": row.promoter_id,
                    "amount": row.amount,
                },
                key=row.withdrawal_no,
            )
        return "paid"
    if answer.state in FAILED_STATES:
        await repo.note_transfer(session, row.id, values)
        return await _fail(session, row, f"{answer.state}: {answer.fail_reason or ''}", now)
    await repo.note_transfer(session, row.id, values)
    return "paying"


async def _fail(session: AsyncSession, row: Withdrawal, reason: str, now: datetime) -> str:
    if await repo.move_withdrawal(
        session,
        row.id,
        from_status="paying",
        to_status="failed",
        values={"fail_reason": reason[:200], "updated_at": now},
    ):
        await repo.add_available(session, row.promoter_id, row.amount, now)
        await _event(session, row.id, "paying", "failed", "wechatpay", reason, now)
    return "failed"


async def sync_payouts(ctx: AppContext) -> int:
    """Find the outcome of every ``paying`` withdrawal (query by out_bill_no; a bill WeChat
    never received is sent again under the same number). Returns how many settled."""
    payouts = payouts_of(ctx)
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.paying_withdrawal_ids(session, SYNC_BATCH)
    settled = 0
    for withdrawal_id in ids:
        async with read_session(ctx.sessionmaker) as session:
            row = await _withdrawal(session, withdrawal_id)
            promoter = await repo.get_promoter(session, row.promoter_id)
            openid = (
                await members.get_wechat_openid(session, promoter.member_id) if promoter else None
            )
        try:
            answer: TransferBill | WeChatPayError = await payouts.query(row.withdrawal_no)
        except WeChatPayError as exc:
            answer = exc
            if exc.code == "NOT_FOUND" and openid is not None:
                try:
                    answer = await payouts.transfer(
                        out_bill_no=row.withdrawal_no,
                        openid=openid,
                        amount=row.amount,
                        remark=REMARK,
                        user_name=_payee(ctx, row),
                    )
                except WeChatPayError as again:
                    answer = again
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                status = await record_answer(session, row.withdrawal_no, answer)
        except Exception:
            log.exception("distribution_payout_sync_failed", withdrawal_no=row.withdrawal_no)
            continue
        settled += status in ("paid", "failed")
    return settled


async def admin_views(session: AsyncSession, rows: list[Withdrawal]) -> list[WithdrawalAdmin]:
    events = await repo.withdrawal_events(session, [r.id for r in rows])
    out = []
    for row in rows:
        promoter = await repo.get_promoter(session, row.promoter_id)
        out.append(
            WithdrawalAdmin(
                **view(row).model_dump(),
                id=row.id,
                promoter_id=row.promoter_id,
                member_id=promoter.member_id if promoter else 0,
                reviewed_by=row.reviewed_by,
                events=[
                    WithdrawalEventView(
                        from_status=e.from_status,
                        to_status=e.to_status,
                        actor=e.actor,
                        note=e.note,
                        created_at=e.created_at,
                    )
                    for e in events.get(row.id, [])
                ],
            )
        )
    return out


async def list_withdrawals(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[WithdrawalAdmin], str | None]:
    rows = await repo.list_withdrawals(
        session,
        promoter_id=None,
        status=status,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return await admin_views(session, page), next_cursor


async def my_withdrawals(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> tuple[list[WithdrawalView], str | None]:
    promoter = await active_promoter(session, member_id)
    rows = await repo.list_withdrawals(
        session,
        promoter_id=promoter.id,
        status=None,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [view(r) for r in page], next_cursor
