from __future__ import annotations

import base64
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pyotp
from PIL import Image

from shoplet.core.context import AppContext
from tests.conftest import TEST_SECRET, snapshot
from tests.modules.staff.conftest import (
    audit_rows,
    bearer,
    code,
    fetch_staff,
    login,
    make_staff,
    set_staff,
    wrong_code,
)

ENROLL = "/api/v1/console/auth/mfa/enroll"
CONFIRM = "/api/v1/console/auth/mfa/confirm"
ME = "/api/v1/console/auth/me"


async def test_owner_without_mfa_gets_an_enrolment_only_token(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olga", role="owner")

    response = await login(client, "olga")

    assert response.status_code == 200
    body = response.json()
    assert body["mfa_enrollment_required"] is True
    assert body["expires_in"] == 15 * 60
    assert body["staff"]["role"] == "owner"
    assert body["staff"]["mfa_enabled"] is False
    claims = jwt.decode(
        body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="console-mfa"
    )
    assert claims["role"] == "owner"

    headers = bearer(body["access_token"])
    for method, url in [
        ("GET", ME),
        ("GET", "/api/v1/console/staff"),
        ("GET", "/api/v1/console/audit-log"),
        ("POST", "/api/v1/console/staff/1/reset-mfa"),
    ]:
        before = await snapshot(ctx)
        refused = await client.request(method, url, headers=headers)
        assert refused.status_code == 403, url
        assert refused.json()["code"] == "console.mfa_enrollment_required"
        assert await snapshot(ctx) == before


async def test_owner_enrols_confirms_and_then_needs_codes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    owner = await make_staff(ctx, "olga", role="owner")
    mfa_token = (await login(client, "olga")).json()["access_token"]

    enrolled = await client.post(ENROLL, headers=bearer(mfa_token))
    assert enrolled.status_code == 200
    body = enrolled.json()
    secret = body["secret"]
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Shoplet:olga")
    assert parse_qs(uri.query) == {"secret": [secret], "issuer": ["Shoplet"]}
    image = Image.open(io.BytesIO(base64.b64decode(body["qr_png_base64"])))
    assert image.format == "PNG"
    stored = await fetch_staff(ctx, "olga")
    assert stored.mfa_enabled is False
    assert stored.totp_pending_encrypted is not None
    assert secret not in stored.totp_pending_encrypted
    assert ctx.pii.decrypt(stored.totp_pending_encrypted) == secret

    # A wrong code changes nothing.
    before = await snapshot(ctx)
    wrong = await client.post(CONFIRM, json={"otp": wrong_code(secret)}, headers=bearer(mfa_token))
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "console.mfa_invalid"
    assert await snapshot(ctx) == before

    confirm_code = code(secret)
    confirmed = await client.post(CONFIRM, json={"otp": confirm_code}, headers=bearer(mfa_token))
    assert confirmed.status_code == 200
    full = confirmed.json()
    assert full["mfa_enrollment_required"] is False
    assert full["staff"]["mfa_enabled"] is True
    assert full["expires_in"] == 8 * 3600
    jwt.decode(full["access_token"], TEST_SECRET, algorithms=["HS256"], audience="console")
    me = await client.get(ME, headers=bearer(full["access_token"]))
    assert me.status_code == 200
    assert me.json()["permissions"][0] == "aftersales:handle"
    assert "staff:manage" in me.json()["permissions"]

    stored = await fetch_staff(ctx, "olga")
    assert stored.mfa_enabled is True
    assert stored.totp_pending_encrypted is None
    assert ctx.pii.decrypt(stored.totp_secret_encrypted or "") == secret
    assert [(e.action, e.staff_id) for e in await audit_rows(ctx)][-3:] == [
        ("auth.login", owner.id),
        ("auth.mfa_enroll", owner.id),
        ("auth.mfa_confirm", owner.id),
    ]

    # From now on: no code -> mfa_required (not counted); wrong code -> mfa_invalid (counted).
    missing = await login(client, "olga")
    assert missing.status_code == 401
    assert missing.json()["code"] == "console.mfa_required"
    assert (await fetch_staff(ctx, "olga")).failed_logins == 0
    bad = await login(client, "olga", otp=wrong_code(secret))
    assert bad.status_code == 401
    assert bad.json()["code"] == "console.mfa_invalid"
    assert (await fetch_staff(ctx, "olga")).failed_logins == 1

    # The code used to confirm cannot be replayed; the next step's code works once.
    replayed = await login(client, "olga", otp=confirm_code)
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "console.mfa_invalid"
    next_code = code(secret, steps_ahead=1)
    ok = await login(client, "olga", otp=next_code)
    assert ok.status_code == 200
    assert ok.json()["mfa_enrollment_required"] is False
    again = await login(client, "olga", otp=next_code)
    assert again.status_code == 401
    assert again.json()["code"] == "console.mfa_invalid"


async def test_a_code_is_accepted_once_for_sign_in(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    secret = pyotp.random_base32()
    await make_staff(ctx, "olga", role="owner", mfa_secret=secret)

    # The very same code twice (a fresh code(secret) could fall in the next 30 s step).
    otp = code(secret)
    first = await login(client, "olga", otp=otp)
    assert first.status_code == 200
    replay = await login(client, "olga", otp=otp)
    assert replay.status_code == 401
    assert replay.json()["code"] == "console.mfa_invalid"
    # An older code (previous step, still inside the window) is a replay too.
    older = await login(client, "olga", otp=code(secret, steps_ahead=-1))
    assert older.json()["code"] == "console.mfa_invalid"
    assert [e.detail["reason"] for e in await audit_rows(ctx, "auth.login_failed")] == [
        "otp",
        "otp",
    ]


async def test_codes_outside_the_window_are_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    secret = pyotp.random_base32()
    await make_staff(ctx, "olga", role="owner", mfa_secret=secret)
    far = code(secret, steps_ahead=3)
    if far in {code(secret, steps_ahead=i) for i in (-1, 0, 1)}:
        return  # codes collide by chance
    response = await login(client, "olga", otp=far)
    assert response.status_code == 401
    assert response.json()["code"] == "console.mfa_invalid"


async def test_enrol_twice_or_confirm_without_enrolment_is_409(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia", role="operator")
    token = (await login(client, "olivia")).json()["access_token"]

    before = await snapshot(ctx)
    early = await client.post(CONFIRM, json={"otp": "123456"}, headers=bearer(token))
    assert early.status_code == 409
    assert early.json()["code"] == "console.mfa_not_enrolling"
    assert await snapshot(ctx) == before

    # Operators may enrol voluntarily with their full token.
    secret = (await client.post(ENROLL, headers=bearer(token))).json()["secret"]
    confirmed = await client.post(CONFIRM, json={"otp": code(secret)}, headers=bearer(token))
    assert confirmed.status_code == 200

    before = await snapshot(ctx)
    again = await client.post(ENROLL, headers=bearer(token))
    assert again.status_code == 409
    assert again.json()["code"] == "console.mfa_already_enabled"
    assert await snapshot(ctx) == before

    # Their next sign-in needs a code.
    assert (await login(client, "olivia")).json()["code"] == "console.mfa_required"


async def test_malformed_confirm_is_422(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await make_staff(ctx, "olga", role="owner")
    token = (await login(client, "olga")).json()["access_token"]
    await client.post(ENROLL, headers=bearer(token))
    before = await snapshot(ctx)
    for payload in ({"otp": 123456}, {"otp": "12ab56"}, {}, {"otp": "123456", "x": 1}):
        response = await client.post(CONFIRM, json=payload, headers=bearer(token))
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_enrolment_needs_a_console_token(client: httpx.AsyncClient, ctx: AppContext) -> None:
    storefront = ctx.tokens.issue(subject="1", audience="storefront", ttl=timedelta(minutes=5))
    before = await snapshot(ctx)
    for headers in ({}, bearer("not-a-jwt"), bearer(storefront)):
        response = await client.post(ENROLL, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


async def test_reset_mfa_sends_the_owner_back_to_enrolment(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    secret = pyotp.random_base32()
    owner = await make_staff(ctx, "olga", role="owner", mfa_secret=secret)
    token = (await login(client, "olga", otp=code(secret))).json()["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200

    await set_staff(ctx, "olga", mfa_enabled=False, totp_secret_encrypted=None)

    # The full token the owner already holds stops working until they enrol again.
    refused = await client.get(ME, headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json()["code"] == "console.mfa_enrollment_required"
    relogin = await login(client, "olga")
    assert relogin.json()["mfa_enrollment_required"] is True
    assert relogin.json()["staff"]["id"] == owner.id
