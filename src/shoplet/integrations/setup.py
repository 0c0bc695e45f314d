"""Builds the clients for the outside world once per process, real or simulated by settings."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.integrations.invoicing.nuonuo import API_BASE as NUONUO_API_BASE
from shoplet.integrations.invoicing.nuonuo import NuonuoProvider
from shoplet.integrations.invoicing.nuonuo_simulator import NuonuoSimulator
from shoplet.integrations.logistics.kuaidi100 import API_BASE as KUAIDI100_API_BASE
from shoplet.integrations.logistics.kuaidi100 import POLL_BASE as KUAIDI100_POLL_BASE
from shoplet.integrations.logistics.kuaidi100 import Kuaidi100Carrier
from shoplet.integrations.logistics.kuaidi100_simulator import Kuaidi100Simulator
from shoplet.integrations.sms import LogSmsSender, SmsSender
from shoplet.integrations.tencent_sms import (
    API_BASE as TENCENT_SMS_API_BASE,
)
from shoplet.integrations.tencent_sms import (
    TencentSmsConfig,
    TencentSmsSender,
    TencentSmsTemplate,
)
from shoplet.integrations.tencent_sms_simulator import (
    SIMULATOR_LOGIN_TEMPLATE_ID,
    SIMULATOR_SDK_APP_ID,
    SIMULATOR_SECRET_ID,
    SIMULATOR_SECRET_KEY,
    SIMULATOR_SIGN_NAME,
    TencentSmsSimulator,
)
from shoplet.integrations.wechat.customer_service import CustomerServiceClient
from shoplet.integrations.wechat.customer_service_simulator import CustomerServiceSimulator
from shoplet.integrations.wechat.live import LiveReplayClient
from shoplet.integrations.wechat.live_simulator import LiveReplaySimulator
from shoplet.integrations.wechat.login import WeChatLoginClient
from shoplet.integrations.wechat.login_simulator import create_login_simulator
from shoplet.integrations.wechat.official_account_simulator import OfficialAccountSimulator
from shoplet.integrations.wechat.pay import (
    API_BASE,
    MemoryReplayStore,
    RedisReplayStore,
    ReplayStore,
    WeChatPayClient,
    WeChatPayConfig,
    WeChatPayError,
    config_from_settings,
    notify_urls,
)
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator, lazy_keys
from shoplet.integrations.wechat.phone import WeChatPhoneClient
from shoplet.integrations.wechat.phone_simulator import PhoneNumberSimulator
from shoplet.integrations.wechat.security import ContentSecurityClient
from shoplet.integrations.wechat.security_simulator import ContentSecuritySimulator
from shoplet.integrations.wechat.shipping import WeChatShippingClient
from shoplet.integrations.wechat.shipping_simulator import WeChatShippingSimulator
from shoplet.integrations.wechat.subscribe import SubscribeMessageClient
from shoplet.integrations.wechat.subscribe_simulator import SubscribeMessageSimulator
from shoplet.integrations.wechat.wxacode import WxacodeClient
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator
from shoplet.integrations.wecom.client import API_BASE as WECOM_API_BASE
from shoplet.integrations.wecom.client import WeComClient
from shoplet.integrations.wecom.simulator import WeComSimulator

WECHAT_SIM_PREFIX = "/_sim/wechat"
SMS_SIM_PREFIX = "/_sim/sms"
WECHATPAY_SIM_PREFIX = "/_sim/wechatpay"
WXACODE_SIM_PREFIX = "/_sim/wxacode"
KUAIDI100_SIM_PREFIX = "/_sim/kuaidi100"
# WeChat's message push (content-security verdicts) lands here.
WECHAT_PUSH_PATH = "/api/v1/moderation/wechat/push"
# Customer-service messages (客服消息) land here (also content-security verdicts: a mini program
# has one push URL, and this one hands those on to moderation).
WECHAT_KF_PUSH_PATH = "/api/v1/support/wechat/push"
# The callback URL's host when Kuaidi100 is the in-process simulator (pushes never leave the app).
KUAIDI100_LOCAL_CALLBACK_BASE = "http://shoplet.internal"
KUAIDI100_CALLBACK_PATH = "/api/v1/fulfillment/kuaidi100/callback"
NUONUO_CALLBACK_PATH = "/api/v1/invoicing/nuonuo/callback"
WECOM_CALLBACK_PATH = "/api/v1/wecom/callback"
WECOM_SIM_PREFIX = "/_sim/wecom"
WECHATPAY_SIM_MCHID = "1900000109"
WECHAT_API_BASE = "https://api.weixin.qq.com"
# Shoplet's SMS templates and the message params that fill the Tencent template's {1}, {2}, …
LOGIN_CODE_TEMPLATE = "login_code"
LOGIN_CODE_PARAMS = ("code", "minutes")


@dataclass
class Integrations:
    wechat_login: WeChatLoginClient
    sms: SmsSender
    wechat_pay: WeChatPayClient
    # The simulator behind wechat_pay in embedded and test mode; None in production.
    wechat_pay_simulator: WeChatPaySimulator | None = None
    # The Tencent Cloud SMS simulator behind ``sms`` (provider "tencent", no SHOPLET_SMS_API_BASE,
    # embedded and test mode); None otherwise.
    sms_simulator: TencentSmsSimulator | None = None
    # Mini-program codes (wxacode.getUnlimited) and, in embedded and test mode, their simulator.
    wxacode: WxacodeClient | None = None
    wxacode_simulator: WxacodeSimulator | None = None
    # Carriers (Kuaidi100: tracking subscriptions, pushes, e-waybills) and its simulator.
    carrier: Kuaidi100Carrier | None = None
    kuaidi100_simulator: Kuaidi100Simulator | None = None
    kuaidi100_callback_url: str = KUAIDI100_LOCAL_CALLBACK_BASE + KUAIDI100_CALLBACK_PATH
    # WeChat 发货信息录入 and, in embedded and test mode, its simulator.
    wechat_shipping: WeChatShippingClient | None = None
    wechat_shipping_simulator: WeChatShippingSimulator | None = None
    # WeChat content security (msgSecCheck, mediaCheckAsync) and, embedded and test, its
    # simulator; ``wechat_push_token`` checks the signature of WeChat's pushes.
    content_security: ContentSecurityClient | None = None
    content_security_simulator: ContentSecuritySimulator | None = None
    wechat_push_token: str = ""
    # E-invoices (诺诺 Nuonuo: signed requests, async issue, signed callbacks) and its simulator.
    invoice_provider: NuonuoProvider | None = None
    nuonuo_simulator: NuonuoSimulator | None = None
    nuonuo_callback_url: str = KUAIDI100_LOCAL_CALLBACK_BASE + NUONUO_CALLBACK_PATH
    # The mini program's getPhoneNumber code exchange and, embedded and test, its simulator.
    wechat_phone: WeChatPhoneClient | None = None
    wechat_phone_simulator: PhoneNumberSimulator | None = None
    # Subscribe messages (订阅消息) and, embedded and test, their simulator.
    subscribe_messages: SubscribeMessageClient | None = None
    subscribe_simulator: SubscribeMessageSimulator | None = None
    # The mini program's customer service (客服消息: custom/send, media) and, embedded and test,
    # its simulator; pushes are checked with ``wechat_push_token`` and, in 安全模式,
    # ``wechat_push_aes_key`` (the EncodingAESKey; empty: plain mode) and ``wechat_appid``.
    customer_service: CustomerServiceClient | None = None
    customer_service_simulator: CustomerServiceSimulator | None = None
    wechat_push_aes_key: str = ""
    wechat_appid: str = ""
    # WeCom customer contact (客户联系): None while SHOPLET_WECOM_CORP_ID / _SECRET are unset;
    # embedded and test, its simulator. Callbacks are checked with the token and AES key.
    wecom: WeComClient | None = None
    wecom_simulator: WeComSimulator | None = None
    wecom_callback_token: str = ""
    wecom_callback_aes_key: str = ""
    # The 公众号's server API (its appid and secret are the console's, per call) and, embedded
    # and test, its simulator.
    official_account_http: httpx.AsyncClient | None = None
    official_account_simulator: OfficialAccountSimulator | None = None
    # 小程序直播 replays (getliveinfo get_replay) and, embedded and test, their simulator.
    live_replay: LiveReplayClient | None = None
    live_replay_simulator: LiveReplaySimulator | None = None


@asynccontextmanager
async def open_integrations(app: FastAPI, ctx: AppContext) -> AsyncIterator[Integrations]:
    settings = ctx.settings
    secret = settings.wechat_secret.get_secret_value()
    if settings.wechat_api_base or not settings.is_embedded:
        # Production never logs in against the simulator.
        wechat_http = httpx.AsyncClient(
            base_url=settings.wechat_api_base or WECHAT_API_BASE, timeout=5.0
        )
    else:
        simulator = create_login_simulator(appid=settings.wechat_appid, secret=secret)
        wechat_http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=simulator), base_url="http://wechat.simulator"
        )
    pay_http, wechat_pay, pay_simulator = open_wechat_pay(app, ctx)
    sms_http, sms, sms_simulator = open_sms(settings)
    wxacode_http, wxa_simulator = open_wxacode(app, settings)
    poll_http, api_http, kd_simulator = open_kuaidi100(app, settings)
    nuonuo_http, nn_simulator = open_nuonuo(app, settings)
    wecom_http, wecom, wc_simulator = open_wecom(app, settings)
    oa_http, oa_simulator = open_official_account(app, settings)
    async with (
        wechat_http,
        pay_http,
        sms_http,
        wxacode_http,
        poll_http,
        api_http,
        nuonuo_http,
        wecom_http,
        oa_http,
    ):
        wxacode = WxacodeClient(wxacode_http, appid=settings.wechat_appid, secret=secret)

        async def shipping_token(force_refresh: bool) -> str:
            return await wxacode.access_token(force_refresh=force_refresh)

        integrations = Integrations(
            wechat_login=WeChatLoginClient(wechat_http, appid=settings.wechat_appid, secret=secret),
            sms=sms,
            wechat_pay=wechat_pay,
            wechat_pay_simulator=pay_simulator,
            sms_simulator=sms_simulator,
            wxacode=wxacode,
            wxacode_simulator=wxa_simulator,
            carrier=Kuaidi100Carrier(
                poll_http,
                api_http,
                key=settings.kuaidi100_key.get_secret_value(),
                secret=settings.kuaidi100_secret.get_secret_value(),
                salt=settings.kuaidi100_salt.get_secret_value(),
            ),
            kuaidi100_simulator=kd_simulator,
            kuaidi100_callback_url=(
                settings.kuaidi100_callback_base_url or KUAIDI100_LOCAL_CALLBACK_BASE
            ).rstrip("/")
            + KUAIDI100_CALLBACK_PATH,
            wechat_shipping=WeChatShippingClient(wxacode_http, shipping_token),
            wechat_shipping_simulator=(
                wechat_shipping_simulator(app, settings) if wxa_simulator is not None else None
            ),
            content_security=ContentSecurityClient(wxacode_http, shipping_token),
            content_security_simulator=(
                content_security_simulator(app, settings) if wxa_simulator is not None else None
            ),
            wechat_push_token=settings.wechat_push_token.get_secret_value(),
            invoice_provider=NuonuoProvider(
                nuonuo_http,
                app_key=settings.nuonuo_app_key.get_secret_value(),
                app_secret=settings.nuonuo_app_secret.get_secret_value(),
                access_token=settings.nuonuo_access_token.get_secret_value(),
                seller_tax_id=settings.invoice_seller_tax_id,
            ),
            nuonuo_simulator=nn_simulator,
            nuonuo_callback_url=(
                settings.nuonuo_callback_base_url or KUAIDI100_LOCAL_CALLBACK_BASE
            ).rstrip("/")
            + NUONUO_CALLBACK_PATH,
            wechat_phone=WeChatPhoneClient(
                wxacode_http, shipping_token, appid=settings.wechat_appid
            ),
            wechat_phone_simulator=(
                phone_number_simulator(app, settings) if wxa_simulator is not None else None
            ),
            subscribe_messages=SubscribeMessageClient(wxacode_http, shipping_token),
            subscribe_simulator=(
                subscribe_message_simulator(app, settings) if wxa_simulator is not None else None
            ),
            customer_service=CustomerServiceClient(wxacode_http, shipping_token),
            customer_service_simulator=(
                customer_service_simulator(app, settings) if wxa_simulator is not None else None
            ),
            wechat_push_aes_key=(
                settings.wechat_push_aes_key.get_secret_value()
                if settings.wechat_push_aes_key is not None
                else ""
            ),
            wechat_appid=settings.wechat_appid,
            wecom=wecom,
            wecom_simulator=wc_simulator,
            wecom_callback_token=_secret(settings.wecom_callback_token),
            wecom_callback_aes_key=_secret(settings.wecom_callback_aes_key),
            official_account_http=oa_http,
            official_account_simulator=oa_simulator,
            live_replay=LiveReplayClient(wxacode_http, shipping_token),
            live_replay_simulator=(
                live_replay_simulator(app, settings) if wxa_simulator is not None else None
            ),
        )
        app.state.integrations = integrations
        try:
            yield integrations
        finally:
            if pay_simulator is not None:
                await pay_simulator.aclose()


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def open_official_account(
    app: FastAPI, settings: Settings
) -> tuple[httpx.AsyncClient, OfficialAccountSimulator | None]:
    """The HTTP client for the 公众号's server API: WeChat's (production, or an explicit
    ``SHOPLET_WECHAT_API_BASE``), else one in-repo simulator per app (its appid and secret are
    what the console must be given, as a merchant copies them from 公众平台)."""
    if settings.wechat_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.wechat_api_base or WECHAT_API_BASE,
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        return http, None
    simulator: OfficialAccountSimulator | None = getattr(app.state, "oa_simulator", None)
    if simulator is None:
        simulator = app.state.oa_simulator = OfficialAccountSimulator(
            appid="wx" + secrets.token_hex(8), secret=secrets.token_hex(16)
        )
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="http://oa.simulator"
    )
    return http, simulator


def wecom_enabled(settings: Settings) -> bool:
    return bool(settings.wecom_corp_id and _secret(settings.wecom_secret))


def wecom_simulator(app: FastAPI, settings: Settings) -> WeComSimulator:
    """One WeCom simulator per app; with no public callback base URL its callbacks are
    delivered to this very app in-process."""
    existing: WeComSimulator | None = getattr(app.state, "wecom_simulator", None)
    if existing is None:
        base = settings.wecom_callback_base_url
        existing = app.state.wecom_simulator = WeComSimulator(
            corp_id=settings.wecom_corp_id or "",
            secret=_secret(settings.wecom_secret),
            callback_token=_secret(settings.wecom_callback_token),
            encoding_aes_key=_secret(settings.wecom_callback_aes_key),
            callback_url=(base or KUAIDI100_LOCAL_CALLBACK_BASE).rstrip("/") + WECOM_CALLBACK_PATH,
            callback_transport=(
                None if base else httpx.ASGITransport(app=app, raise_app_exceptions=False)
            ),
        )
    return existing


def open_wecom(
    app: FastAPI, settings: Settings
) -> tuple[AbstractAsyncContextManager[object], WeComClient | None, WeComSimulator | None]:
    """WeCom's client when the corp id and secret are set (off otherwise): qyapi.weixin.qq.com
    in production or with an explicit ``SHOPLET_WECOM_API_BASE``, else the in-repo simulator."""
    if not wecom_enabled(settings):
        return nullcontext(), None, None
    corp_id, secret = settings.wecom_corp_id or "", _secret(settings.wecom_secret)
    if settings.wecom_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.wecom_api_base or WECOM_API_BASE,
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        return http, WeComClient(http, corp_id=corp_id, secret=secret), None
    simulator = wecom_simulator(app, settings)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="http://wecom.simulator"
    )
    return http, WeComClient(http, corp_id=corp_id, secret=secret), simulator


def wxacode_simulator(app: FastAPI, settings: Settings) -> WxacodeSimulator:
    """One wxacode simulator per app, shared by its mounted routes and Shoplet's own client."""
    existing: WxacodeSimulator | None = getattr(app.state, "wxacode_simulator", None)
    if existing is None:
        existing = app.state.wxacode_simulator = WxacodeSimulator(
            appid=settings.wechat_appid, secret=settings.wechat_secret.get_secret_value()
        )
    return existing


