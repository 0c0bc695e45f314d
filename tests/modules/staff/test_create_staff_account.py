from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoplet.cli import app as cli
from shoplet.core.context import AppContext
from shoplet.core.security import verify_password
from shoplet.modules.staff.errors import (
    InvalidUsername,
    UnknownRole,
    UsernameTaken,
    WeakPassword,
)
from shoplet.modules.staff.public import create_staff_account
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows, fetch_staff


async def test_creates_an_owner_and_says_so(ctx: AppContext) -> None:
    summary = await create_staff_account(
        ctx.settings,
        username="Boss",
        password="a-long-owner-password",
        role="owner",
        display_name="老板",
    )

    staff = await fetch_staff(ctx, "boss")
    assert summary == (
        f"created owner 'boss' (id {staff.id}); sign in and enrol MFA before anything else"
    )
    assert "\n" not in summary
    assert (staff.role, staff.display_name, staff.is_active, staff.mfa_enabled) == (
        "owner",
        "老板",
        True,
        False,
    )
    assert verify_password(staff.password_hash, "a-long-owner-password")
    assert staff.password_hash.startswith("$argon2id$")
    (entry,) = await audit_rows(ctx, "staff.create")
    assert (entry.staff_id, entry.username, entry.ip) == (None, "cli", None)
    assert entry.detail == {"username": "boss", "role": "owner", "display_name": "老板"}


async def test_display_name_defaults_to_username(ctx: AppContext) -> None:
    summary = await create_staff_account(
        ctx.settings, username="sam", password="support-password", role="support", display_name=""
    )
    staff = await fetch_staff(ctx, "sam")
    assert summary == f"created support 'sam' (id {staff.id})"
    assert staff.display_name == "sam"


@pytest.mark.parametrize(
    ("username", "password", "role", "error"),
    [
        ("sam", "short-pw", "support", WeakPassword),
        ("sam", "support-password", "admin", UnknownRole),
        ("s", "support-password", "support", InvalidUsername),
        ("sam/../x", "support-password", "support", InvalidUsername),
    ],
)
async def test_refusals_change_nothing(
    ctx: AppContext, username: str, password: str, role: str, error: type[Exception]
) -> None:
    before = await snapshot(ctx)
    with pytest.raises(error):
        await create_staff_account(
            ctx.settings, username=username, password=password, role=role, display_name=""
        )
    assert await snapshot(ctx) == before


async def test_taken_username_is_refused(ctx: AppContext) -> None:
    await create_staff_account(
        ctx.settings, username="sam", password="support-password", role="support", display_name=""
    )
    before = await snapshot(ctx)
    with pytest.raises(UsernameTaken, match="'sam' is already taken"):
        await create_staff_account(
            ctx.settings, username="sam", password="other-password", role="owner", display_name=""
        )
    assert await snapshot(ctx) == before


async def test_cli_command(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPLET_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("SHOPLET_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, ["create-staff", *args])
        return result.exit_code, result.stdout, result.stderr

    # The command runs its own event loop, so run it outside this test's loop.
    code, out, err = await asyncio.to_thread(
        invoke, "olivia", "--role", "operator", "--password", "operator-password"
    )
    assert (code, err) == (0, "")
    staff = await fetch_staff(ctx, "olivia")
    assert out == f"created operator 'olivia' (id {staff.id})\n"

    before = await snapshot(ctx)
    code, out, err = await asyncio.to_thread(
        invoke, "weakling", "--role", "support", "--password", "short"
    )
    assert (code, out) == (1, "")
    assert err == "error: Passwords need at least 10 characters\n"
    code, out, err = await asyncio.to_thread(
        invoke, "boss", "--role", "king", "--password", "long-enough-password"
    )
    assert (code, out) == (1, "")
    assert err == "error: Unknown role 'king'; use one of owner, operator, support\n"
    assert await snapshot(ctx) == before
