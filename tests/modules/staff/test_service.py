"""Staff services take plain values (an Origin), not an HTTP request, so the CLI and jobs use
the same code as the console routes."""

from __future__ import annotations

import ast
import inspect

from shoplet.core.context import AppContext
from shoplet.modules.staff import repository, service
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from tests.modules.staff.conftest import audit_rows, make_staff


def test_services_and_queries_know_nothing_of_http() -> None:
    for module in (service, repository):
        tree = ast.parse(inspect.getsource(module))
        imported = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
        }
        assert not {n for n in imported if n.split(".")[0] in ("fastapi", "starlette")}, module


async def test_record_audit_stores_the_origin_given(ctx: AppContext) -> None:
    staff = await make_staff(ctx, "auditor")
    async with ctx.sessionmaker() as s:
        await record_audit(
            s,
            StaffIdentity.of(staff),
            "test.action",
            "thing:1",
            {"k": "v"},
            Origin(ip="203.0.113.9", user_agent="x" * 300),
        )
        await record_audit(s, None, "test.action", None, None, None, username="cli")
        await s.commit()

    first, second = await audit_rows(ctx, "test.action")
    assert (first.staff_id, first.username, first.target, first.detail) == (
        staff.id,
        "auditor",
        "thing:1",
        {"k": "v"},
    )
    assert (first.ip, first.user_agent) == ("203.0.113.9", "x" * 255)
    assert (second.staff_id, second.username, second.ip, second.user_agent) == (
        None,
        "cli",
        None,
        None,
    )