def open_wxacode(
    app: FastAPI, settings: Settings
) -> tuple[httpx.AsyncClient, WxacodeSimulator | None]:
    """The HTTP client for mini-program codes: WeChat's API (production, or an explicit
    ``SHOPLET_WECHAT_API_BASE``), else the in-repo simulator."""
    if settings.wechat_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.wechat_api_base or WECHAT_API_BASE,
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        return http, None
    simulator = wxacode_simulator(app, settings)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="http://wxacode.simulator"
    )
    return http, simulator


def kuaidi100_simulator(app: FastAPI, settings: Settings) -> Kuaidi100Simulator:
    """One Kuaidi100 simulator per app; with no public callback base URL its pushes are
    delivered to this very app in-process (no port to guess, works in tests)."""
    existing: Kuaidi100Simulator | None = getattr(app.state, "kuaidi100_simulator", None)
    if existing is None:
        existing = app.state.kuaidi100_simulator = Kuaidi100Simulator(
            key=settings.kuaidi100_key.get_secret_value(),
            secret=settings.kuaidi100_secret.get_secret_value(),
            push_transport=(
                None
                if settings.kuaidi100_callback_base_url
                else httpx.ASGITransport(app=app, raise_app_exceptions=False)
            ),
        )
    return existing


def open_kuaidi100(
    app: FastAPI, settings: Settings
) -> tuple[httpx.AsyncClient, httpx.AsyncClient, Kuaidi100Simulator | None]:
    """The HTTP clients for Kuaidi100's subscription (poll) and e-waybill (api) hosts: the
    real ones in production or with explicit bases, else the in-repo simulator."""
    timeout = httpx.Timeout(10.0, connect=5.0)
    if settings.kuaidi100_poll_base or not settings.is_embedded:
        return (
            httpx.AsyncClient(
                base_url=settings.kuaidi100_poll_base or KUAIDI100_POLL_BASE, timeout=timeout
            ),
            httpx.AsyncClient(
                base_url=settings.kuaidi100_api_base or KUAIDI100_API_BASE, timeout=timeout
            ),
            None,
        )
    simulator = kuaidi100_simulator(app, settings)
    transport = httpx.ASGITransport(app=simulator.app)
    return (
        httpx.AsyncClient(transport=transport, base_url="http://poll.kuaidi100.simulator"),
        httpx.AsyncClient(transport=transport, base_url="http://api.kuaidi100.simulator"),
        simulator,
    )


