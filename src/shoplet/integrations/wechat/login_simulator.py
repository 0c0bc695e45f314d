"""An in-repo stand-in for ``api.weixin.qq.com/sns/jscode2session`` speaking its wire format.

Codes: ``test-<name>`` resolves to a stable openid and unionid for ``<name>``;
``risky-<name>`` answers 40226 (high-risk user); ``busy-<name>`` answers 45011 (frequency limit);
``used-<name>`` answers 40163 (code already used); ``error-<name>`` answers -1 (system error);
anything else answers 40029 (invalid code). A wrong appid or secret answers 40125/40013 as
WeChat does.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def _stable(prefix: str, name: str, appid: str) -> str:
    digest = hashlib.sha256(f"{prefix}:{appid}:{name}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:21]).decode()


def openid_for(name: str, appid: str) -> str:
    """The openid the simulator gives ``test-<name>`` (28 characters, like WeChat's)."""
    return "o" + _stable("openid", name, appid)[:27]


def unionid_for(name: str) -> str:
    return "u" + _stable("unionid", name, "open-platform")[:27]


def create_login_simulator(*, appid: str, secret: str) -> Starlette:
    async def jscode2session(request: Request) -> JSONResponse:
        q = request.query_params
        if q.get("grant_type") != "authorization_code":
            return JSONResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != appid:
            return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != secret:
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        code = q.get("js_code", "")
        kind, _, name = code.partition("-")
        if not name or len(code) > 128:
            return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})
        if kind == "risky":
            return JSONResponse({"errcode": 40226, "errmsg": "code blocked"})
        if kind == "busy":
            return JSONResponse({"errcode": 45011, "errmsg": "api minute-quota reach limit"})
        if kind == "used":
            return JSONResponse({"errcode": 40163, "errmsg": "code been used"})
        if kind == "error":
            return JSONResponse({"errcode": -1, "errmsg": "system error"})
        if kind != "test":
            return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})
        session_key = base64.b64encode(
            hashlib.sha256(f"sk:{appid}:{name}".encode()).digest()[:16]
        ).decode()
        return JSONResponse(
            {
                "openid": openid_for(name, appid),
                "session_key": session_key,
                "unionid": unionid_for(name),
            }
        )

    return Starlette(routes=[Route("/sns/jscode2session", jscode2session)])
