"""WeCom (企业微信) group robot: ``POST /cgi-bin/webhook/send?key=KEY`` with
``{"msgtype": "markdown", "markdown": {"content": …}}``; the answer is
``{"errcode": 0, "errmsg": "ok"}`` or an error code (93000 invalid key, 45009 rate limit:
20 messages a minute per robot, 40058 a bad field)."""

from __future__ import annotations

import httpx

from . import RobotError

API_BASE = "https://qyapi.weixin.qq.com"
SEND_PATH = "/cgi-bin/webhook/send"
INVALID_KEY = 93000
RATE_LIMITED = 45009
# Markdown content is limited to 4096 bytes (UTF-8).
MAX_CONTENT_BYTES = 4096
# System busy (-1) and rate limits pass; a bad key or content never will.
RETRYABLE = frozenset({-1, RATE_LIMITED})


def truncate(content: str, limit: int = MAX_CONTENT_BYTES) -> str:
    data = content.encode()
    if len(data) <= limit:
        return content
    return data[: limit - 3].decode(errors="ignore") + "…"


async def send_markdown(http: httpx.AsyncClient, base: str, key: str, content: str) -> None:
    """Post a markdown message to the robot of ``key``; :class:`RobotError` on failure."""
    try:
        response = await http.post(
            base.rstrip("/") + SEND_PATH,
            params={"key": key},
            json={"msgtype": "markdown", "markdown": {"content": truncate(content)}},
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
        raise RobotError(f"http_{response.status_code}", "not a WeCom answer", True) from exc
    if code != 0:
        raise RobotError(str(code), message, code in RETRYABLE)