def nuonuo_simulator(app: FastAPI, settings: Settings) -> NuonuoSimulator:
    """One Nuonuo simulator per app; with no public callback base URL its callbacks are
    delivered to this very app in-process. It issues on its own right after accepting an
    invoice (the embedded shop); tests turn ``auto_issue`` off to issue step by step."""
    existing: NuonuoSimulator | None = getattr(app.state, "nuonuo_simulator", None)
    if existing is None:
        existing = app.state.nuonuo_simulator = NuonuoSimulator(
            app_key=settings.nuonuo_app_key.get_secret_value(),
            app_secret=settings.nuonuo_app_secret.get_secret_value(),
            access_token=settings.nuonuo_access_token.get_secret_value(),
            seller_tax_id=settings.invoice_seller_tax_id,
            auto_issue=True,
            callback_transport=(
                None
                if settings.nuonuo_callback_base_url
                else httpx.ASGITransport(app=app, raise_app_exceptions=False)
            ),
        )
    return existing


def open_nuonuo(
    app: FastAPI, settings: Settings
) -> tuple[httpx.AsyncClient, NuonuoSimulator | None]:
    """The HTTP client for Nuonuo's open platform: the real one in production or with an
    explicit base, else the in-repo simulator."""
    if settings.nuonuo_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.nuonuo_api_base or NUONUO_API_BASE,
            timeout=httpx.Timeout(15.0, connect=5.0),
        )
        return http, None
    simulator = nuonuo_simulator(app, settings)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="http://nuonuo.simulator"
    )
    return http, simulator


