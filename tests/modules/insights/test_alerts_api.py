"""Alerts over the console API (SQLite and PostgreSQL): monitors, channels (secrets encrypted,
never shown), 发送测试消息, incidents with acknowledge / resolve / comment, the inbox badge;
every bad definition → 400 with a stable code and nothing changed; 401/403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.integrations.robots.simulator import (
    DEMO_DINGTALK_SECRET,
    DEMO_DINGTALK_TOKEN,
    DEMO_WECOM_KEY,
)
from shoplet.modules.insights.alerts import delivery, evaluation
from shoplet.modules.insights.alerts.models import Channel
from tests.conftest import snapshot
from tests.modules.insights.alerts_factories import CONSOLE, anomaly_monitor
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "alert-operator"))


async def _robot(client: httpx.AsyncClient, staff: dict[str, str], **extra: Any) -> int:
    body = {"name": "运营群", "kind": "wecom", "key": DEMO_WECOM_KEY, **extra}
    response = await client.post(f"{CONSOLE}/channels", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_monitor_lifecycle(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    metrics = (await client.get(f"{CONSOLE}/metrics", headers=staff)).json()
    assert [m["code"] for m in metrics] == [
        "uv",
        "pv",
        "orders",
        "gmv",
        "conversion",
        "payment_failures",
        "refund_rate",
        "stock_outs",
    ]
    channel = await _robot(client, staff)
    created = await client.post(
        f"{CONSOLE}/monitors", json=anomaly_monitor([channel]), headers=staff
    )
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["metric_name"] == "访客数 UV"
    assert monitor["rule"] == {
        "kind": "anomaly",
        "z": 4.0,
        "weeks": 4,
        "direction": "down",
        "min_change_percent": 0.0,
    }
    edited = await client.put(
        f"{CONSOLE}/monitors/{monitor['id']}",
        json=anomaly_monitor(
            [channel],
            name="GMV 周同比",
            metric="gmv",
            grain="day",
            rule={"kind": "change", "percent": 20, "direction": "down"},
        ),
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["rule"] == {"kind": "change", "percent": 20.0, "direction": "down"}
    until = (utcnow() + timedelta(hours=2)).isoformat()
    silenced = await client.post(
        f"{CONSOLE}/monitors/{monitor['id']}/silence", json={"until": until}, headers=staff
    )
    assert silenced.status_code == 200
    assert silenced.json()["silenced_until"] is not None
    lifted = await client.post(
        f"{CONSOLE}/monitors/{monitor['id']}/silence", json={"until": None}, headers=staff
    )
    assert lifted.json()["silenced_until"] is None
    listed = (await client.get(f"{CONSOLE}/monitors", headers=staff)).json()
    assert [m["name"] for m in listed] == ["GMV 周同比"]


async def test_a_forecast_interval_rule_is_selectable_per_monitor(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    body = anomaly_monitor([]) | {
        "name": "UV 预测区间",
        "rule": {"kind": "forecast", "level": 95, "direction": "down"},
    }
    response = await client.post(f"{CONSOLE}/monitors", json=body, headers=staff)
    assert response.status_code == 201, response.text
    assert response.json()["rule"] == {
        "kind": "forecast",
        "level": 95.0,
        "weeks": 4,
        "direction": "down",
        "min_change_percent": 0.0,
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"metric": "revenue"}, "insights.alert_metric_unknown"),
        ({"rule": {"kind": "threshold"}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "threshold", "above": 5, "below": 10}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "change", "percent": 0}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "change"}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "anomaly", "weeks": 1}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "anomaly", "z": 0.5}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "forecast", "level": 100}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "forecast", "level": 20}}, "insights.alert_rule_invalid"),
        ({"rule": {"kind": "forecast", "weeks": 2}}, "insights.alert_rule_invalid"),
        ({"resolve_after": 0}, "insights.alert_rule_invalid"),
        ({"channel_ids": [999]}, "insights.alert_channel_unknown"),
    ],
)
async def test_bad_monitor_definitions_change_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    change: dict[str, Any],
    code: str,
) -> None:
    channel = await _robot(client, staff)
    existing = await client.post(
        f"{CONSOLE}/monitors", json=anomaly_monitor([channel]), headers=staff
    )
    before = await snapshot(ctx)
    body = anomaly_monitor([channel]) | change
    for response in (
        await client.post(f"{CONSOLE}/monitors", json=body, headers=staff),
        await client.put(f"{CONSOLE}/monitors/{existing.json()['id']}", json=body, headers=staff),
    ):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_bad_silences_and_channels_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    channel = await _robot(client, staff)
    monitor = (
        await client.post(f"{CONSOLE}/monitors", json=anomaly_monitor([channel]), headers=staff)
    ).json()
    before = await snapshot(ctx)
    for until in (
        (utcnow() - timedelta(minutes=1)).isoformat(),
        (utcnow() + timedelta(days=31)).isoformat(),
    ):
        response = await client.post(
            f"{CONSOLE}/monitors/{monitor['id']}/silence", json={"until": until}, headers=staff
        )
        assert response.status_code == 400
        assert response.json()["code"] == "insights.alert_silence_invalid"
    for body in (
        {"name": "x", "kind": "wecom"},
        {"name": "x", "kind": "dingtalk", "access_token": "t"},
        {"name": "x", "kind": "email", "recipients": ["not-an-address"]},
        {"name": "x", "kind": "email", "recipients": []},
        {"name": "x", "kind": "webhook", "url": "ftp://example.com/x", "secret": "s"},
        {"name": "x", "kind": "webhook", "url": "https://example.com/x"},
    ):
        response = await client.post(f"{CONSOLE}/channels", json=body, headers=staff)
        assert response.status_code == 400, body
        assert response.json()["code"] == "insights.alert_channel_invalid"
    missing = await client.get(f"{CONSOLE}/monitors/999", headers=staff)
    assert missing.json()["code"] == "insights.alert_monitor_not_found"
    assert await snapshot(ctx) == before


async def test_channel_secrets_are_encrypted_and_kept_on_edit(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    created = await client.post(
        f"{CONSOLE}/channels",
        json={
            "name": "钉钉群",
            "kind": "dingtalk",
            "access_token": DEMO_DINGTALK_TOKEN,
            "secret": DEMO_DINGTALK_SECRET,
        },
        headers=staff,
    )
    assert created.status_code == 201
    channel = created.json()
    assert channel["secret_hint"] == f"…{DEMO_DINGTALK_TOKEN[-4:]}"
    assert DEMO_DINGTALK_SECRET not in created.text
    async with ctx.sessionmaker() as session:
        row = (await session.scalars(select(Channel))).one()
    assert row.secret is not None
    assert DEMO_DINGTALK_SECRET not in row.secret
    assert DEMO_DINGTALK_TOKEN not in row.secret
    renamed = await client.put(
        f"{CONSOLE}/channels/{channel['id']}",
        json={"name": "钉钉运维群", "kind": "dingtalk"},
        headers=staff,
    )
    assert renamed.status_code == 200, renamed.text
    test = await client.post(f"{CONSOLE}/channels/{channel['id']}/test", headers=staff)
    assert test.json() == {"is_success": True, "code": "ok", "message": "已发送"}
    [message] = delivery.simulator_of(ctx).messages("dingtalk")
    assert message.body["markdown"]["title"] == "【测试】测试消息"


async def test_the_test_button_reports_the_providers_code(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    wrong = await _robot(client, staff, key="wrong-key")
    answer = await client.post(f"{CONSOLE}/channels/{wrong}/test", headers=staff)
    assert answer.status_code == 200
    assert answer.json()["is_success"] is False
    assert answer.json()["code"] == "93000"
    mail = await client.post(
        f"{CONSOLE}/channels",
        json={"name": "值班邮箱", "kind": "email", "recipients": ["ops@shop.cn"]},
        headers=staff,
    )
    sent = await client.post(f"{CONSOLE}/channels/{mail.json()['id']}/test", headers=staff)
    assert sent.json()["is_success"] is True
    [(to, subject, _text)] = delivery.outbox_of(ctx)
    assert (to, subject) == (["ops@shop.cn"], "【测试】测试消息")


async def test_incident_acknowledge_comment_resolve_and_inbox(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    body = {
        "name": "售罄过多",
        "metric": "stock_outs",
        "grain": "hour",
        "rule": {"kind": "threshold", "above": -1},
        "channel_ids": [],
    }
    assert (await client.post(f"{CONSOLE}/monitors", json=body, headers=staff)).status_code == 201
    assert (await client.get(f"{CONSOLE}/inbox", headers=staff)).json() == {
        "count": 0,
        "latest_id": None,
    }
    outcome = await evaluation.evaluate_all(ctx, utcnow())
    assert outcome.opened == 1
    inbox = (await client.get(f"{CONSOLE}/inbox", headers=staff)).json()
    assert inbox["count"] == 1
    incident_id = inbox["latest_id"]
    ack = await client.post(
        f"{CONSOLE}/incidents/{incident_id}/acknowledge", json={"note": "在看"}, headers=staff
    )
    assert ack.status_code == 200
    assert ack.json()["status"] == "acknowledged"
    commented = await client.post(
        f"{CONSOLE}/incidents/{incident_id}/comments", json={"note": "补货中"}, headers=staff
    )
    assert [t["kind"] for t in commented.json()["timeline"]] == [
        "opened",
        "acknowledged",
        "comment",
    ]
    resolved = await client.post(
        f"{CONSOLE}/incidents/{incident_id}/resolve", json={}, headers=staff
    )
    assert resolved.json()["status"] == "resolved"
    before = await snapshot(ctx)
    again = await client.post(
        f"{CONSOLE}/incidents/{incident_id}/acknowledge", json={}, headers=staff
    )
    assert again.status_code == 409
    assert again.json()["code"] == "insights.alert_incident_resolved"
    assert await snapshot(ctx) == before
    read = await client.post(f"{CONSOLE}/inbox/read", json={}, headers=staff)
    assert read.json()["count"] == 0
    listed = await client.get(f"{CONSOLE}/incidents?status=resolved", headers=staff)
    assert [i["id"] for i in listed.json()["items"]] == [incident_id]


async def test_alerts_need_the_permission(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "alert-support", role="support"))
    before = await snapshot(ctx)
    for method, path in (
        ("GET", "/monitors"),
        ("POST", "/monitors"),
        ("GET", "/incidents"),
        ("GET", "/inbox"),
    ):
        response = await client.request(method, f"{CONSOLE}{path}", headers=support, json={})
        assert response.status_code == 403, path
        assert response.json()["code"] == "console.permission_denied"
    assert (await client.get(f"{CONSOLE}/monitors")).status_code == 401
    assert await snapshot(ctx) == before
