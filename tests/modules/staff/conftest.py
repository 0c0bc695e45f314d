"""Console test factories: staff accounts (optionally with MFA), sign-in helpers, DB reads."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.staff import service
from shoplet.modules.staff.models import AuditLog, Staff

PASSWORD = "correct-horse-battery"
UA = "console-tests/1.0"


async def make_staff(
    ctx: AppContext,
    username: str,
    *,
    role: str = "operator",
    password: str = PASSWORD,
    display_name: str = "",
    mfa_secret: str | None = None,
    is_active: bool = True,
) -> Staff:
    """A staff account created through the service (real argon2 hash); MFA enabled when a secret
    is given."""
    async with ctx.sessionmaker() as s:
        staff = await service.create_staff(
            s,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            actor=None,
            origin=None,
        )
        if mfa_secret is not None:
            staff.totp_secret_encrypted = ctx.pii.encrypt(mfa_secret)
            staff.mfa_enabled = True
        staff.is_active = is_active
        await s.commit()
        return staff


async def fetch_staff(ctx: AppContext, username: str) -> Staff:
    async with ctx.sessionmaker() as s:
        return (await s.execute(select(Staff).where(Staff.username == username))).scalar_one()


async def audit_rows(ctx: AppContext, action: str | None = None) -> list[AuditLog]:
    async with ctx.sessionmaker() as s:
        query = select(AuditLog).order_by(AuditLog.id)
        if action is not None:
            query = query.where(AuditLog.action == action)
        return list((await s.execute(query)).scalars())


async def set_staff(ctx: AppContext, username: str, **values: Any) -> None:
    async with ctx.sessionmaker() as s:
        staff = (await s.execute(select(Staff).where(Staff.username == username))).scalar_one()
        for key, value in values.items():
            setattr(staff, key, value)
        await s.commit()


def code(secret: str, *, steps_ahead: int = 0) -> str:
    """The TOTP code for now (or a later 30-s step, still inside the ±1 window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def wrong_code(secret: str) -> str:
    """A well-formed code that no step inside the ±1 window produces."""
    window = {code(secret, steps_ahead=i) for i in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in window)


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, otp: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return await client.post("/api/v1/console/auth/login", json=body, headers={"User-Agent": UA})


# Step-up grants obtained by token_for(step_up=True), sent along by bearer() with their token.
STEP_UP_GRANTS: dict[str, str] = {}


def bearer(token: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}", "User-Agent": UA}
    if token in STEP_UP_GRANTS:
        headers["X-Step-Up-Token"] = STEP_UP_GRANTS[token]
    return headers


async def token_for(
    client: httpx.AsyncClient,
    ctx: AppContext,
    username: str,
    *,
    role: str = "operator",
    step_up: bool = False,
) -> str:
    """Create a staff member of ``role`` and sign them in; owners get MFA so the token is full.
    ``step_up``: also confirm with the next TOTP code, so ``bearer(token)`` carries a grant for
    sensitive actions (staff management…)."""
    secret = pyotp.random_base32() if role == "owner" or step_up else None
    await make_staff(ctx, username, role=role, mfa_secret=secret)
    response = await login(client, username, otp=code(secret) if secret else None)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    if step_up and secret is not None:
        granted = await client.post(
            "/api/v1/console/auth/step-up",
            json={"otp": code(secret, steps_ahead=1)},
            headers=bearer(token),
        )
        assert granted.status_code == 200, granted.text
        STEP_UP_GRANTS[token] = granted.json()["step_up_token"]
    return token


STEP_UP = "/api/v1/console/auth/step-up"


async def stepped_up_owner(
    client: httpx.AsyncClient, ctx: AppContext, username: str
) -> tuple[dict[str, str], dict[str, str]]:
    """An owner signed in (TOTP) and the headers without and with a fresh step-up grant (the
    next 30-second code, since the sign-in spent the current one)."""
    secret = pyotp.random_base32()
    await make_staff(ctx, username, role="owner", mfa_secret=secret)
    signed_in = await login(client, username, otp=code(secret))
    assert signed_in.status_code == 200, signed_in.text
    headers = bearer(signed_in.json()["access_token"])
    granted = await client.post(STEP_UP, json={"otp": code(secret, steps_ahead=1)}, headers=headers)
    assert granted.status_code == 200, granted.text
    return headers, headers | {"X-Step-Up-Token": granted.json()["step_up_token"]}