def wechat_shipping_simulator(app: FastAPI, settings: Settings) -> WeChatShippingSimulator:
    """发货信息录入's simulator, on the mini-program code simulator's tokens and the WeChat
    Pay simulator's settled transactions; its route joins the code simulator's app."""
    existing: WeChatShippingSimulator | None = getattr(app.state, "wechat_shipping_simulator", None)
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    pay = wechatpay_simulator(app, settings)

    def payer_of(transaction_id: str) -> str | None:
        for txn in pay.transactions.values():
            if txn.transaction_id == transaction_id:
                return txn.openid
        return None

    existing = app.state.wechat_shipping_simulator = WeChatShippingSimulator(
        tokens=codes.tokens, payer_of=payer_of
    )
    codes.app.router.routes.append(existing.route())
    return existing


def content_security_simulator(app: FastAPI, settings: Settings) -> ContentSecuritySimulator:
    """Content security's simulator, on the mini-program code simulator's tokens; its routes
    join that simulator's app, and its pushes go to this app in-process unless a public push
    base URL is set."""
    existing: ContentSecuritySimulator | None = getattr(
        app.state, "content_security_simulator", None
    )
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    base = settings.wechat_push_base_url
    existing = app.state.content_security_simulator = ContentSecuritySimulator(
        tokens=codes.tokens,
        appid=settings.wechat_appid,
        push_token=settings.wechat_push_token.get_secret_value(),
        push_url=(base or KUAIDI100_LOCAL_CALLBACK_BASE).rstrip("/") + WECHAT_PUSH_PATH,
        push_transport=(None if base else httpx.ASGITransport(app=app, raise_app_exceptions=False)),
    )
    codes.app.router.routes.extend(existing.routes())
    return existing


