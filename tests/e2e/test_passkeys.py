"""Passkeys end to end in Debian's Chromium with its virtual authenticator (CDP WebAuthn domain):
an operator adds a passkey on 账户安全, then, once the owners allow passwordless sign-in, signs
in with it alone from the login page. The pages are served on ``localhost`` (the embedded RP id)
and scanned with axe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    create_staff_api,
    new_page,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def test_an_operator_adds_a_passkey_and_signs_in_with_it_alone(
    server: Server, owner: Staff, context: Any, browser: Any
) -> None:
    # WebAuthn needs a domain: the embedded RP id is localhost, its origin http://localhost:port.
    local = f"http://localhost:{urlsplit(server.base).port}"
    operator = create_staff_api(server, owner, f"e2e_pk_{RUN}", "operator")
    page = signed_in_page(context, operator)
    cdp, authenticator = virtual_authenticator(page)

    page.goto(f"{local}{CONSOLE}/account")
    card = page.get_by_test_id("account-passkeys")
    card.get_by_test_id("passkey-name").fill("工作电脑")
    card.get_by_test_id("passkey-add").click()
    expect(card.get_by_test_id("passkey-table")).to_contain_text("工作电脑")
    assert_accessible(page, "console-account-passkeys")
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]

    allowed = server.http.put(
        f"{API}/console/auth/policy", headers=owner.auth, json={"passkey_login": "passwordless"}
    )
    assert allowed.status_code == 200, allowed.text
    try:
        # A fresh browser session (no console token) with the same authenticator's passkey.
        fresh = browser.new_context(base_url=local, locale="zh-CN", reduced_motion="reduce")
        login = new_page(fresh)
        login_cdp, login_authenticator = virtual_authenticator(login)
        login_cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": login_authenticator, "credential": credential},
        )
        login.goto(f"{local}{CONSOLE}/login")
        assert_accessible(login, "console-login-passkey")
        login.get_by_test_id("login-passwordless").click()
        expect(login).not_to_have_url(f"{local}{CONSOLE}/login")
        session = login.evaluate("() => sessionStorage.getItem('shoplet.console.session')")
        assert session is not None
        assert operator.username in session
        fresh.close()
    finally:
        server.http.put(
            f"{API}/console/auth/policy",
            headers=owner.auth,
            json={"passkey_login": "second_factor"},
        )
