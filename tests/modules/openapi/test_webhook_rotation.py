"""Webhook signing-secret rotation with an overlap: a real receiver on 127.0.0.1 gets both
signatures (``X-Shoplet-Signature`` with the new secret, ``X-Shoplet-Signature-Previous`` with
the old) until the old secret's expiry and only the new one afterwards, and checks them with the
documented algorithm (and the SDK). Bad expiries, a role without ``openapi:manage`` and an owner
without a fresh step-up change nothing. The worker's clock is injected: no sleeps."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import httpx

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.modules.openapi.tasks import DELIVER_JOB
from tests.conftest import snapshot
from tests.modules.openapi.factories import CONSOLE, make_app, owner
from tests.modules.openapi.test_sdk import sdk
from tests.modules.openapi.test_webhooks import SECRET, Clock, product_event, subscribe
from tests.modules.openapi.webhook_receiver import Received, receiver
from tests.modules.staff.conftest import audit_rows, bearer, token_for


def documented_signature(secret: str, seen: Received) -> str:
    """docs/open-platform.md: HMAC-SHA256 of EVENT_ID\\nTIMESTAMP\\nHEX(SHA256(body))."""
    text = "\n".join(
        (
            seen.headers["X-Shoplet-Event-Id"],
            seen.headers["X-Shoplet-Timestamp"],
            hashlib.sha256(seen.body).hexdigest(),
        )
    )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


async def test_deliveries_carry_both_signatures_during_the_overlap_and_then_only_the_new(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    clock = Clock(ctx)
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    async with receiver(200) as rec:
        hook = await subscribe(
            client, staff, partner["app"]["id"], rec.url, event_types=["product.updated"]
        )
        hook_id = hook["webhook"]["id"]
        await product_event(ctx, "保温杯")
        await run_job(ctx, DELIVER_JOB)
        (before,) = rec.seen  # no rotation yet: the single-signature format, unchanged
        assert "X-Shoplet-Signature-Previous" not in before.headers
        assert before.headers["X-Shoplet-Signature"] == documented_signature(SECRET, before)

        expiry = clock.now + timedelta(hours=2)
        rotated = await client.post(
            f"{CONSOLE}/webhooks/{hook_id}/rotate-secret",
            json={"old_secret_expires_at": expiry.isoformat()},
            headers=staff,
        )
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret.startswith("whsec_")
        assert new_secret != SECRET
        shown = rotated.json()["webhook"]
        assert (shown["secret_hint"], shown["previous_secret_hint"]) == (
            new_secret[-4:],
            SECRET[-4:],
        )
        (entry,) = await audit_rows(ctx, "openapi.secret_rotate")
        assert entry.target == f"openapi_webhook:{hook_id}"
        listed = await client.get(f"{CONSOLE}/apps/{partner['app']['id']}/webhooks", headers=staff)
        assert "secret" not in listed.json()[0]  # answered once, never again

        # During the overlap: both signatures; a receiver with either secret accepts it.
        await product_event(ctx, "马克杯")
        await run_job(ctx, DELIVER_JOB)
        during = rec.seen[-1]
        assert during.headers["X-Shoplet-Signature"] == documented_signature(new_secret, during)
        assert during.headers["X-Shoplet-Signature-Previous"] == documented_signature(
            SECRET, during
        )
        stamp = float(during.headers["X-Shoplet-Timestamp"])
        for secret in (SECRET, new_secret):
            assert sdk.verify_webhook(during.headers, during.body, secret, now=stamp)
            assert not sdk.verify_webhook(during.headers, during.body + b" ", secret, now=stamp)
        assert not sdk.verify_webhook(during.headers, during.body, "another-secret-0", now=stamp)

        # After it: only the new secret signs, in the single-signature format.
        clock.advance(hours=2)
        await product_event(ctx, "茶杯")
        await run_job(ctx, DELIVER_JOB)
        after = rec.seen[-1]
        assert after.headers["X-Shoplet-Event-Id"] != during.headers["X-Shoplet-Event-Id"]
        assert "X-Shoplet-Signature-Previous" not in after.headers
        assert after.headers["X-Shoplet-Signature"] == documented_signature(new_secret, after)
        stamp = float(after.headers["X-Shoplet-Timestamp"])
        assert sdk.verify_webhook(after.headers, after.body, new_secret, now=stamp)
        assert not sdk.verify_webhook(after.headers, after.body, SECRET, now=stamp)
    assert len(rec.seen) == 3


async def test_refused_rotations_change_nothing(ctx: AppContext, client: httpx.AsyncClient) -> None:
    clock = Clock(ctx)
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=["products:read"])
    hook = await subscribe(
        client,
        staff,
        partner["app"]["id"],
        "https://erp.invalid/hooks",
        event_types=["product.updated"],
    )
    path = f"{CONSOLE}/webhooks/{hook['webhook']['id']}/rotate-secret"
    ok = {"old_secret_expires_at": (clock.now + timedelta(days=1)).isoformat()}
    operator = bearer(await token_for(client, ctx, "hook-operator"))
    # An owner without a fresh step-up (MFA) may not rotate either.
    lapsed = bearer(await token_for(client, ctx, "hook-owner-2", role="owner"))
    before = await snapshot(ctx)
    cases: list[tuple[str, dict[str, str], dict[str, str], int, str]] = [
        (
            path,
            {"old_secret_expires_at": (clock.now - timedelta(minutes=1)).isoformat()},
            staff,
            400,
            "openapi.rotation_invalid",
        ),
        (
            path,
            {"old_secret_expires_at": (clock.now + timedelta(days=31)).isoformat()},
            staff,
            400,
            "openapi.rotation_invalid",
        ),
        (path, {"old_secret_expires_at": "2026-12-06T10:00:00"}, staff, 422, "request.invalid"),
        (f"{CONSOLE}/webhooks/999999/rotate-secret", ok, staff, 404, "openapi.webhook_not_found"),
        (path, ok, operator, 403, ""),
        (path, ok, lapsed, 403, ""),
    ]
    for url, body, headers, status, code in cases:
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["code"].startswith(code), response.json()
    assert await snapshot(ctx) == before
    assert await audit_rows(ctx, "openapi.secret_rotate") == []