def phone_number_simulator(app: FastAPI, settings: Settings) -> PhoneNumberSimulator:
    """getPhoneNumber's code exchange, on the mini-program code simulator's tokens; its routes
    join that simulator's app (``/_sim/wxacode/sim/phone-code`` plays the phone's button)."""
    existing: PhoneNumberSimulator | None = getattr(app.state, "phone_number_simulator", None)
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    existing = app.state.phone_number_simulator = PhoneNumberSimulator(
        tokens=codes.tokens, appid=settings.wechat_appid
    )
    codes.app.router.routes.extend(existing.routes())
    return existing


def subscribe_message_simulator(app: FastAPI, settings: Settings) -> SubscribeMessageSimulator:
    """Subscribe messages' simulator, on the mini-program code simulator's tokens; its route
    joins that simulator's app."""
    existing: SubscribeMessageSimulator | None = getattr(app.state, "subscribe_simulator", None)
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    existing = app.state.subscribe_simulator = SubscribeMessageSimulator(tokens=codes.tokens)
    codes.app.router.routes.extend(existing.routes())
    return existing


def customer_service_simulator(app: FastAPI, settings: Settings) -> CustomerServiceSimulator:
    """客服消息's simulator, on the mini-program code simulator's tokens; its routes join that
    simulator's app, and its pushes go to this app in-process unless a public push base URL is
    set."""
    existing: CustomerServiceSimulator | None = getattr(
        app.state, "customer_service_simulator", None
    )
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    base = settings.wechat_push_base_url
    key = settings.wechat_push_aes_key
    existing = app.state.customer_service_simulator = CustomerServiceSimulator(
        tokens=codes.tokens,
        appid=settings.wechat_appid,
        push_token=settings.wechat_push_token.get_secret_value(),
        push_url=(base or KUAIDI100_LOCAL_CALLBACK_BASE).rstrip("/") + WECHAT_KF_PUSH_PATH,
        push_transport=(None if base else httpx.ASGITransport(app=app, raise_app_exceptions=False)),
        encoding_aes_key=key.get_secret_value() if key is not None else None,
    )
    codes.app.router.routes.extend(existing.routes())
    return existing


