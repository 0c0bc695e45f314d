"""Tier gifts: the birthday coupon and the tier's exclusive coupons (``membership`` stores the
templates per tier; nothing there issues them, since membership sits below promotions).

- birthday: once per member and calendar year, in the member's birthday month (Asia/Shanghai),
  the template of the tier they hold when the job runs in that month;
- exclusive: each exclusive template of the member's tier once per calendar month (the tier's
  monthly pack); an upgrade gives the new tier's pack at once (``membership.tier_changed``), and
  a template the member already got this month is not given twice. A tier may limit its pack
  (``pack_active_days``: members who signed in within that many days; ``pack_monthly_cap``: at
  most that many members a month, counted in ``promotions_pack_count`` by a conditional UPDATE,
  so concurrent runs never pass it). The entry tier (V0, every shopper) gets a pack only with
  such a limit: the job then pages through the members who signed in recently (or every
  member, lowest ids first, with only a cap) and stops once the month's cap is taken.

Each gift is a ``promotions_member_gift`` row claimed with ``INSERT … ON CONFLICT DO NOTHING``
in the transaction that issues the copy (through :func:`issue`, so quotas and per-shopper limits
hold), so two runs at once, a re-run and the upgrade handler give it once. A template that is not
active (or past its window) is skipped without a row, so the gift comes once it is active again
within the period; a gift refused by the quota or the per-shopper limit is recorded with its code
and not retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.schemas import BirthdayGift, MemberGiftOut, MemberGifts

from .claiming import issue

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACTOR = "system:tier_gifts"
PAGE = 200


@dataclass(slots=True)
class GiftReport:
    issued: int = 0
    skipped: int = 0
    # Members the tier's monthly pack cap left out.
    capped: int = 0


def periods(now: datetime) -> tuple[str, str]:
    """(year, month) keys of ``now`` in Asia/Shanghai: ("2026", "2026-12")."""
    local = now.astimezone(SHANGHAI)
    return f"{local.year:04d}", f"{local.year:04d}-{local.month:02d}"


async def _issuable(session: AsyncSession, template_id: int, now: datetime) -> bool:
    t = await repo.get_template(session, template_id)
    return t is not None and t.status == "active" and (t.valid_to is None or t.valid_to > now)


async def _give(
    session: AsyncSession,
    *,
    member_id: int,
    kind: str,
    period: str,
    template_id: int,
    level: int,
    now: datetime,
    report: GiftReport,
) -> None:
    gift_id = await repo.claim_gift(
        session,
        {
            "member_id": member_id,
            "kind": kind,
            "period": period,
            "template_id": template_id,
            "level": level,
            "coupon_id": None,
            "code": None,
            "created_at": now,
        },
    )
    if gift_id is None:
        return
    result = await issue(session, template_id=template_id, member_ids=[member_id], actor=ACTOR)
    if result.issued:
        report.issued += 1
        coupon_id = await repo.latest_coupon_id(session, template_id, member_id)
        await repo.set_gift_outcome(session, gift_id, coupon_id=coupon_id, code=None)
    else:
        report.skipped += 1
        code = str(result.skipped[0]["code"]) if result.skipped else None
        await repo.set_gift_outcome(session, gift_id, coupon_id=None, code=code)


def _active_since(rule: membership.TierRule, now: datetime) -> datetime | None:
    days = rule.pack_active_days
    return now - timedelta(days=days) if days is not None else None


async def give_exclusive(
    session: AsyncSession,
    *,
    member_id: int,
    level: int,
    tiers: Sequence[membership.TierRule],
    now: datetime,
    report: GiftReport | None = None,
    issuable: dict[int, bool] | None = None,
    checked_active: bool = False,
) -> GiftReport:
    """This month's exclusive coupons of tier ``level`` for ``member_id`` (in the caller's
    transaction), each once, within the tier's pack limits (``checked_active``: the caller
    already kept only members who signed in recently enough)."""
    report = report if report is not None else GiftReport()
    issuable = issuable if issuable is not None else {}
    rule = next((t for t in tiers if t.level == level), None)
    if rule is None or (rule.level == 0 and not rule.pack_limited):
        return report
    _, month = periods(now)
    templates = []
    for template_id in rule.benefits.exclusive_coupon_template_ids:
        if template_id not in issuable:
            issuable[template_id] = await _issuable(session, template_id, now)
        if issuable[template_id]:
            templates.append(template_id)
    if not templates:
        return report
    since = _active_since(rule, now)
    if (
        since is not None
        and not checked_active
        and not await members.signed_in_since(session, [member_id], since)
    ):
        return report
    if rule.pack_monthly_cap is not None and not await repo.take_pack_slot(
        session,
        level=level,
        period=month,
        member_id=member_id,
        cap=rule.pack_monthly_cap,
        now=now,
    ):
        report.capped += 1
        return report
    for template_id in templates:
        await _give(
            session,
            member_id=member_id,
            kind="exclusive",
            period=month,
            template_id=template_id,
            level=level,
            now=now,
            report=report,
        )
    return report


async def handle_tier_changed(session: AsyncSession, payload: dict[str, object]) -> None:
    """``membership.tier_changed`` upwards: the new tier's pack for this month, at once."""
    if payload.get("direction") != "up":
        return
    member_id = int(str(payload["member_id"]))
    level = int(str(payload["to_level"]))
    tiers = await membership.tier_table(session)
    await give_exclusive(session, member_id=member_id, level=level, tiers=tiers, now=utcnow())


