"""Coupon codes (兑换码): batches of one-time codes or one shared code per template, and a
shopper redeeming one into a coupon.

One-time codes are 12 characters of an alphabet without 0/O/1/I: 11 random ones and a Luhn
mod 32 check character, so any single mistyped character (and most swaps of two neighbours) is
refused before the database is asked. They are stored plain with a unique index: a merchant
exports them as CSV to print, so they are not secrets to keep from staff, and the shopper-side
guessing is bounded by 55 random bits and a per-shopper rate limit. A shared code is the
merchant's own word (``SPRING2027``), stored plain in the same table, so one unique index keeps
every code of the shop distinct.

Redeeming takes the same quota and per-shopper limit as a claim in the coupon centre, in one
transaction: a one-time code is spent by ``UPDATE ... SET redeemed_by = :m WHERE id = :id AND
redeemed_by IS NULL RETURNING``, the batch counts the redemption (``WHERE status = 'active'``),
then the template's quota is taken; any refusal rolls all of it back. Row locks are taken in
the order code, batch, template (claims take only the template), so they never deadlock.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import read_session, utcnow
from shoplet.core.errors import RateLimited
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.ratelimit import RateLimiter
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import (
    ClaimLimitReached,
    CodeBatchNotFound,
    CodeInvalid,
    CodeRateLimited,
    CodeTaken,
    CodeUsed,
    CouponExpired,
    InvalidCodeBatch,
    NewCustomerOnly,
    QuotaExhausted,
    TemplateNotActive,
)
from shoplet.modules.promotions.models import CodeBatch as CodeBatchRow
from shoplet.modules.promotions.models import CouponTemplate
from shoplet.modules.promotions.schemas import CodeBatch, CodeBatchCreate, Coupon

from ._common import _template
from .claiming import _give_copy, get_coupon

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32: no 0, O, 1, I
CODE_LENGTH = 12
MAX_CODES = 50_000
SHARED = re.compile(r"^[A-Z0-9]{4,20}$")
REDEEM_LIMIT = "10/minute;50/day"
EXPORT_PAGE = 5000
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_N = len(ALPHABET)


# -- the code format -----------------------------------------------------------------------------


def _luhn_sum(chars: str, *, double_first: bool) -> int:
    total, double = 0, double_first
    for ch in reversed(chars):
        addend = _INDEX[ch] * (2 if double else 1)
        total += addend // _N + addend % _N
        double = not double
    return total


def check_char(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of ``ALPHABET``)."""
    return ALPHABET[(_N - _luhn_sum(body, double_first=True) % _N) % _N]


def is_well_formed(code: str) -> bool:
    """12 characters of the alphabet whose check character holds."""
    return (
        len(code) == CODE_LENGTH
        and all(c in _INDEX for c in code)
        and _luhn_sum(code, double_first=False) % _N == 0
    )


def normalise(raw: str) -> str:
    """As typed or pasted: spaces and dashes dropped, upper case."""
    return re.sub(r"[\s\-]", "", raw).upper()


def new_codes(count: int) -> list[str]:
    """``count`` random one-time codes (each byte's low 5 bits pick a character: uniform)."""
    raw = secrets.token_bytes(count * (CODE_LENGTH - 1))
    codes = []
    for i in range(count):
        chunk = raw[i * (CODE_LENGTH - 1) : (i + 1) * (CODE_LENGTH - 1)]
        body = "".join(ALPHABET[b & 31] for b in chunk)
        codes.append(body + check_char(body))
    return codes


def looks_one_time(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in _INDEX for c in code)


# -- batches (console) ---------------------------------------------------------------------------