def live_replay_simulator(app: FastAPI, settings: Settings) -> LiveReplaySimulator:
    """小程序直播's get_replay simulator, on the mini-program code simulator's tokens; its
    routes join that simulator's app."""
    existing: LiveReplaySimulator | None = getattr(app.state, "live_replay_simulator", None)
    if existing is not None:
        return existing
    codes = wxacode_simulator(app, settings)
    existing = app.state.live_replay_simulator = LiveReplaySimulator(tokens=codes.tokens)
    codes.app.router.routes.extend(existing.routes())
    return existing


def tencent_sms_config(settings: Settings) -> TencentSmsConfig:
    """Credentials from settings; embedded and test mode fill what is unset with the
    simulator's (production's check-config refuses unset ones before this runs)."""

    def secret(value: SecretStr | None, default: str) -> str:
        return value.get_secret_value() if value is not None else default

    return TencentSmsConfig(
        secret_id=secret(settings.sms_tencent_secret_id, SIMULATOR_SECRET_ID),
        secret_key=secret(settings.sms_tencent_secret_key, SIMULATOR_SECRET_KEY),
        sdk_app_id=settings.sms_tencent_sdk_app_id or SIMULATOR_SDK_APP_ID,
        sign_name=settings.sms_tencent_sign_name or SIMULATOR_SIGN_NAME,
        region=settings.sms_tencent_region,
        templates={
            LOGIN_CODE_TEMPLATE: TencentSmsTemplate(
                settings.sms_tencent_login_template_id or SIMULATOR_LOGIN_TEMPLATE_ID,
                LOGIN_CODE_PARAMS,
            )
        },
    )


