from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import ME, PHONE, bearer, members, sms_login, wechat_login


async def test_get_me_masks_the_phone(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    tokens = await sms_login(client, app)

    response = await client.get(ME, headers=bearer(tokens))

    assert response.status_code == 200
    [member] = await members(ctx)
    assert response.json() == {
        "id": member.id,
        "nickname": "用户5678",
        "avatar_url": None,
        "phone": "138****5678",
        "gender": "unknown",
        "birthday": None,
        "has_wechat": False,
        "created_at": member.created_at.isoformat().replace("+00:00", "Z"),
    }


async def test_reveal_phone_for_the_owner(client: httpx.AsyncClient, app: FastAPI) -> None:
    tokens = await sms_login(client, app)

    response = await client.get(ME, params={"reveal": "phone"}, headers=bearer(tokens))

    assert response.status_code == 200
    assert response.json()["phone"] == PHONE


async def test_reveal_accepts_only_phone(client: httpx.AsyncClient) -> None:
    tokens = await wechat_login(client)

    response = await client.get(ME, params={"reveal": "all"}, headers=bearer(tokens))

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


async def test_patch_me_changes_only_given_fields(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)

    response = await client.patch(
        ME,
        json={
            "nickname": "  小明  ",
            "avatar_url": "https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132",
            "gender": "male",
            "birthday": "1990-05-17",
        },
        headers=bearer(tokens),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["nickname"] == "小明"
    assert body["avatar_url"] == "https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132"
    assert body["gender"] == "male"
    assert body["birthday"] == "1990-05-17"
    [member] = await members(ctx)
    assert member.nickname == "小明"
    assert member.birthday == date(1990, 5, 17)

    second = await client.patch(
        ME, json={"avatar_url": "/media/avatars/7.webp"}, headers=bearer(tokens)
    )

    assert second.status_code == 200
    assert second.json()["avatar_url"] == "/media/avatars/7.webp"
    assert second.json()["nickname"] == "小明"
    assert second.json()["gender"] == "male"


async def test_patch_me_clears_avatar_and_birthday_with_null(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    await client.patch(
        ME, json={"avatar_url": "/media/a.png", "birthday": "2000-01-01"}, headers=bearer(tokens)
    )

    response = await client.patch(
        ME, json={"avatar_url": None, "birthday": None}, headers=bearer(tokens)
    )

    assert response.status_code == 200
    assert response.json()["avatar_url"] is None
    assert response.json()["birthday"] is None


async def test_empty_patch_changes_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.patch(ME, json={}, headers=bearer(tokens))

    assert response.status_code == 200
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"nickname": False},
        {"nickname": 12},
        {"nickname": ""},
        {"nickname": "   "},
        {"nickname": "名" * 33},
        {"nickname": "bad\u0000name"},
        {"nickname": None},
        {"gender": "other"},
        {"gender": 1},
        {"gender": None},
        {"avatar_url": "http://insecure.example.com/a.png"},
        {"avatar_url": "javascript:alert(1)"},
        {"avatar_url": "https://example.com/" + "a" * 481},
        {"avatar_url": "/etc/passwd"},
        {"avatar_url": "/media/a b.png"},
        {"avatar_url": "/media/../config.json"},
        {"avatar_url": "https://cdn.example.com/a/../b"},
        {"avatar_url": False},
        {"birthday": "1990-13-01"},
        {"birthday": "1990-1-1"},
        {"birthday": "19900101"},
        {"birthday": 19900101},
        {"birthday": "2999-01-01"},
        {"birthday": "1850-01-01"},
        {"birthday": "1990-01-01T00:00:00"},
        {"is_active": False},
        {"phone": "13800000000"},
        {"nickname": "ok", "id": 99},
    ],
)
async def test_bad_profile_updates_are_422_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any]
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.patch(ME, json=body, headers=bearer(tokens))

    assert response.status_code == 422, body
    control = any(isinstance(v, str) and "\x00" in v for v in body.values())
    assert response.json()["code"] == (
        "request.invalid_characters" if control else "request.invalid"
    )
    assert await snapshot(ctx) == before


async def test_patch_body_that_is_not_json(client: httpx.AsyncClient, ctx: AppContext) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.patch(
        ME,
        content=b"{nickname: 1",
        headers={**bearer(tokens), "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "request.malformed_json"
    assert await snapshot(ctx) == before


async def test_patch_me_requires_a_token(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.patch(ME, json={"nickname": "hacker"})

    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before
