from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.members.models import RefreshToken
from tests.conftest import snapshot
from tests.modules.members.conftest import (
    LOGOUT,
    ME,
    REFRESH,
    bearer,
    refresh_tokens,
    set_member,
    sms_login,
    wechat_login,
)


async def test_refresh_rotates_the_token(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)

    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["token_type"] == "Bearer"
    assert rotated["expires_in"] == 900
    assert rotated["member"]["id"] == tokens["member"]["id"]
    assert rotated["refresh_token"] != tokens["refresh_token"]
    old, new = await refresh_tokens(ctx)
    assert old.used_at is not None
    assert old.revoked_at is None
    assert new.used_at is None
    assert new.family_id == old.family_id
    me = await client.get(ME, headers=bearer(rotated))
    assert me.status_code == 200
    # The new refresh token rotates again.
    again = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 200


async def test_reusing_a_rotated_token_revokes_the_family(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    other_device = await wechat_login(client)
    rotated = (await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})).json()
    await age_rotations(ctx, seconds=ctx.settings.refresh_grace_seconds + 1)

    replay = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert replay.status_code == 401
    assert replay.json()["code"] == "auth.refresh_reused"
    assert replay.headers["www-authenticate"] == "Bearer"
    first, other_device_row, successor_row = await refresh_tokens(ctx)
    assert successor_row.family_id == first.family_id != other_device_row.family_id
    assert first.revoked_at is not None
    assert successor_row.revoked_at is not None
    assert other_device_row.revoked_at is None
    # The thief's (or the racing client's) successor token is dead too ...
    successor = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert successor.status_code == 401
    assert successor.json()["code"] == "auth.refresh_invalid"
    # ... but the login on another device is untouched.
    other = await client.post(REFRESH, json={"refresh_token": other_device["refresh_token"]})
    assert other.status_code == 200


async def age_rotations(ctx: AppContext, *, seconds: int) -> None:
    """Move every rotation ``seconds`` into the past (the grace window is measured from it)."""
    async with ctx.sessionmaker() as s:
        for token in (await s.scalars(select(RefreshToken))).all():
            if token.used_at is not None:
                token.used_at -= timedelta(seconds=seconds)
        await s.commit()


async def test_concurrent_refreshes_with_one_token_all_get_the_same_pair(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """An app refreshing from ten places at once: one rotation, ten identical answers, and the
    shopper stays signed in."""
    tokens = await wechat_login(client)

    responses = await asyncio.gather(
        *(client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}) for _ in range(10))
    )

    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    pairs = {(r.json()["access_token"], r.json()["refresh_token"]) for r in responses}
    assert len(pairs) == 1
    ((access_token, refresh_token),) = pairs
    rows = await refresh_tokens(ctx)
    assert len(rows) == 2
    assert sum(t.used_at is not None for t in rows) == 1
    assert all(t.revoked_at is None for t in rows)
    me = await client.get(ME, headers={"Authorization": f"Bearer {access_token}"})
    assert me.status_code == 200
    again = await client.post(REFRESH, json={"refresh_token": refresh_token})
    assert again.status_code == 200


async def test_a_refresh_retried_within_the_grace_window_gets_the_same_pair(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    first = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    before = await snapshot(ctx)

    retry = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert retry.status_code == 200
    assert retry.json()["access_token"] == first.json()["access_token"]
    assert retry.json()["refresh_token"] == first.json()["refresh_token"]
    assert await snapshot(ctx) == before
    # Still the same successor late in the window (the rotation happened 25 s ago).
    await age_rotations(ctx, seconds=ctx.settings.refresh_grace_seconds - 5)
    late = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert late.status_code == 200
    assert late.json()["refresh_token"] == first.json()["refresh_token"]


async def test_no_grace_for_a_signed_out_family(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    rotated = (await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})).json()
    assert (await client.post(LOGOUT, json={"refresh_token": rotated["refresh_token"]})).is_success
    before = await snapshot(ctx)

    retry = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert retry.status_code == 401
    assert retry.json()["code"] == "auth.refresh_reused"
    assert await snapshot(ctx) == before


async def test_expired_refresh_token(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    async with ctx.sessionmaker() as s:
        await s.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    before = await snapshot(ctx)

    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 401
    assert response.json()["code"] == "auth.refresh_expired"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("token", ["not-a-token", "x" * 200])
async def test_unknown_refresh_token(
    client: httpx.AsyncClient, ctx: AppContext, token: str
) -> None:
    await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(REFRESH, json={"refresh_token": token})

    assert response.status_code == 401
    assert response.json()["code"] == "auth.refresh_invalid"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [{}, {"refresh_token": ""}, {"refresh_token": 1}, {"refresh_token": "x" * 201}],
)
async def test_malformed_refresh_bodies(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, object]
) -> None:
    before = await snapshot(ctx)

    response = await client.post(REFRESH, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_refresh_of_a_disabled_member_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    await set_member(ctx, tokens["member"]["id"], is_active=False)
    before = await snapshot(ctx)

    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 403
    assert response.json()["code"] == "auth.member_disabled"
    assert await snapshot(ctx) == before


async def test_logout_revokes_the_family_only(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    phone_login = await sms_login(client, app)
    wechat = await wechat_login(client)
    rotated = (await client.post(REFRESH, json={"refresh_token": wechat["refresh_token"]})).json()

    response = await client.post(LOGOUT, json={"refresh_token": rotated["refresh_token"]})

    assert response.status_code == 204
    assert response.content == b""
    rows = await refresh_tokens(ctx)
    assert [t.revoked_at is not None for t in rows] == [False, True, True]
    after = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["code"] == "auth.refresh_invalid"
    still = await client.post(REFRESH, json={"refresh_token": phone_login["refresh_token"]})
    assert still.status_code == 200


async def test_logout_with_an_unknown_token_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(LOGOUT, json={"refresh_token": "never-issued"})

    assert response.status_code == 204
    assert await snapshot(ctx) == before


async def test_missing_or_bad_access_tokens_are_401(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    member_id = str(tokens["member"]["id"])
    expired = ctx.tokens.issue(subject=member_id, audience="storefront", ttl=timedelta(seconds=-1))
    console = ctx.tokens.issue(subject=member_id, audience="console", ttl=timedelta(minutes=5))
    not_a_member = ctx.tokens.issue(subject="abc", audience="storefront", ttl=timedelta(minutes=5))
    cases = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": f"Bearer {tokens['refresh_token']}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {console}"},
        {"Authorization": f"Bearer {not_a_member}"},
    ]
    for headers in cases:
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "auth.unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
