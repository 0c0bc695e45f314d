"""Sending an alert to a channel: the message (markdown for robots, text for e-mail, JSON for
webhooks), the clients of ``shoplet.integrations.robots`` and where they point.

In embedded and test mode, with no ``SHOPLET_ALERTS_*_API_BASE``, WeCom and DingTalk go to the
in-repo robot simulator (one per process, ``simulator_of``), and so does any webhook URL on
``http://robots.simulator``; without ``SHOPLET_ALERTS_SMTP_HOST`` e-mail is kept in memory
(``outbox_of``). In production every call goes out for real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from shoplet.core.context import AppContext
from shoplet.integrations.robots import RobotError, dingtalk, email, webhook, wecom
from shoplet.integrations.robots.simulator import (
    DINGTALK_BASE,
    SIM_BASE,
    WECOM_BASE,
    RobotSimulator,
)

SHOP_TZ = ZoneInfo("Asia/Shanghai")
_SIMULATOR_KEY = "insights.alerts.robot_simulator"
_OUTBOX_KEY = "insights.alerts.mail_outbox"
GRAIN_NAMES = {"hour": "小时", "day": "天"}
STATUS_NAMES = {"open": "告警中", "acknowledged": "已确认", "resolved": "已恢复"}


@dataclass(frozen=True, slots=True)
class Message:
    """What an incident says, in every channel's shape."""

    incident_id: int
    monitor_name: str
    metric: str
    metric_name: str
    unit: str
    grain: str
    bucket_at: datetime
    value: float | None
    expected: float | None
    score: float | None
    reason: str
    is_test: bool = False

    @property
    def title(self) -> str:
        prefix = "【测试】" if self.is_test else "【告警】"
        return f"{prefix}{self.monitor_name}"

    def _when(self) -> str:
        local = self.bucket_at.astimezone(SHOP_TZ)
        return local.strftime("%Y-%m-%d %H:00") if self.grain == "hour" else f"{local:%Y-%m-%d}"

    def _number(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.unit == "分":
            return f"¥{value / 100:,.2f}"
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{text} {self.unit}".strip()

    def markdown(self) -> str:
        lines = [
            f"### {self.title}",
            f"> 指标：{self.metric_name}（按{GRAIN_NAMES.get(self.grain, self.grain)}）",
            f"> 时段：{self._when()}（北京时间）",
            f"> 当前值：**{self._number(self.value)}**，预期：{self._number(self.expected)}",
        ]
        if self.reason:
            lines.append(f"> 规则：{self.reason}")
        lines.append(f"> 事件编号：#{self.incident_id}，请在 Shoplet 控制台「告警」中确认处理")
        return "\n".join(lines)

    def text(self) -> str:
        return self.markdown().replace("### ", "").replace("> ", "").replace("**", "")

    def payload(self) -> dict[str, Any]:
        return {
            "type": "shoplet.alert.test" if self.is_test else "shoplet.alert.opened",
            "incident_id": self.incident_id,
            "monitor": self.monitor_name,
            "metric": self.metric,
            "grain": self.grain,
            "bucket_at": self.bucket_at.isoformat(),
            "value": self.value,
            "expected": self.expected,
            "score": self.score,
            "reason": self.reason,
        }


def simulator_of(ctx: AppContext) -> RobotSimulator:
    """The process's robot simulator (embedded and test mode)."""
    found: RobotSimulator | None = ctx.extras.get(_SIMULATOR_KEY)
    if found is None:
        found = ctx.extras[_SIMULATOR_KEY] = RobotSimulator()
    return found


def outbox_of(ctx: AppContext) -> list[tuple[list[str], str, str]]:
    """E-mails kept in memory when no SMTP host is set (embedded): (to, subject, text)."""
    found: list[tuple[list[str], str, str]] | None = ctx.extras.get(_OUTBOX_KEY)
    if found is None:
        found = ctx.extras[_OUTBOX_KEY] = []
    return found


def _http(ctx: AppContext) -> httpx.AsyncClient:
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    if ctx.settings.is_embedded:
        mounts["all://robots.simulator"] = httpx.ASGITransport(app=simulator_of(ctx).app)
    return httpx.AsyncClient(mounts=mounts, timeout=httpx.Timeout(10.0, connect=5.0))


def _base(ctx: AppContext, configured: str | None, simulated: str, real: str) -> str:
    if configured:
        return configured
    return simulated if ctx.settings.is_embedded else real


def smtp_config(ctx: AppContext) -> email.SmtpConfig | None:
    settings = ctx.settings
    if not settings.alerts_smtp_host:
        return None
    password = settings.alerts_smtp_password
    return email.SmtpConfig(
        host=settings.alerts_smtp_host,
        port=settings.alerts_smtp_port,
        sender=settings.alerts_smtp_sender,
        username=settings.alerts_smtp_username,
        password=password.get_secret_value() if password is not None else None,
        use_starttls=settings.alerts_smtp_starttls,
    )


async def send(
    ctx: AppContext, kind: str, target: str, secrets: dict[str, str], message: Message
) -> None:
    """Send ``message`` through one channel; :class:`RobotError` when it failed."""
    settings = ctx.settings
    if kind == "email":
        recipients = [r for r in target.split(",") if r]
        config = smtp_config(ctx)
        if config is None:
            if not settings.is_embedded:
                raise RobotError("smtp_unconfigured", "SHOPLET_ALERTS_SMTP_HOST is not set", False)
            outbox_of(ctx).append((recipients, message.title, message.text()))
            return
        await email.send(config, recipients, message.title, message.text())
        return
    async with _http(ctx) as http:
        if kind == "wecom":
            base = _base(ctx, settings.alerts_wecom_api_base, WECOM_BASE, wecom.API_BASE)
            await wecom.send_markdown(http, base, secrets.get("key", ""), message.markdown())
        elif kind == "dingtalk":
            base = _base(ctx, settings.alerts_dingtalk_api_base, DINGTALK_BASE, dingtalk.API_BASE)
            await dingtalk.send_markdown(
                http,
                base,
                secrets.get("access_token", ""),
                secrets.get("secret", ""),
                message.title,
                message.markdown(),
            )
        elif kind == "webhook":
            if target.startswith(SIM_BASE) and not settings.is_embedded:
                raise RobotError("unreachable", "the simulator exists only in embedded mode", False)
            await webhook.post(http, target, secrets.get("secret", ""), message.payload())
        else:
            raise RobotError("unknown_kind", kind, False)


def seal(ctx: AppContext, secrets: dict[str, str]) -> str:
    """Secrets encrypted at rest (SM4-GCM under the PII key ring)."""
    return ctx.pii.encrypt(orjson.dumps(secrets).decode())


def unseal(ctx: AppContext, sealed: str | None) -> dict[str, str]:
    if not sealed:
        return {}
    loaded = orjson.loads(ctx.pii.decrypt(sealed))
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