def _batch_view(row: CodeBatchRow, code: str | None) -> CodeBatch:
    return CodeBatch(
        id=row.id,
        template_id=row.template_id,
        kind=row.kind,  # type: ignore[arg-type]
        count=row.count,
        redeemed=row.redeemed,
        status=row.status,  # type: ignore[arg-type]
        code=code,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def create_batch(
    session: AsyncSession, template_id: int, body: CodeBatchCreate, *, actor: str
) -> CodeBatch:
    """``count`` one-time codes in one batch of INSERTs, or one shared code (400
    ``promotions.invalid_code_batch``, 409 ``promotions.code_taken`` for a shared code in use,
    409 ``promotions.template_not_active`` for a stopped template)."""
    now = utcnow()
    template = await _template(session, template_id)
    if template.status == "stopped":
        raise TemplateNotActive(template_id=template_id, template_status=template.status)
    if body.kind == "one_time":
        if body.code is not None:
            raise InvalidCodeBatch("one-time codes are generated: give count, not code")
        if body.count is None or not 1 <= body.count <= min(MAX_CODES, template.total_quota):
            raise InvalidCodeBatch(
                f"count must be 1..{MAX_CODES} and at most the template's total_quota"
            )
        codes = new_codes(body.count)
    else:
        if body.count is not None:
            raise InvalidCodeBatch("a shared code is one code: give code, not count")
        code = normalise(body.code or "")
        if not SHARED.match(code) or looks_one_time(code):
            raise InvalidCodeBatch(
                "a shared code is 4..20 letters and digits (12 characters of the one-time "
                "alphabet are kept for one-time codes)"
            )
        codes = [code]
    batch_id = await repo.insert_code_batch(
        session,
        {
            "template_id": template_id,
            "kind": body.kind,
            "count": len(codes),
            "redeemed": 0,
            "status": "active",
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
        },
    )
    inserted = await repo.insert_codes(session, batch_id, codes)
    if body.kind == "shared":
        if inserted == 0:
            raise CodeTaken(shared_code=codes[0])
    else:
        # 55 random bits each: a repeat is all but impossible; replace any all the same.
        while inserted < len(codes):
            inserted += await repo.insert_codes(session, batch_id, new_codes(len(codes) - inserted))
    return _batch_view(
        await _batch(session, template_id, batch_id), codes[0] if body.kind == "shared" else None
    )


async def list_batches(
    session: AsyncSession, template_id: int, *, cursor: str | None, limit: int
) -> tuple[list[CodeBatch], str | None]:
    await _template(session, template_id)
    rows = await repo.list_code_batches(
        session, template_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [_batch_view(b, c) for b, c in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None


async def _batch(session: AsyncSession, template_id: int, batch_id: int) -> CodeBatchRow:
    row = await repo.get_code_batch(session, template_id, batch_id)
    if row is None:
        raise CodeBatchNotFound(batch_id=batch_id)
    return row


async def disable_batch(session: AsyncSession, template_id: int, batch_id: int) -> CodeBatch:
    """Every code of the batch stops working (coupons already redeemed stay). Idempotent."""
    await _batch(session, template_id, batch_id)
    await repo.set_batch_status(session, batch_id, "disabled", utcnow())
    rows = await repo.list_code_batches(session, template_id, before_id=batch_id + 1, limit=1)
    return _batch_view(*rows[0])


async def check_export(session: AsyncSession, template_id: int, batch_id: int) -> CodeBatch:
    row = await _batch(session, template_id, batch_id)
    return _batch_view(row, None)


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession], batch_id: int
) -> AsyncIterator[bytes]:
    """The batch's codes as CSV (UTF-8 with BOM for spreadsheet apps), read page by page."""
    yield "\ufeff兑换码,状态,使用时间\r\n".encode()
    after = 0
    while True:
        async with read_session(sessionmaker) as session:
            page = await repo.code_page(session, batch_id, after_id=after, limit=EXPORT_PAGE)
        if not page:
            return
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for _, code, redeemed_by, redeemed_at in page:
            writer.writerow(
                [
                    code,
                    "已使用" if redeemed_by is not None else "未使用",
                    redeemed_at.isoformat() if redeemed_at else "",
                ]
            )
        yield out.getvalue().encode()
        after = page[-1][0]


# -- redeeming (storefront) ----------------------------------------------------------------------


async def _redeemable_template(
    session: AsyncSession, template_id: int, member_id: int, now: datetime
) -> CouponTemplate:
    template = await _template(session, template_id)
    if template.status != "active":
        raise TemplateNotActive(template_id=template.id, template_status=template.status)
    if template.valid_to is not None and template.valid_to <= now:
        raise CouponExpired("this coupon's validity has ended", template_id=template.id)
    if template.is_new_customer_only and await orders.has_paid_order(session, member_id):
        raise NewCustomerOnly(template_id=template.id)
    return template


async def redeem_code(
    session: AsyncSession, limiter: RateLimiter, *, member_id: int, raw: str
) -> Coupon:
    """A shopper turns a code into a coupon (400 ``promotions.code_invalid``, 409
    ``.code_used``, ``.quota_exhausted``, ``.claim_limit_reached``, ``.template_not_active``,
    ``.coupon_expired``, ``.new_customer_only``; 429 ``.code_rate_limited``)."""
    try:
        await limiter.hit(REDEEM_LIMIT, "coupon-code", str(member_id))
    except RateLimited as exc:
        raise CodeRateLimited(
            retry_after=int(exc.headers.get("Retry-After", "60")),
        ) from exc
    code = normalise(raw)
    if looks_one_time(code) and not is_well_formed(code):
        raise CodeInvalid()
    found = await repo.find_code(session, code)
    if found is None or found[1].status != "active":
        raise CodeInvalid()
    code_row, batch = found
    if batch.kind == "one_time" and code_row.redeemed_by is not None:
        raise CodeUsed()
    now = utcnow()
    template = await _redeemable_template(session, batch.template_id, member_id, now)
    if batch.kind == "one_time" and not await repo.spend_code(session, code_row.id, member_id, now):
        raise CodeUsed()
    if not await repo.count_batch_redemption(session, batch.id, now):
        raise CodeInvalid()  # disabled meanwhile
    if not await repo.take_quota(session, template.id):
        fresh = await _template(session, template.id)
        if fresh.status != "active":
            raise TemplateNotActive(template_id=template.id, template_status=fresh.status)
        raise QuotaExhausted(template_id=template.id)
    coupon_id = await _give_copy(
        session,
        template,
        member_id=member_id,
        source="claim",
        issued_by=f"code:{batch.id}",
        now=now,
    )
    if coupon_id is None:
        raise ClaimLimitReached(template_id=template.id, limit=template.per_shopper_limit)
    if batch.kind == "one_time":
        await repo.set_code_coupon(session, code_row.id, coupon_id)
    return await get_coupon(session, member_id=member_id, coupon_id=coupon_id)
