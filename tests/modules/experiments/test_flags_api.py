"""Feature flags over HTTP (SQLite and PostgreSQL): create, edit, the kill switch, history with
before/after, the storefront bootstrap, and the OpenFeature client served from the same
ruleset; each refused input → 4xx with a stable code and no row changed; 401/403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from openfeature import api as openfeature
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import Reason

from shoplet.core.context import AppContext
from shoplet.modules.experiments.public import flag_store
from tests.conftest import Base, snapshot
from tests.modules.staff.conftest import bearer, token_for

FLAGS = "/api/v1/console/flags"
BOOTSTRAP = "/api/v1/flags/bootstrap"
TABLES = (
    "experiments_flags",
    "experiments_flags_change",
    "experiments_flags_ruleset",
    "experiments_flags_release",
    "staff_audit_log",
)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "flag-operator"))


def new_checkout(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": "new_checkout",
        "kind": "boolean",
        "description": "新结算页",
        "variants": {"on": True, "off": False},
        "default_variant": "off",
        "off_variant": "off",
        "is_enabled": True,
        "rules": [
            {"type": "deny", "member_ids": [13]},
            {"type": "allow", "member_ids": [42], "variant": "on"},
            {"type": "platform", "platforms": ["h5"], "variant": "on"},
        ],
    }
    body.update(extra)
    return body


def member(ctx: AppContext, member_id: int) -> dict[str, str]:
    token = ctx.tokens.issue(
        subject=str(member_id), audience="storefront", ttl=timedelta(minutes=5)
    )
    return {"Authorization": f"Bearer {token}"}


async def synced(ctx: AppContext) -> None:
    """Wait until this process's store has heard the committed change (pub/sub or local bus)."""
    store = flag_store(ctx)
    async with ctx.sessionmaker() as session:
        from shoplet.modules.experiments.flags import repository

        version = await repository.ruleset_version(session)
    await store.wait_for_version(version, timeout=5)


