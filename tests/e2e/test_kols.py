"""达人发现 end to end in Debian's Chromium against a real Shoplet server: share visits and
conversions of a few shoppers are written into the server's database, an owner presses 重新分析,
reads the ranked list and the graph, selects the top sharer and invites them to become a
promoter (the invitation shows in the list). The page is scanned with axe and photographed."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, cast

from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.members.models import Member
from shoplet.modules.social.sharing.models import ShareConversion, ShareLink, ShareVisit
from tests.modules.social.dist_factories import settings_body

from .test_console import (
    API,
    CONSOLE,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

FRIENDS = 6


async def _seed(server: Server) -> int:
    """A sharer, 达人小美, whose link six friends opened signed in (two paid); one of them
    shared on to a seventh. Returns the sharer's member id."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}"
    )
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        now = utcnow()
        async with unit_of_work(ctx.sessionmaker) as s:
            people = [
                Member(nickname=name, created_at=now, last_login_at=now)
                for name in ["达人小美", *(f"好友{n}" for n in range(FRIENDS + 1))]
            ]
            s.add_all(people)
            await s.flush()
            sharer, first, last = people[0].id, people[1].id, people[-1].id
            links = []
            for who, code in ((sharer, "e2eKolMei1"), (first, "e2eKolFr01")):
                link = ShareLink(
                    code=code,
                    sharer_member_id=who,
                    target_kind="product",
                    target_ref="1",
                    visits=0,
                    orders=0,
                    order_amount=0,
                    created_at=now,
                    updated_at=now,
                )
                s.add(link)
                await s.flush()
                links.append(link.id)
            for friend in people[1 : FRIENDS + 1]:
                s.add(
                    ShareVisit(
                        link_id=links[0],
                        visitor_key=f"m:{friend.id}",
                        visitor_member_id=friend.id,
                        created_at=now,
                    )
                )
            s.add(
                ShareVisit(
                    link_id=links[1],
                    visitor_key=f"m:{last}",
                    visitor_member_id=last,
                    created_at=now,
                )
            )
            for n, friend in enumerate(people[1:3]):
                s.add(
                    ShareConversion(
                        order_no=f"E2EKOL{n}",
                        link_id=links[0],
                        sharer_member_id=sharer,
                        visitor_member_id=friend.id,
                        amount=9_900,
                        created_at=now,
                    )
                )
        return sharer
    finally:
        await engine.dispose()


def test_kol_page_analyses_draws_and_invites(server: Server, owner: Staff, context: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        sharer = pool.submit(asyncio.run, _seed(server)).result()
    enabled = server.http.put(
        f"{API}/console/distribution/settings", json=settings_body(), headers=owner.auth
    )
    assert enabled.status_code == 200, enabled.text
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/kols")
    expect(page.get_by_role("heading", name="达人发现", exact=True)).to_be_visible()

    page.get_by_test_id("kol-rerun").click()
    table = page.get_by_test_id("kol-table")
    expect(table).to_contain_text("达人小美")
    expect(page.get_by_test_id("kol-graph")).to_be_visible()
    row = table.locator("tr", has_text="达人小美")
    expect(row).to_contain_text("¥198.00")
    assert_accessible(page, "console-kols")

    row.locator(".el-checkbox").click()
    page.get_by_test_id("kol-invite-promoter").click()
    page.get_by_test_id("kol-invite-send").click()
    expect(page.get_by_test_id("kol-invitations")).to_contain_text("达人小美")
    expect(row).to_contain_text("推广员")
    promoters = server.http.get(f"{API}/console/distribution/promoters", headers=owner.auth).json()[
        "items"
    ]
    assert sharer in {p["member_id"] for p in promoters}
    assert_accessible(page, "console-kols-invited")
