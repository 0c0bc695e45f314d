"""WeChat mini-program login: ``GET /sns/jscode2session`` with appid, secret, js_code, grant_type.

Error codes (WeChat's own): 40029 invalid code, 40163 code already used, 45011 API frequency
limit, 40226 high-risk user blocked, -1 system busy. Each maps to a typed exception the members
module turns into a clear 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import orjson


class WeChatLoginError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class WeChatSession:
    openid: str
    # Kept out of repr so that logging a session never leaks the key.
    session_key: str = field(repr=False)
    unionid: str | None


class WeChatLoginClient:
    def __init__(self, http: httpx.AsyncClient, *, appid: str, secret: str) -> None:
        self._http = http
        self._appid = appid
        self._secret = secret

    async def code_to_session(self, js_code: str) -> WeChatSession:
        try:
            response = await self._http.get(
                "/sns/jscode2session",
                params={
                    "appid": self._appid,
                    "secret": self._secret,
                    "js_code": js_code,
                    "grant_type": "authorization_code",
                },
            )
        except httpx.HTTPError as exc:
            raise WeChatLoginError(-1, f"network error: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise WeChatLoginError(-1, f"HTTP {response.status_code}")
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise WeChatLoginError(-1, "response is not JSON") from exc
        errcode = int(data.get("errcode") or 0)
        if errcode != 0:
            raise WeChatLoginError(errcode, str(data.get("errmsg", "")))
        openid = data.get("openid")
        session_key = data.get("session_key")
        if not isinstance(openid, str) or not isinstance(session_key, str):
            raise WeChatLoginError(-1, "response lacks openid or session_key")
        unionid = data.get("unionid")
        return WeChatSession(
            openid=openid,
            session_key=session_key,
            unionid=unionid if isinstance(unionid, str) else None,
        )