def open_sms(
    settings: Settings,
) -> tuple[AbstractAsyncContextManager[object], SmsSender, TencentSmsSimulator | None]:
    """The SMS sender by ``SHOPLET_SMS_PROVIDER``, with what must be closed on shutdown."""
    if settings.sms_provider == "log":
        return nullcontext(), LogSmsSender(), None
    config = tencent_sms_config(settings)
    if settings.sms_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.sms_api_base or TENCENT_SMS_API_BASE,
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        return http, TencentSmsSender(http, config), None
    simulator = TencentSmsSimulator(
        secret_id=config.secret_id,
        secret_key=config.secret_key,
        sdk_app_id=config.sdk_app_id,
        sign_name=config.sign_name,
        templates={t.template_id: len(t.params) for t in config.templates.values()},
    )
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="https://sms.simulator"
    )
    return http, TencentSmsSender(http, config), simulator


def wechatpay_simulator(app: FastAPI, settings: Settings) -> WeChatPaySimulator:
    """One simulator per app, shared by its mounted routes and Shoplet's own client.

    Notifies go to the notify URL over HTTP; when no public notify base URL is configured that
    URL is this very app, so they are delivered in-process (no port to guess, works in tests).
    """
    existing: WeChatPaySimulator | None = getattr(app.state, "wechatpay_simulator", None)
    if existing is not None:
        return existing
    notify_transport = (
        None
        if settings.wechatpay_notify_base_url
        else httpx.ASGITransport(app=app, raise_app_exceptions=False)
    )
    simulator = WeChatPaySimulator(
        mchid=settings.wechatpay_mchid or WECHATPAY_SIM_MCHID,
        appid=settings.wechatpay_appid or settings.wechat_appid,
        keys=lazy_keys(settings.data_dir / "wechatpay-sim"),
        notify_transport=notify_transport,
        # Tests complete refunds explicitly; the embedded shop completes them by itself.
        refund_delay_seconds=(
            settings.wechatpay_sim_refund_delay_seconds if settings.env == "embedded" else None
        ),
        # H5 payments' h5_url: the mounted cashier page, on the public base URL when there is
        # one, else path-absolute (the browser is on this shop's origin).
        cashier_base_url=(settings.wechatpay_notify_base_url or "").rstrip("/")
        + WECHATPAY_SIM_PREFIX,
    )
    app.state.wechatpay_simulator = simulator
    return simulator