async def issue_member_gifts(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> GiftReport:
    """The daily job: birthday coupons for members born this month, then every member above
    V0 their tier's exclusive coupons for this month. One transaction per page of members."""
    now = now or utcnow()
    year, _ = periods(now)
    local_month = now.astimezone(SHANGHAI).month
    report = GiftReport()
    issuable: dict[int, bool] = {}
    async with unit_of_work(sessionmaker) as session:
        tiers = await membership.tier_table(session)
    by_level = {t.level: t for t in tiers}
    if any(t.benefits.birthday_coupon_template_id for t in tiers):
        after = 0
        while True:
            async with unit_of_work(sessionmaker) as session:
                ids = await members.birthday_member_ids(
                    session, month=local_month, after_id=after, limit=PAGE
                )
                for member_id in ids:
                    level = (await membership.tier_of(session, member_id, now=now)).level
                    rule = by_level.get(level)
                    template_id = rule.benefits.birthday_coupon_template_id if rule else None
                    if template_id is None:
                        continue
                    if template_id not in issuable:
                        issuable[template_id] = await _issuable(session, template_id, now)
                    if issuable[template_id]:
                        await _give(
                            session,
                            member_id=member_id,
                            kind="birthday",
                            period=year,
                            template_id=template_id,
                            level=level,
                            now=now,
                            report=report,
                        )
            if len(ids) < PAGE:
                break
            after = ids[-1]
    if any(t.benefits.exclusive_coupon_template_ids for t in tiers if t.level > 0):
        await _packs_above_v0(sessionmaker, tiers, now, report, issuable)
    entry = by_level.get(0)
    if entry is not None and entry.benefits.exclusive_coupon_template_ids and entry.pack_limited:
        await _entry_packs(sessionmaker, entry, tiers, now=now, report=report, issuable=issuable)
    return report


async def _packs_above_v0(
    sessionmaker: async_sessionmaker[AsyncSession],
    tiers: Sequence[membership.TierRule],
    now: datetime,
    report: GiftReport,
    issuable: dict[int, bool],
) -> None:
    by_level = {t.level: t for t in tiers}
    after = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            page = await membership.members_above_v0(session, after_id=after, limit=PAGE, now=now)
            # One sign-in read per window the page's tiers ask for (most ask none).
            windows: dict[int, set[int]] = {}
            for level in sorted({lv for _, lv in page}):
                rule = by_level.get(level)
                since = _active_since(rule, now) if rule is not None else None
                if since is not None:
                    ids = [m for m, lv in page if lv == level]
                    windows[level] = await members.signed_in_since(session, ids, since)
            for member_id, level in page:
                if level in windows and member_id not in windows[level]:
                    continue
                await give_exclusive(
                    session,
                    member_id=member_id,
                    level=level,
                    tiers=tiers,
                    now=now,
                    report=report,
                    issuable=issuable,
                    checked_active=True,
                )
        if len(page) < PAGE:
            break
        after = page[-1][0]


async def _entry_packs(
    sessionmaker: async_sessionmaker[AsyncSession],
    entry: membership.TierRule,
    tiers: Sequence[membership.TierRule],
    *,
    now: datetime,
    report: GiftReport,
    issuable: dict[int, bool],
) -> None:
    """The entry tier's pack: members who signed in within ``pack_active_days`` (every active
    member with only a cap), by id, until the month's cap is taken."""
    _, month = periods(now)
    since = _active_since(entry, now)
    after = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            cap = entry.pack_monthly_cap
            if cap is not None and await repo.pack_taken(session, 0, month) >= cap:
                return
            ids = await members.active_member_ids(
                session, after_id=after, limit=PAGE, signed_in_since=since
            )
            levels = await membership.levels_of(session, ids, now=now)
            for member_id in ids:
                if levels.get(member_id) != 0:
                    continue
                await give_exclusive(
                    session,
                    member_id=member_id,
                    level=0,
                    tiers=tiers,
                    now=now,
                    report=report,
                    issuable=issuable,
                    checked_active=True,
                )
        if len(ids) < PAGE:
            return
        after = ids[-1]


async def my_gifts(
    session: AsyncSession, *, member_id: int, now: datetime | None = None
) -> MemberGifts:
    """The member centre's view: this year's birthday gift and this month's exclusive ones."""
    now = now or utcnow()
    year, month = periods(now)
    tier = await membership.tier_of(session, member_id, now=now)
    birthday = await members.get_birthday(session, member_id)
    rows = await repo.member_gifts(session, member_id, [year, month])
    got = next((g for g in rows if g.kind == "birthday"), None)
    template_id = tier.benefits.birthday_coupon_template_id
    if got is not None:
        status = "issued" if got.coupon_id is not None else "skipped"
    elif template_id is None:
        status = "not_offered"
    elif birthday is None:
        status = "no_birthday"
    else:
        status = "upcoming"
    return MemberGifts(
        birthday=BirthdayGift(
            status=status,  # type: ignore[arg-type]
            month=birthday.month if birthday is not None else None,
            year=int(year),
            template_id=got.template_id if got is not None else template_id,
            coupon_id=got.coupon_id if got is not None else None,
            code=got.code if got is not None else None,
        ),
        exclusive=[
            MemberGiftOut(
                template_id=g.template_id,
                period=g.period,
                coupon_id=g.coupon_id,
                code=g.code,
                created_at=g.created_at,
            )
            for g in rows
            if g.kind == "exclusive"
        ],
        exclusive_template_ids=list(tier.benefits.exclusive_coupon_template_ids),
    )
