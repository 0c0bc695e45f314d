"""What staff asks of a module above it at sign-in, through a hook that module fills at
start-up (risk: a sign-in from a new device or an impossible place; staff may not import it).

The guard runs once the password and the second factor (if the staff member has one) are
verified, before the sign-in is recorded, and may raise a ``ShopletError`` to refuse it. No hook:
every verified sign-in goes through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext

from .rbac import Origin, StaffIdentity

SignInGuard = Callable[
    [AsyncSession, AppContext, StaffIdentity, Origin | None, bool], Awaitable[None]
]
"""``(session, ctx, staff, origin, second_factor_verified)``."""

KEY = "staff.signin_guard"


def set_signin_guard(ctx: AppContext, guard: SignInGuard | None) -> None:
    if guard is None:
        ctx.extras.pop(KEY, None)
    else:
        ctx.extras[KEY] = guard


def signin_guard(ctx: AppContext) -> SignInGuard | None:
    found = ctx.extras.get(KEY)
    return found if callable(found) else None