def open_wechat_pay(
    app: FastAPI, ctx: AppContext
) -> tuple[httpx.AsyncClient, WeChatPayClient, WeChatPaySimulator | None]:
    settings = ctx.settings
    replay: ReplayStore = (
        RedisReplayStore(ctx.redis, prefix=settings.redis_key("wechatpay:notify-nonce:"))
        if ctx.redis is not None
        else MemoryReplayStore()
    )
    if settings.wechatpay_api_base or not settings.is_embedded:
        http = httpx.AsyncClient(
            base_url=settings.wechatpay_api_base or API_BASE,
            timeout=httpx.Timeout(10.0, connect=5.0),
        )
        tracing.instrument_http(http)
        if settings.wechatpay_api_base:
            # Explicit API base: fail at start-up on missing or unreadable credentials.
            return (
                http,
                WeChatPayClient(http, config_from_settings(settings), replay_store=replay),
                None,
            )

        def configured() -> WeChatPayConfig:
            try:
                return config_from_settings(settings)
            except (ValueError, OSError) as exc:
                raise WeChatPayError("NOT_CONFIGURED", str(exc), 0, verified=False) from exc

        # Production never falls back to the simulator; unconfigured, payments fail clearly.
        return http, WeChatPayClient(http, configured, replay_store=replay), None

    simulator = wechatpay_simulator(app, settings)
    notify_url, refund_notify_url = notify_urls(settings)

    def simulated() -> WeChatPayConfig:
        # Embedded mode: the merchant key and the WeChat Pay public key are the simulator's.
        keys = simulator.keys
        return WeChatPayConfig(
            mchid=simulator.mchid,
            appid=simulator.appid,
            merchant_private_key=keys.merchant_private_key,
            merchant_serial=keys.merchant_serial,
            apiv3_key=keys.apiv3_key,
            platform_public_key=keys.platform_public_key,
            platform_serial=keys.platform_serial,
            notify_url=notify_url,
            refund_notify_url=refund_notify_url,
        )

    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.app), base_url="http://wechatpay.simulator"
    )
    # Client spans of WeChat Pay v3 calls (tracing on), the simulator's included.
    tracing.instrument_http(http)
    return http, WeChatPayClient(http, simulated, replay_store=replay), simulator


def mount_simulators(app: FastAPI, settings: Settings) -> None:
    """Embedded and test mode only: the simulators are reachable over HTTP for front ends."""
    app.mount(
        WECHAT_SIM_PREFIX,
        create_login_simulator(
            appid=settings.wechat_appid, secret=settings.wechat_secret.get_secret_value()
        ),
    )
    app.mount(WECHATPAY_SIM_PREFIX, wechatpay_simulator(app, settings).app)
    app.mount(SMS_SIM_PREFIX, _sms_simulator(app))
    app.mount(WXACODE_SIM_PREFIX, wxacode_simulator(app, settings).app)
    app.mount(KUAIDI100_SIM_PREFIX, kuaidi100_simulator(app, settings).app)
    if wecom_enabled(settings):
        app.mount(WECOM_SIM_PREFIX, wecom_simulator(app, settings).app)


def _sms_simulator(app: FastAPI) -> Starlette:
    """The embedded SMS "phone": the last code sent to a number, for demos and browser tests.

    Mounted only where simulators are (never in production); the API itself never returns codes.
    """

    async def last_code(request: Request) -> JSONResponse:
        phone = request.query_params.get("phone", "")
        integrations: Integrations = app.state.integrations
        sender = integrations.sms
        code = None
        if isinstance(sender, LogSmsSender):
            code = sender.last_code(phone)
        elif integrations.sms_simulator is not None:
            code = integrations.sms_simulator.last_code(phone)
        if code is None:
            return JSONResponse({"detail": "no code sent to this phone"}, status_code=404)
        return JSONResponse({"phone": phone, "code": code})

    return Starlette(routes=[Route("/last-code", last_code)])


def _integrations(request: Request) -> Integrations:
    integrations: Integrations = request.app.state.integrations
    return integrations


IntegrationsDep = Annotated[Integrations, Depends(_integrations)]
