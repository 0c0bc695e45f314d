"""风控 console routes (``risk:manage``, owners): the rules editor with its validation (400, a
stable code and the path at fault, nothing written), the IP lists, the decision log and the
review queue; every change audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.risk.public import RiskRequest, assess
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

RULES = "/api/v1/console/risk/rules"
LISTS = "/api/v1/console/risk/lists"
DECISIONS = "/api/v1/console/risk/decisions"
TABLES = ("risk_rule", "risk_list_entry", "risk_decision", "staff_audit_log")


@pytest.fixture
async def owner(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "risk-owner", role="owner"))


def rule(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "同 IP 多账号下单",
        "actions": ["checkout"],
        "conditions": [
            {"signal": "accounts_on_ip", "op": "gte", "value": 20},
            {"signal": "device_missing", "op": "eq", "value": True},
        ],
        "outcome": "challenge",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (rule(conditions=[]), "risk.rule_empty", "conditions"),
        (
            rule(
                conditions=[
                    {"signal": "amount", "op": "gte", "value": 1},
                    {"signal": "shoe_size", "op": "eq", "value": 1},
                ]
            ),
            "risk.rule_unknown_signal",
            "conditions[1].signal",
        ),
        (
            rule(conditions=[{"signal": "new_device", "op": "gt", "value": True}]),
            "risk.rule_bad_operator",
            "conditions[0].op",
        ),
        (
            rule(conditions=[{"signal": "account_minute", "op": "gt", "value": 2.5}]),
            "risk.rule_bad_value",
            "conditions[0].value",
        ),
        (
            rule(conditions=[{"signal": "new_device", "op": "eq", "value": 1}]),
            "risk.rule_bad_value",
            "conditions[0].value",
        ),
        (
            rule(conditions=[{"signal": "account_minute", "op": "gt", "value": "很多"}]),
            "risk.rule_bad_value",
            "conditions[0].value",
        ),
        (rule(actions=["checkout", "teleport"]), "risk.rule_unknown_action", "actions[1]"),
    ],
)
async def test_bad_rules_are_refused_with_the_path_and_change_nothing(  # noqa: PLR0917
    client: httpx.AsyncClient,
    ctx: AppContext,
    owner: dict[str, str],
    body: dict[str, Any],
    code: str,
    path: str,
) -> None:
    before = await snapshot(ctx, *TABLES)

    response = await client.post(RULES, json=body, headers=owner)

    assert response.status_code == 400, response.text
    assert (response.json()["code"], response.json()["path"]) == (code, path)
    assert await snapshot(ctx, *TABLES) == before


async def test_rules_are_created_edited_and_deleted_with_an_audit_trail(
    client: httpx.AsyncClient, ctx: AppContext, owner: dict[str, str]
) -> None:
    listed = (await client.get(RULES, headers=owner)).json()
    assert listed["defaults_in_effect"] is True
    assert listed["items"] == []
    assert "accounts_on_device" in listed["signals"]

    created = await client.post(RULES, json=rule(), headers=owner)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    bad = await client.put(
        f"{RULES}/{rule_id}", json=rule(outcome="block", actions=["nope"]), headers=owner
    )
    assert bad.json()["code"] == "risk.rule_unknown_action"
    edited = await client.put(f"{RULES}/{rule_id}", json=rule(outcome="block"), headers=owner)
    assert edited.json()["outcome"] == "block"
    listed = (await client.get(RULES, headers=owner)).json()
    assert listed["defaults_in_effect"] is False
    assert [r["id"] for r in listed["items"]] == [rule_id]
    assert (await client.delete(f"{RULES}/{rule_id}", headers=owner)).status_code == 204
    assert (await client.delete(f"{RULES}/{rule_id}", headers=owner)).json()["code"] == (
        "risk.rule_not_found"
    )
    audit = (await client.get("/api/v1/console/audit-log", headers=owner)).json()["items"]
    actions = [entry["action"] for entry in audit]
    assert {"risk.rule_create", "risk.rule_update", "risk.rule_delete"} <= set(actions)


async def test_adopting_the_defaults_makes_them_editable(
    client: httpx.AsyncClient, owner: dict[str, str]
) -> None:
    adopted = (await client.post(f"{RULES}/adopt-defaults", headers=owner)).json()
    assert adopted["defaults_in_effect"] is False
    assert [r["name"] for r in adopted["items"]] == [d["name"] for d in adopted["defaults"]]


async def test_lists_validate_networks(
    client: httpx.AsyncClient, ctx: AppContext, owner: dict[str, str]
) -> None:
    before = await snapshot(ctx, *TABLES)
    bad = await client.post(LISTS, json={"kind": "deny", "network": "300.1.1.0/24"}, headers=owner)
    assert (bad.status_code, bad.json()["code"]) == (400, "risk.network_invalid")
    assert await snapshot(ctx, *TABLES) == before

    added = await client.post(
        LISTS, json={"kind": "deny", "network": "203.0.113.9/24", "note": "撞库"}, headers=owner
    )
    assert added.status_code == 201, added.text
    assert added.json()["network"] == "203.0.113.0/24"
    again = await client.post(
        LISTS, json={"kind": "deny", "network": "203.0.113.0/24"}, headers=owner
    )
    assert (again.status_code, again.json()["code"]) == (409, "risk.list_entry_exists")
    assert [e["network"] for e in (await client.get(LISTS, headers=owner)).json()] == [
        "203.0.113.0/24"
    ]
    assert (await client.delete(f"{LISTS}/{added.json()['id']}", headers=owner)).status_code == 204


async def test_the_decision_log_and_the_review_queue(
    client: httpx.AsyncClient, ctx: AppContext, owner: dict[str, str]
) -> None:
    async with ctx.sessionmaker() as session:
        review = await assess(
            session,
            ctx,
            RiskRequest(
                action="refund",
                subject="member:77",
                member_id=77,
                ip="36.5.5.5",
                amount=200_000,
                account_created_at=utcnow() - timedelta(hours=1),
            ),
        )
        for i in range(3):
            await assess(
                session,
                ctx,
                RiskRequest(
                    action="staff_signin",
                    subject="staff:9",
                    staff_id=9,
                    ip="36.1.1.1",
                    device_id=f"laptop-000{i}",
                ),
            )
        await session.commit()

    queue = (await client.get(DECISIONS, params={"review_state": "pending"}, headers=owner)).json()
    assert [d["id"] for d in queue["items"]] == [review.id]
    page = (
        await client.get(
            DECISIONS,
            params={"limit": 2, "action": "staff_signin", "subject": "staff:9"},
            headers=owner,
        )
    ).json()
    assert len(page["items"]) == 2
    rest = (
        await client.get(
            DECISIONS,
            params={
                "limit": 2,
                "action": "staff_signin",
                "subject": "staff:9",
                "cursor": page["next_cursor"],
            },
            headers=owner,
        )
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None

    closed = await client.post(
        f"{DECISIONS}/{review.id}/review", json={"approve": True}, headers=owner
    )
    assert closed.json()["review_state"] == "approved"
    assert closed.json()["reviewed_by"] == "risk-owner"
    again = await client.post(
        f"{DECISIONS}/{review.id}/review", json={"approve": False}, headers=owner
    )
    assert (again.status_code, again.json()["code"]) == (409, "risk.review_closed")


async def test_operators_cannot_manage_risk(client: httpx.AsyncClient, ctx: AppContext) -> None:
    operator = bearer(await token_for(client, ctx, "risk-operator"))
    for response in (
        await client.get(RULES, headers=operator),
        await client.post(RULES, json=rule(), headers=operator),
        await client.get(DECISIONS, headers=operator),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "console.permission_denied"
