"""In-repo stand-ins for the WeCom group robot, the DingTalk custom robot and generic webhook
receivers, speaking their wire formats and checking what the real services check.

- ``POST /wecom/cgi-bin/webhook/send?key=KEY``: the key must be one of ``wecom_keys``
  (93000 ``invalid webhook url`` otherwise); the body must be a ``text`` or ``markdown``
  message (40008 otherwise); more than ``per_minute`` messages a minute to one key: 45009.
- ``POST /dingtalk/robot/send?access_token=T&timestamp=ms&sign=S``: the token must be known
  (300001), the timestamp within an hour and ``sign`` the base64 HMAC-SHA256 of
  ``f"{timestamp}\\n{secret}"`` under the token's secret (310000 ``sign not match``);
  over ``per_minute``: 130101.
- ``POST /hooks/{name}``: a receiver registered with a secret checks ``X-Shoplet-Timestamp``
  and ``X-Shoplet-Signature`` (401 when wrong or stale), answers 204.

``fail_next(channel, code)`` makes the next calls answer an error (a test of retries); every
accepted message is kept in ``received``.
"""

from __future__ import annotations

import base64
import hmac
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import dingtalk, webhook

SIM_BASE = "http://robots.simulator"
WECOM_BASE = SIM_BASE + "/wecom"
DINGTALK_BASE = SIM_BASE + "/dingtalk"
HOOKS_BASE = SIM_BASE + "/hooks"
# The simulator's demo credentials (embedded mode's 发送测试消息 works with them).
DEMO_WECOM_KEY = "shoplet-demo-wecom-key"
DEMO_DINGTALK_TOKEN = "shoplet-demo-dingtalk-token"  # nosec B105 # noqa: S105 - public demo value
DEMO_DINGTALK_SECRET = "SECshoplet-demo-dingtalk-secret"  # nosec B105 # noqa: S105 - public demo value
DEMO_HOOK = "demo"
DEMO_HOOK_SECRET = "shoplet-demo-hook-secret"  # nosec B105 # noqa: S105 - public demo value


@dataclass(frozen=True, slots=True)
class Received:
    channel: str  # wecom, dingtalk, hook
    target: str  # the key, token or hook name
    body: dict[str, Any]


@dataclass
class RobotSimulator:
    wecom_keys: set[str] = field(default_factory=lambda: {DEMO_WECOM_KEY})
    dingtalk_secrets: dict[str, str] = field(
        default_factory=lambda: {DEMO_DINGTALK_TOKEN: DEMO_DINGTALK_SECRET}
    )
    hook_secrets: dict[str, str] = field(default_factory=lambda: {DEMO_HOOK: DEMO_HOOK_SECRET})
    per_minute: int = 20
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    _failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _sent_at: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/wecom/cgi-bin/webhook/send", self._wecom, methods=["POST"]),
                Route("/dingtalk/robot/send", self._dingtalk, methods=["POST"]),
                Route("/hooks/{name}", self._hook, methods=["POST"]),
            ]
        )

    def fail_next(self, channel: str, code: int, times: int = 1) -> None:
        """The next ``times`` calls to ``channel`` (wecom, dingtalk, hook) answer ``code``
        (an errcode, or an HTTP status for hooks)."""
        self._failures[channel].extend([code] * times)

    def messages(self, channel: str | None = None) -> list[Received]:
        return [r for r in self.received if channel is None or r.channel == channel]

    def _forced(self, channel: str) -> int | None:
        queue = self._failures[channel]
        return queue.popleft() if queue else None

    def _too_fast(self, target: str) -> bool:
        now = time.monotonic()
        sent = self._sent_at[target]
        while sent and sent[0] < now - 60:
            sent.popleft()
        if len(sent) >= self.per_minute:
            return True
        sent.append(now)
        return False

    def _refuse(self, channel: str, code: int, message: str) -> JSONResponse:
        self.refused.append((channel, code))
        return JSONResponse({"errcode": code, "errmsg": message})

    async def _body(self, request: Request) -> dict[str, Any] | None:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    async def _wecom(self, request: Request) -> JSONResponse:
        key = request.query_params.get("key", "")
        if key not in self.wecom_keys:
            return self._refuse("wecom", 93000, "invalid webhook url, hint: [shoplet-sim]")
        forced = self._forced("wecom")
        if forced is not None:
            return self._refuse("wecom", forced, "simulated failure")
        body = await self._body(request)
        kind = body.get("msgtype") if body else None
        if body is None or kind not in {"text", "markdown"} or not isinstance(body.get(kind), dict):
            return self._refuse("wecom", 40008, "invalid message type")
        if self._too_fast(f"wecom:{key}"):
            return self._refuse("wecom", 45009, "api freq out of limit")
        self.received.append(Received("wecom", key, body))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _dingtalk(self, request: Request) -> JSONResponse:
        token = request.query_params.get("access_token", "")
        secret = self.dingtalk_secrets.get(token)
        if secret is None:
            return self._refuse("dingtalk", dingtalk.TOKEN_UNKNOWN, "token is not exist")
        timestamp = request.query_params.get("timestamp", "")
        presented = request.query_params.get("sign", "")
        now_ms = int(time.time() * 1000)
        if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > dingtalk.TIMESTAMP_WINDOW_MS:
            return self._refuse("dingtalk", dingtalk.BAD_SIGNATURE, "invalid timestamp")
        expected = dingtalk.sign(secret, int(timestamp))
        try:
            matches = base64.b64decode(presented, validate=True) == base64.b64decode(expected)
        except ValueError:
            matches = False
        if not matches:
            return self._refuse("dingtalk", dingtalk.BAD_SIGNATURE, "sign not match")
        forced = self._forced("dingtalk")
        if forced is not None:
            return self._refuse("dingtalk", forced, "simulated failure")
        body = await self._body(request)
        if body is None or body.get("msgtype") not in {"text", "markdown", "link"}:
            return self._refuse("dingtalk", 40035, "缺少参数 msgtype")
        if self._too_fast(f"dingtalk:{token}"):
            return self._refuse("dingtalk", dingtalk.TOO_FAST, "send too fast")
        self.received.append(Received("dingtalk", token, body))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _hook(self, request: Request) -> Response:
        name = request.path_params["name"]
        secret = self.hook_secrets.get(name)
        if secret is None:
            return Response(status_code=404)
        raw = await request.body()
        genuine = webhook.verify(
            secret,
            request.headers.get(webhook.TIMESTAMP_HEADER, ""),
            raw,
            request.headers.get(webhook.SIGNATURE_HEADER, ""),
            now=int(time.time()),
        )
        if not genuine:
            self.refused.append(("hook", 401))
            return Response(status_code=401)
        forced = self._forced("hook")
        if forced is not None:
            self.refused.append(("hook", forced))
            return Response(status_code=forced)
        body = orjson.loads(raw) if raw else {}
        self.received.append(Received("hook", name, body if isinstance(body, dict) else {}))
        return Response(status_code=204)


def verify_dingtalk_sign(secret: str, timestamp: str, presented: str) -> bool:
    """The simulator's check, for tests that forge a signature."""
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(dingtalk.sign(secret, int(timestamp)), presented)
