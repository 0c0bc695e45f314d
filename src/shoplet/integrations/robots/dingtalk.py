"""DingTalk (钉钉) custom robot with 加签 (signing):
``POST /robot/send?access_token=T&timestamp=ms&sign=S`` where
``S = urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))``, body
``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``. The answer is
``{"errcode": 0, "errmsg": "ok"}``; 310000 a bad signature or a timestamp more than an hour
off, 300001 an unknown token, 130101 sending too fast (20 messages a minute)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx

from . import RobotError

API_BASE = "https://oapi.dingtalk.com"
SEND_PATH = "/robot/send"
BAD_SIGNATURE = 310000
TOKEN_UNKNOWN = 300001
TOO_FAST = 130101
TIMESTAMP_WINDOW_MS = 3_600_000
RETRYABLE = frozenset({-1, TOO_FAST})


def sign(secret: str, timestamp_ms: int) -> str:
    """The signature, base64 (httpx URL-encodes it as a query parameter)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


async def send_markdown(  # noqa: PLR0917
    http: httpx.AsyncClient,
    base: str,
    access_token: str,
    secret: str,
    title: str,
    text: str,
    *,
    now_ms: int | None = None,
) -> None:
    """Post a markdown message; :class:`RobotError` on failure."""
    timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
    try:
        response = await http.post(
            base.rstrip("/") + SEND_PATH,
            params={
                "access_token": access_token,
                "timestamp": str(timestamp),
                "sign": sign(secret, timestamp),
            },
            json={"msgtype": "markdown", "markdown": {"title": title, "text": text}},
        )
    except httpx.HTTPError as exc:
        raise RobotError("network", str(exc) or type(exc).__name__, True) from exc
    if response.status_code >= 500:
        raise RobotError(f"http_{response.status_code}", response.text[:200], True)
    try:
        body = response.json()
        code = int(body.get("errcode", -1))
        message = str(body.get("errmsg", ""))
    except (ValueError, AttributeError, TypeError) as exc:
        raise RobotError(f"http_{response.status_code}", "not a DingTalk answer", True) from exc
    if code != 0:
        raise RobotError(str(code), message, code in RETRYABLE)
