"""Members test factories: shoppers signed in through the real WeChat and SMS flows."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.integrations.sms import LogSmsSender
from shoplet.modules.members.models import Address, LoginCode, Member, RefreshToken

WECHAT_LOGIN = "/api/v1/auth/wechat-login"
SMS_CODE = "/api/v1/auth/sms-code"
SMS_LOGIN = "/api/v1/auth/sms-login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
ADDRESSES = "/api/v1/me/addresses"

PHONE = "13812345678"

ADDRESS: dict[str, Any] = {
    "recipient": "张三丰",
    "phone": "13912345678",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "region_code": "440305",
    "detail": "科技园南区深南大道10000号腾讯大厦",
    "postal_code": "518057",
    "tag": "公司",
}


def sms_outbox(app: FastAPI) -> LogSmsSender:
    sender = app.state.integrations.sms
    assert isinstance(sender, LogSmsSender)
    return sender


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def wechat_login(client: httpx.AsyncClient, name: str = "alice") -> dict[str, Any]:
    response = await client.post(WECHAT_LOGIN, json={"code": f"test-{name}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def request_code(client: httpx.AsyncClient, app: FastAPI, phone: str = PHONE) -> str:
    response = await client.post(SMS_CODE, json={"phone": phone})
    assert response.status_code == 202, response.text
    code = sms_outbox(app).last_code(phone)
    assert code is not None
    return code


async def sms_login(client: httpx.AsyncClient, app: FastAPI, phone: str = PHONE) -> dict[str, Any]:
    code = await request_code(client, app, phone)
    response = await client.post(SMS_LOGIN, json={"phone": phone, "code": code})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_address(
    client: httpx.AsyncClient, tokens: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(ADDRESSES, json={**ADDRESS, **overrides}, headers=bearer(tokens))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def members(ctx: AppContext) -> list[Member]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Member).order_by(Member.id))).all())


async def refresh_tokens(ctx: AppContext) -> list[RefreshToken]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(RefreshToken).order_by(RefreshToken.id))).all())


async def login_codes(ctx: AppContext) -> list[LoginCode]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(LoginCode))).all())


async def addresses(ctx: AppContext, member_id: int | None = None) -> list[Address]:
    async with ctx.sessionmaker() as s:
        query = select(Address).order_by(Address.id)
        if member_id is not None:
            query = query.where(Address.member_id == member_id)
        return list((await s.scalars(query)).all())


async def set_member(ctx: AppContext, member_id: int, **values: Any) -> None:
    async with ctx.sessionmaker() as s:
        member = await s.get(Member, member_id)
        assert member is not None
        for name, value in values.items():
            setattr(member, name, value)
        await s.commit()
