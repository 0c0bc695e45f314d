"""The WeChat login client against the in-repo jscode2session simulator (and broken servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from shoplet.integrations.wechat.login import WeChatLoginClient, WeChatLoginError, WeChatSession
from shoplet.integrations.wechat.login_simulator import (
    create_login_simulator,
    openid_for,
    unionid_for,
)

APPID = "wx-test-app"
SECRET = "test-app-secret"


class Recorder:
    """Wraps the simulator and keeps every request it saw (method, path, query)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str, httpx.QueryParams]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append(
                (scope["method"], scope["path"], httpx.QueryParams(scope["query_string"].decode()))
            )
        await self.app(scope, receive, send)


@pytest.fixture
def simulator() -> Recorder:
    return Recorder(create_login_simulator(appid=APPID, secret=SECRET))


@pytest.fixture
async def http(simulator: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=simulator)
    async with httpx.AsyncClient(transport=transport, base_url="http://wechat.simulator") as c:
        yield c


async def test_request_format_and_session(http: httpx.AsyncClient, simulator: Recorder) -> None:
    client = WeChatLoginClient(http, appid=APPID, secret=SECRET)

    session = await client.code_to_session("test-alice")

    [(method, path, query)] = simulator.requests
    assert (method, path) == ("GET", "/sns/jscode2session")
    assert dict(query) == {
        "appid": APPID,
        "secret": SECRET,
        "js_code": "test-alice",
        "grant_type": "authorization_code",
    }
    assert session.openid == openid_for("alice", APPID)
    assert len(session.openid) == 28
    assert session.unionid == unionid_for("alice")
    assert len(session.session_key) == 24
    assert session == await client.code_to_session("test-alice")


async def test_session_key_stays_out_of_repr(http: httpx.AsyncClient) -> None:
    session = await WeChatLoginClient(http, appid=APPID, secret=SECRET).code_to_session(
        "test-alice"
    )

    assert session.session_key not in repr(session)
    assert "session_key" not in repr(session)
    assert repr(session) == repr(WeChatSession(session.openid, "other", session.unionid))


@pytest.mark.parametrize(
    ("appid", "secret", "code", "errcode"),
    [
        (APPID, SECRET, "nonsense", 40029),
        (APPID, SECRET, "test-", 40029),
        (APPID, SECRET, "test-" + "x" * 124, 40029),
        (APPID, SECRET, "used-alice", 40163),
        (APPID, SECRET, "risky-alice", 40226),
        (APPID, SECRET, "busy-alice", 45011),
        (APPID, SECRET, "error-alice", -1),
        ("wx-other-app", SECRET, "test-alice", 40013),
        (APPID, "wrong-secret", "test-alice", 40125),
    ],
)
async def test_wechat_error_codes(
    http: httpx.AsyncClient, appid: str, secret: str, code: str, errcode: int
) -> None:
    client = WeChatLoginClient(http, appid=appid, secret=secret)

    with pytest.raises(WeChatLoginError) as raised:
        await client.code_to_session(code)

    assert raised.value.errcode == errcode
    assert raised.value.errmsg


def broken_server(response: httpx.Response | Exception) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(response, Exception):
            raise response
        return response

    return httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="https://api.weixin.qq.com"
    )


@pytest.mark.parametrize(
    ("answer", "errmsg"),
    [
        (httpx.Response(502, text="Bad Gateway"), "HTTP 502"),
        (httpx.Response(200, text="<html>maintenance</html>"), "response is not JSON"),
        (httpx.Response(200, json={"openid": "o123"}), "response lacks openid or session_key"),
        (httpx.ConnectError("refused"), "network error: ConnectError"),
        (httpx.ReadTimeout("slow"), "network error: ReadTimeout"),
    ],
)
async def test_broken_wechat_answers_are_system_errors(
    answer: httpx.Response | Exception, errmsg: str
) -> None:
    async with broken_server(answer) as http:
        client = WeChatLoginClient(http, appid=APPID, secret=SECRET)

        with pytest.raises(WeChatLoginError) as raised:
            await client.code_to_session("test-alice")

    assert raised.value.errcode == -1
    assert raised.value.errmsg == errmsg
