"""Webhook subscriptions through the partner API (``/open/v1/webhooks``, scope
``webhooks:manage``, an app sees only its own) and the SSRF guard on webhook URLs: refused at
creation when the host resolves to a non-public address, re-checked at every delivery (DNS
rebinding) and connected to the checked address. The resolver is injected (no real DNS); the
receivers are real aiohttp servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.openapi import egress, webhooks
from shoplet.modules.openapi.errors import WebhookUrlForbidden
from shoplet.modules.openapi.models import WebhookAttempt, WebhookDelivery
from shoplet.modules.openapi.tasks import DELIVER_JOB
from tests.modules.openapi.factories import CONSOLE, call, make_app, owner
from tests.modules.openapi.test_partner_api import business_snapshot
from tests.modules.openapi.webhook_receiver import receiver

SECRET = "whsec-partner-secret-0123456789"


class Dns:
    """An injected resolver: host -> the answers to give, one per lookup (the last repeats)."""

    def __init__(self, ctx: AppContext, table: dict[str, list[list[str]]]) -> None:
        self.table = table
        self.lookups: list[str] = []
        ctx.extras[egress.RESOLVER_KEY] = self.resolve

    async def resolve(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        answers = self.table.get(host)
        if not answers:
            raise OSError(f"{host} does not resolve")
        n = sum(1 for h in self.lookups if h == host) - 1
        return answers[min(n, len(answers) - 1)]


def due_now(ctx: AppContext) -> None:
    # Deliveries are due when queued; the worker's clock runs a minute ahead.
    ahead = utcnow() + timedelta(minutes=1)
    ctx.extras[webhooks.CLOCK_KEY] = lambda: ahead


def test_forbidden_addresses() -> None:
    import ipaddress

    for text in (
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - the address under test
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::",
    ):
        assert egress.is_forbidden(ipaddress.ip_address(text)), text
    for text in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"):
        assert not egress.is_forbidden(ipaddress.ip_address(text)), text


class TestRefusingPrivateTargets:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"openapi_webhook_allow_private": False}

    async def test_private_targets_are_refused_at_creation_and_nothing_changes(
        self, ctx: AppContext, client: httpx.AsyncClient
    ) -> None:
        Dns(ctx, {"intranet.partner.test": [["192.168.10.5"]], "hooks.partner.test": [["8.8.8.8"]]})
        staff = await owner(client, ctx)
        partner = await make_app(client, staff, scopes=["orders:read", "webhooks:manage"])
        app_id = partner["app"]["id"]
        before = await business_snapshot(ctx)
        for url in (
            "http://127.0.0.1:8080/hooks",
            "http://localhost.invalid/hooks",  # does not resolve
            "http://10.0.0.7/hooks",
            "http://[::1]/hooks",
            "http://169.254.169.254/latest/meta-data",
            "http://224.0.0.1/hooks",
            "https://intranet.partner.test/hooks",
        ):
            response = await client.post(
                f"{CONSOLE}/apps/{app_id}/webhooks",
                json={"url": url, "event_types": ["order.paid"]},
                headers=staff,
            )
            expected = (
                "openapi.webhook_url_unresolvable"
                if "invalid" in url
                else "openapi.webhook_url_forbidden"
            )
            assert (response.status_code, response.json()["code"]) == (400, expected), url
            # The partner API refuses the same URLs with the same codes.
            refused = await call(
                client,
                partner,
                "POST",
                "/webhooks",
                json_body={"url": url, "event_types": ["order.paid"]},
                headers={"Idempotency-Key": f"k-{abs(hash(url))}"},
            )
            assert (refused.status_code, refused.json()["code"]) == (400, expected), url
        assert await business_snapshot(ctx) == before

        ok = await client.post(
            f"{CONSOLE}/apps/{app_id}/webhooks",
            json={"url": "https://hooks.partner.test/shoplet", "event_types": ["order.paid"]},
            headers=staff,
        )
        assert ok.status_code == 201, ok.text
        # Moving it to a private address later is refused too.
        hook_id = ok.json()["webhook"]["id"]
        before = await business_snapshot(ctx)
        moved = await client.patch(
            f"{CONSOLE}/webhooks/{hook_id}", json={"url": "http://10.0.0.7/x"}, headers=staff
        )
        assert (moved.status_code, moved.json()["code"]) == (400, "openapi.webhook_url_forbidden")
        assert await business_snapshot(ctx) == before

    async def test_a_host_rebound_to_loopback_after_the_check_is_not_posted_to(
        self, ctx: AppContext, client: httpx.AsyncClient
    ) -> None:
        staff = await owner(client, ctx)
        partner = await make_app(client, staff, scopes=["orders:read"])
        async with receiver(200) as rec:
            port = rec.url.split(":")[2].split("/")[0]
            # Public when the subscription is saved, loopback when the worker resolves it.
            dns = Dns(ctx, {"rebind.partner.test": [["8.8.8.8"], ["127.0.0.1"]]})
            created = await client.post(
                f"{CONSOLE}/apps/{partner['app']['id']}/webhooks",
                json={
                    "url": f"http://rebind.partner.test:{port}/hooks",
                    "event_types": ["order.paid"],
                    "secret": SECRET,
                },
                headers=staff,
            )
            assert created.status_code == 201, created.text
            hook_id = created.json()["webhook"]["id"]
            async with ctx.sessionmaker.begin() as session:
                await webhooks.queue_ping(session, hook_id, now=utcnow())
            due_now(ctx)
            await run_job(ctx, DELIVER_JOB)
            assert rec.seen == []
            assert dns.lookups == ["rebind.partner.test", "rebind.partner.test"]
        async with ctx.sessionmaker() as s:
            (delivery,) = (await s.scalars(select(WebhookDelivery))).all()
            (attempt,) = (await s.scalars(select(WebhookAttempt))).all()
        # Failed at once, not retried: the address will not become public by waiting.
        assert delivery.status == "failed"
        assert delivery.next_attempt_at is None
        assert (attempt.outcome, attempt.status_code) == ("failed", None)
        assert attempt.error is not None
        assert attempt.error.startswith("address forbidden: ")
        assert "127.0.0.1" in attempt.error


class TestAllowingPrivateTargets:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"openapi_webhook_allow_private": True}

    async def test_the_post_goes_to_the_checked_address_with_the_urls_host(
        self, ctx: AppContext, client: httpx.AsyncClient
    ) -> None:
        staff = await owner(client, ctx)
        partner = await make_app(client, staff, scopes=["orders:read"])
        async with receiver(200) as rec:
            port = rec.url.split(":")[2].split("/")[0]
            Dns(ctx, {"hooks.partner.test": [["127.0.0.1"]]})
            created = await client.post(
                f"{CONSOLE}/apps/{partner['app']['id']}/webhooks",
                json={
                    "url": f"http://hooks.partner.test:{port}/hooks",
                    "event_types": ["order.paid"],
                    "secret": SECRET,
                },
                headers=staff,
            )
            assert created.status_code == 201, created.text
            ping = await client.post(
                f"{CONSOLE}/webhooks/{created.json()['webhook']['id']}/ping", headers=staff
            )
            assert ping.status_code == 200, ping.text
            assert ping.json()["status"] == "delivered"
            (seen,) = rec.seen
            assert seen.headers["Host"] == f"hooks.partner.test:{port}"
            assert seen.headers["X-Shoplet-Event-Type"] == "webhook.ping"

    async def test_the_setting_decides_and_unset_follows_the_environment(
        self, ctx: AppContext
    ) -> None:
        assert egress.guard_of(ctx).allow_private is True
        unset = ctx.settings.model_copy(update={"openapi_webhook_allow_private": None})
        assert egress.allows_private(unset) is True  # env "test"
        assert egress.allows_private(unset.model_copy(update={"env": "embedded"})) is True
        assert egress.allows_private(unset.model_copy(update={"env": "production"})) is False
        forced = unset.model_copy(
            update={"env": "production", "openapi_webhook_allow_private": True}
        )
        assert egress.allows_private(forced) is True
        strict = egress.Guard(resolve=egress.system_resolver, allow_private=False)
        with pytest.raises(WebhookUrlForbidden):
            await strict.admit("http://127.0.0.1/x")
        # Allowed: nothing is looked up at creation (a receiver that is not running yet).
        lenient = egress.Guard(resolve=egress.system_resolver, allow_private=True)
        await lenient.admit("http://receiver.invalid/x")


async def test_partner_api_subscriptions_are_the_apps_own(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(
        client, staff, scopes=["orders:read", "webhooks:manage"], name="健康 App"
    )
    other = await make_app(client, staff, scopes=["orders:read", "webhooks:manage"], name="CRM")
    reader = await make_app(client, staff, scopes=["orders:read"], name="只读")
    async with receiver(200) as rec:
        body = {"url": rec.url, "event_types": ["order.paid", "order.shipped"]}
        created = await call(
            client, partner, "POST", "/webhooks", json_body=body, headers={"Idempotency-Key": "s1"}
        )
        assert created.status_code == 201, created.text
        first = created.json()
        assert first["secret"].startswith("whsec_")
        assert first["webhook"]["app_id"] == partner["app"]["id"]
        hook_id = first["webhook"]["id"]
        # A retry with the same key answers the same subscription and secret, creating nothing.
        again = await call(
            client, partner, "POST", "/webhooks", json_body=body, headers={"Idempotency-Key": "s1"}
        )
        assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
        assert again.json() == first
        # The stored answer does not hold the secret in clear.
        async with ctx.sessionmaker() as s:
            from shoplet.modules.openapi.models import IdempotentRequest

            (stored,) = (await s.scalars(select(IdempotentRequest))).all()
            assert first["secret"] not in str(stored.response)

        listed = await call(client, partner, "GET", "/webhooks")
        assert [w["id"] for w in listed.json()] == [hook_id]
        assert (await call(client, other, "GET", "/webhooks")).json() == []

        before = await business_snapshot(ctx)
        # Another app's subscription does not exist for this app.
        for response in (
            await call(client, other, "GET", f"/webhooks/{hook_id}"),
            await call(
                client, other, "PATCH", f"/webhooks/{hook_id}", json_body={"is_active": False}
            ),
        ):
            assert (response.status_code, response.json()["code"]) == (
                404,
                "openapi.webhook_not_found",
            )
        # Without the scope: refused.
        denied = await call(client, reader, "GET", "/webhooks")
        assert (denied.status_code, denied.json()["code"]) == (403, "openapi.scope_missing")
        # An event type whose scope the app lacks.
        missing = await call(
            client,
            partner,
            "POST",
            "/webhooks",
            json_body={"url": rec.url, "event_types": ["product.updated"]},
            headers={"Idempotency-Key": "s2"},
        )
        assert (missing.status_code, missing.json()["code"]) == (
            400,
            "openapi.webhook_scope_missing",
        )
        bad = await call(
            client,
            partner,
            "POST",
            "/webhooks",
            json_body={"url": "ftp://x.test/", "event_types": ["order.paid"]},
            headers={"Idempotency-Key": "s3"},
        )
        assert (bad.status_code, bad.json()["code"]) == (400, "openapi.webhook_url_invalid")
        assert await business_snapshot(ctx) == before

        patched = await call(
            client,
            partner,
            "PATCH",
            f"/webhooks/{hook_id}",
            json_body={"event_types": ["order.shipped"], "is_active": False},
        )
        assert patched.status_code == 200, patched.text
        assert (patched.json()["event_types"], patched.json()["is_active"]) == (
            ["order.shipped"],
            False,
        )
        shown = await call(client, partner, "GET", f"/webhooks/{hook_id}")
        assert shown.json()["is_active"] is False

        # Its deliveries, and only its own.
        async with ctx.sessionmaker.begin() as session:
            await webhooks.queue_ping(session, hook_id, now=utcnow())
        log = await call(client, partner, "GET", "/webhook-deliveries")
        assert [d["webhook_id"] for d in log.json()["items"]] == [hook_id]
        assert (await call(client, other, "GET", "/webhook-deliveries")).json()["items"] == []
