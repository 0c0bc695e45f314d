"""Builds the clients for the outside world once per process, real or simulated by settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.integrations.sms import LogSmsSender, SmsSender
from shoplet.integrations.wechat.login import WeChatLoginClient
from shoplet.integrations.wechat.login_simulator import create_login_simulator

WECHAT_SIM_PREFIX = "/_sim/wechat"


@dataclass
class Integrations:
    wechat_login: WeChatLoginClient
    sms: SmsSender


@asynccontextmanager
async def open_integrations(app: FastAPI, ctx: AppContext) -> AsyncIterator[Integrations]:
    settings = ctx.settings
    secret = settings.wechat_secret.get_secret_value()
    if settings.wechat_api_base:
        wechat_http = httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=5.0)
    else:
        simulator = create_login_simulator(appid=settings.wechat_appid, secret=secret)
        wechat_http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=simulator), base_url="http://wechat.simulator"
        )
    async with wechat_http:
        integrations = Integrations(
            wechat_login=WeChatLoginClient(wechat_http, appid=settings.wechat_appid, secret=secret),
            sms=LogSmsSender(),
        )
        app.state.integrations = integrations
        yield integrations


def mount_simulators(app: FastAPI, settings: Settings) -> None:
    """Embedded and test mode only: the simulators are reachable over HTTP for front ends."""
    app.mount(
        WECHAT_SIM_PREFIX,
        create_login_simulator(
            appid=settings.wechat_appid, secret=settings.wechat_secret.get_secret_value()
        ),
    )


def _integrations(request: Request) -> Integrations:
    integrations: Integrations = request.app.state.integrations
    return integrations


IntegrationsDep = Annotated[Integrations, Depends(_integrations)]
