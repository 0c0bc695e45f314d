from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.members import tasks
from shoplet.modules.members.models import LoginCode, RefreshToken
from tests.conftest import snapshot
from tests.modules.members.conftest import (
    login_codes,
    refresh_tokens,
    request_code,
    sms_login,
    wechat_login,
)


async def test_purge_removes_only_dead_credentials(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    await sms_login(client, app, "13900000001")  # its code is consumed but not yet expired
    await request_code(client, app, "13900000002")
    await wechat_login(client, "alice")
    await wechat_login(client, "bob")
    now = utcnow()
    async with ctx.sessionmaker() as s:
        await s.execute(
            update(LoginCode)
            .where(LoginCode.phone_index == ctx.pii.blind_index("13900000002"))
            .values(expires_at=now - timedelta(seconds=1))
        )
        # Long expired: purged. Recently expired: kept, so a late replay is still recognised.
        await s.execute(
            update(RefreshToken)
            .where(RefreshToken.id == 2)
            .values(expires_at=now - timedelta(days=8))
        )
        await s.execute(
            update(RefreshToken)
            .where(RefreshToken.id == 3)
            .values(expires_at=now - timedelta(days=1))
        )
        await s.commit()

    purged = await tasks.purge_expired_credentials(ctx.sessionmaker)

    assert purged == 2
    assert [c.phone_index for c in await login_codes(ctx)] == [ctx.pii.blind_index("13900000001")]
    assert [t.id for t in await refresh_tokens(ctx)] == [1, 3]
    before = await snapshot(ctx)
    assert await tasks.purge_expired_credentials(ctx.sessionmaker) == 0
    assert await snapshot(ctx) == before


async def test_purge_is_scheduled_as_a_job(app: FastAPI, ctx: AppContext) -> None:
    from shoplet.core.jobs import run_job

    async with ctx.sessionmaker() as s:
        s.add(
            LoginCode(
                phone_index="dead",
                code_hash="x",
                expires_at=utcnow() - timedelta(hours=1),
            )
        )
        await s.commit()
    await run_job(ctx, tasks.PURGE_EXPIRED_CREDENTIALS)
    assert await login_codes(ctx) == []
