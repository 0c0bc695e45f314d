"""Daily sign-in: once per member and Asia/Shanghai day, with a streak and a bonus on every
n-th day of it; the calendar of a month."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import publish
from shoplet.modules.loyalty import programme, service
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import rules as r
from shoplet.modules.loyalty.errors import AlreadySignedIn, InvalidMonth, ProgrammeDisabled
from shoplet.modules.loyalty.events import SIGNED_IN
from shoplet.modules.loyalty.schemas import SignInCalendar, SignInResult
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership


async def sign_in(session: AsyncSession, *, member_id: int, now: datetime) -> SignInResult:
    """Today's (Asia/Shanghai) sign-in: the reward is a batch of points. Once a day: the
    unique (member, day) makes a second one, concurrent or not, 409
    ``loyalty.already_signed_in``."""
    rules = await programme.get_rules(session)
    if not rules.enabled:
        raise ProgrammeDisabled()
    # A merge absorbing this account either waits for this sign-in (and moves it) or has
    # happened: 409 ``members.already_merged``, never a sign-in left on the absorbed id.
    await members.hold_member(session, member_id)
    today = r.local_day(now)
    yesterday = await repo.get_signin(session, member_id, today - timedelta(days=1))
    streak = yesterday.streak + 1 if yesterday is not None else 1
    points = r.signin_reward(rules, streak)
    new_id = await repo.insert_signin(
        session,
        {
            "member_id": member_id,
            "day": today,
            "streak": streak,
            "points": points,
            "created_at": now,
        },
    )
    if new_id is None:
        raise AlreadySignedIn()
    await publish(
        session,
        SIGNED_IN,
        {"member_id": member_id, "day": today.isoformat(), "streak": streak},
        key=str(member_id),
    )
    if points > 0:
        await service.credit_batch(
            session,
            member_id=member_id,
            kind="earn",
            reason="signin",
            points=points,
            ref=f"signin:{member_id}:{today.isoformat()}",
            expires_at=r.expires_at(rules, now),
            now=now,
            detail={"streak": streak},
        )
    else:
        await repo.ensure_account(session, member_id, now)
    if rules.signin_growth > 0:
        # Once per member and day, like the sign-in row: (signin, ref) is unique in the ledger.
        await membership.add_growth(
            session,
            member_id,
            rules.signin_growth,
            "signin",
            f"signin:{member_id}:{today.isoformat()}",
            now=now,
        )
    account = await repo.get_account(session, member_id)
    return SignInResult(
        day=today,
        streak=streak,
        points=points,
        balance=account.balance if account is not None else 0,
        next_bonus_in=r.next_bonus_in(rules, streak),
    )


def _month(month: str | None, today: date) -> tuple[date, date]:
    if month is None:
        first = today.replace(day=1)
    else:
        try:
            year, mon = (int(part) for part in month.split("-"))
            first = date(year, mon, 1)
        except ValueError as exc:
            raise InvalidMonth() from exc
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


async def calendar(
    session: AsyncSession, *, member_id: int, month: str | None, now: datetime
) -> SignInCalendar:
    rules = await programme.get_rules(session)
    today = r.local_day(now)
    first, last = _month(month, today)
    rows = await repo.signins_between(session, member_id, first, last)
    todays = await repo.get_signin(session, member_id, today)
    yesterdays = await repo.get_signin(session, member_id, today - timedelta(days=1))
    if todays is not None:
        streak, reward, upcoming = todays.streak, todays.points, todays.streak
    else:
        streak = yesterdays.streak if yesterdays is not None else 0
        reward = r.signin_reward(rules, streak + 1)
        upcoming = streak
    return SignInCalendar(
        month=f"{first.year:04d}-{first.month:02d}",
        signed_days=[row.day for row in rows],
        signed_today=todays is not None,
        streak=streak,
        today_reward=reward if rules.enabled else 0,
        next_bonus_in=r.next_bonus_in(rules, upcoming),
        bonus_every=rules.signin_bonus_every,
        bonus=rules.signin_bonus,
        enabled=rules.enabled,
    )