async def test_create_edit_toggle_and_history(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    created = await client.post(FLAGS, json=new_checkout(), headers=staff)
    assert created.status_code == 201, created.text
    flag = created.json()
    assert (flag["key"], flag["version"], flag["is_enabled"]) == ("new_checkout", 1, True)
    assert flag["rules"][0] == {"type": "deny", "member_ids": [13]}

    rules = [{"type": "percentage", "percent": 100, "variant": "on"}]
    edited = await client.put(
        f"{FLAGS}/new_checkout",
        json={
            "description": "新结算页（全量）",
            "variants": {"on": True, "off": False},
            "default_variant": "off",
            "off_variant": "off",
            "rules": rules,
        },
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert edited.json()["rules"] == rules

    off = await client.post(
        f"{FLAGS}/new_checkout/toggle",
        json={"is_enabled": False, "reason": "支付报错"},
        headers=staff,
    )
    assert off.status_code == 200, off.text
    assert (off.json()["is_enabled"], off.json()["version"]) == (False, 3)

    history = await client.get(f"{FLAGS}/new_checkout/history?limit=2", headers=staff)
    assert history.status_code == 200
    page = history.json()
    assert [c["action"] for c in page["items"]] == ["disable", "update"]
    assert page["items"][0]["actor"] == "flag-operator"
    assert page["items"][0]["reason"] == "支付报错"
    assert page["items"][0]["before"]["is_enabled"] is True
    assert page["items"][0]["after"]["is_enabled"] is False
    assert page["items"][1]["before"]["description"] == "新结算页"
    rest = await client.get(
        f"{FLAGS}/new_checkout/history", params={"cursor": page["next_cursor"]}, headers=staff
    )
    assert [c["action"] for c in rest.json()["items"]] == ["create"]
    assert rest.json()["items"][0]["before"] is None

    listed = await client.get(FLAGS, headers=staff)
    assert [f["key"] for f in listed.json()["items"]] == ["new_checkout"]
    audit = await snapshot(ctx, "staff_audit_log")
    action = list(Base.metadata.tables["staff_audit_log"].columns.keys()).index("action")
    actions = [row[action] for row in audit["staff_audit_log"]]
    assert [a for a in actions if a.startswith("experiments.")] == [
        "experiments.flag_create",
        "experiments.flag_update",
        "experiments.flag_toggle",
    ]


async def test_bootstrap_and_kill_switch(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    assert (await client.post(FLAGS, json=new_checkout(), headers=staff)).status_code == 201
    await synced(ctx)
    guest = await client.get(BOOTSTRAP, headers={"X-Device-Id": "device-0001"})
    assert guest.status_code == 200, guest.text
    assert guest.headers["cache-control"] == "private, no-store"
    assert guest.json()["flags"]["new_checkout"] == {"value": False, "variant": "off"}
    h5 = await client.get(BOOTSTRAP, headers={"X-Device-Id": "device-0001", "X-Platform": "h5"})
    assert h5.json()["flags"]["new_checkout"]["value"] is True
    allowed = await client.get(BOOTSTRAP, headers=member(ctx, 42))
    assert allowed.json()["flags"]["new_checkout"]["value"] is True
    denied = await client.get(BOOTSTRAP, headers={**member(ctx, 13), "X-Platform": "h5"})
    assert denied.json()["flags"]["new_checkout"]["value"] is False

    await client.post(f"{FLAGS}/new_checkout/toggle", json={"is_enabled": False}, headers=staff)
    await synced(ctx)
    killed = await client.get(BOOTSTRAP, headers=member(ctx, 42))
    assert killed.json()["flags"]["new_checkout"] == {"value": False, "variant": "off"}

    bad = await client.get(BOOTSTRAP, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    bad_device = await client.get(BOOTSTRAP, headers={"X-Device-Id": "no spaces allowed"})
    assert bad_device.status_code == 422


async def test_openfeature_client(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await client.post(FLAGS, json=new_checkout(), headers=staff)
    layout = {
        "key": "checkout_layout",
        "kind": "string",
        "variants": {"classic": "classic", "compact": "compact"},
        "default_variant": "classic",
        "off_variant": "classic",
        "is_enabled": True,
        "rules": [{"type": "staff", "variant": "compact"}],
    }
    assert (await client.post(FLAGS, json=layout, headers=staff)).status_code == 201
    await synced(ctx)
    of = openfeature.get_client()
    assert openfeature.get_provider_metadata().name == "shoplet"
    ctx42 = EvaluationContext("42", {"member_id": 42})
    assert of.get_boolean_value("new_checkout", False, ctx42) is True
    assert of.get_boolean_value("new_checkout", False, EvaluationContext("7")) is False
    details = of.get_boolean_details("new_checkout", False, ctx42)
    assert (details.variant, details.reason) == ("on", Reason.TARGETING_MATCH)
    staff_ctx = EvaluationContext("s1", {"is_staff": True})
    assert of.get_string_value("checkout_layout", "classic", staff_ctx) == "compact"
    # Unknown flag or wrong type: the caller's default, with the error in the details.
    missing = of.get_boolean_details("no_such_flag", True, ctx42)
    assert (missing.value, missing.error_code) == (True, "FLAG_NOT_FOUND")
    mismatch = of.get_string_details("new_checkout", "x", ctx42)
    assert (mismatch.value, mismatch.error_code) == ("x", "TYPE_MISMATCH")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (new_checkout(default_variant="maybe"), 400, "experiments.flag_unknown_variant"),
        (
            new_checkout(rules=[{"type": "staff", "variant": "beta"}]),
            400,
            "experiments.flag_unknown_variant",
        ),
        (
            new_checkout(variants={"on": True, "off": "no"}),
            400,
            "experiments.flag_invalid_variants",
        ),
        (
            new_checkout(rules=[{"type": "percentage", "percent": 101, "variant": "on"}]),
            400,
            "experiments.flag_invalid_percentage",
        ),
        (
            new_checkout(rules=[{"type": "percentage", "percent": -1, "variant": "on"}]),
            400,
            "experiments.flag_invalid_percentage",
        ),
        (
            new_checkout(
                rules=[{"type": "app_version", "min": "3.0", "max": "2.0", "variant": "on"}]
            ),
            400,
            "experiments.flag_invalid_rule",
        ),
        (new_checkout(rules=[{"type": "geo", "variant": "on"}]), 422, "request.invalid"),
        (
            new_checkout(rules=[{"type": "allow", "member_ids": [], "variant": "on"}]),
            422,
            "request.invalid",
        ),
        (new_checkout(key="Bad Key"), 422, "request.invalid"),
        (new_checkout(is_enabled="yes"), 422, "request.invalid"),
    ],
)
async def test_refused_input_changes_nothing(  # noqa: PLR0917
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx, *TABLES)
    response = await client.post(FLAGS, json=body, headers=staff)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_duplicate_key_and_bad_edits_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    assert (await client.post(FLAGS, json=new_checkout(), headers=staff)).status_code == 201
    before = await snapshot(ctx, *TABLES)
    duplicate = await client.post(FLAGS, json=new_checkout(description="again"), headers=staff)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "experiments.flag_exists")
    edit = {
        "variants": {"on": True, "off": False},
        "default_variant": "off",
        "off_variant": "off",
        "rules": [{"type": "percentage", "percent": 250, "variant": "on"}],
    }
    bad = await client.put(f"{FLAGS}/new_checkout", json=edit, headers=staff)
    assert (bad.status_code, bad.json()["code"]) == (400, "experiments.flag_invalid_percentage")
    missing = await client.put(f"{FLAGS}/nope_flag", json={**edit, "rules": []}, headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "experiments.flag_not_found")
    assert await snapshot(ctx, *TABLES) == before


async def test_401_and_403(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "flag-support", role="support"))
    before = await snapshot(ctx, *TABLES[:-1])
    for method, path, body in [
        ("GET", FLAGS, None),
        ("POST", FLAGS, new_checkout()),
        ("GET", f"{FLAGS}/new_checkout/history", None),
        ("POST", f"{FLAGS}/new_checkout/toggle", {"is_enabled": False}),
        ("GET", f"{FLAGS}/new_checkout/releases/latest", None),
    ]:
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, path
        refused = await client.request(method, path, json=body, headers=support)
        assert refused.status_code == 403, path
    assert await snapshot(ctx, *TABLES[:-1]) == before
