"""Issuing to a member segment: the filters (sign-up dates, paid orders, spend, last order),
the dry-run count equal to what the job issues, job progress and skip reasons, a job run again
issuing nothing twice, and refused segments changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.promotions import service
from shoplet.modules.promotions.models import Coupon, JobMember, PromotionsJob
from tests.conftest import snapshot
from tests.modules.orders.factories import Shopper, pay, placed, product, shopper
from tests.modules.promotions.factories import TEMPLATES, claimed, make_template
from tests.modules.staff.conftest import audit_rows, bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def seeded(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, Shopper]:
    """alice: two paid orders (¥59 each); bob: one; carol: one unpaid; dave: none."""
    people = {n: await shopper(client, n) for n in ("alice", "bob", "carol", "dave")}
    _, [shirt] = await product(ctx, (5900, 20))
    for name, paid in (("alice", 2), ("bob", 1)):
        for _ in range(paid):
            order = await placed(client, people[name], [(shirt, 1)])
            await pay(client, ctx, people[name], order["order_no"])
    await placed(client, people["carol"], [(shirt, 1)])
    return people


async def preview(
    client: httpx.AsyncClient, staff: dict[str, str], template_id: int, **segment: Any
) -> httpx.Response:
    return await client.post(
        f"{TEMPLATES}/{template_id}/issue",
        json={"segment": segment, "dry_run": True},
        headers=staff,
    )


async def holders(ctx: AppContext, template_id: int) -> list[int]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(Coupon.member_id).where(Coupon.template_id == template_id).order_by(Coupon.id)
        )
        return list(rows)


async def test_segment_filters_count_the_right_members(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await seeded(client, ctx)
    template = await make_template(client, staff, is_claimable=False)
    soon, past = (utcnow() + timedelta(days=1)).isoformat(), "2020-01-01T00:00:00+08:00"
    before = await snapshot(ctx)
    for segment, count in (
        ({}, 4),
        ({"has_paid_order": True}, 2),
        ({"has_paid_order": False}, 2),
        ({"min_paid_orders": 2}, 1),
        ({"min_spent": 11800, "spent_days": 30}, 1),
        ({"min_spent": 5900, "spent_days": 30}, 2),
        ({"last_order_before": soon}, 2),
        ({"last_order_before": past}, 0),
        ({"registered_from": past, "registered_to": soon}, 4),
        ({"registered_from": soon}, 0),
        ({"has_paid_order": True, "min_paid_orders": 2, "last_order_before": soon}, 1),
    ):
        response = await preview(client, staff, template["id"], **segment)
        assert response.status_code == 200, response.text
        assert response.json() == {"count": count}, segment
    assert await snapshot(ctx) == before


async def test_the_job_issues_what_the_dry_run_counted_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    people = await seeded(client, ctx)
    template = await make_template(client, staff, is_claimable=False)
    segment = {"has_paid_order": True}
    count = (await preview(client, staff, template["id"], **segment)).json()["count"]

    response = await client.post(
        f"{TEMPLATES}/{template['id']}/issue", json={"segment": segment}, headers=staff
    )

    assert response.status_code == 200, response.text
    job = response.json()
    assert (job["kind"], job["status"], job["total"], job["progress"]) == (
        "issue_segment",
        "queued",
        count,
        0,
    )
    assert (await audit_rows(ctx, "promotions.issue_segment"))[-1].detail["total"] == count
    await service.run_open_jobs(ctx)
    done = (
        await client.get(f"{TEMPLATES}/{template['id']}/jobs/{job['id']}", headers=staff)
    ).json()
    assert (done["status"], done["progress"], done["total"]) == ("done", count, count)
    assert done["result"] == {"issued": count, "skipped": 0, "reasons": {}}
    assert sorted(await holders(ctx, template["id"])) == sorted(
        [people["alice"].member_id, people["bob"].member_id]
    )

    # Run again from the start (as after a crash before the cursor was saved): nothing twice.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(PromotionsJob)
            .where(PromotionsJob.id == job["id"])
            .values(status="running", cursor=0)
        )
    await service.run_open_jobs(ctx)
    assert len(await holders(ctx, template["id"])) == count
    async with ctx.sessionmaker() as s:
        outcomes = list(await s.scalars(select(JobMember.outcome).order_by(JobMember.member_id)))
    assert outcomes == ["issued", "issued"]


async def test_members_who_cannot_get_one_are_skipped_with_the_reason(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    people = await seeded(client, ctx)
    template = await make_template(client, staff, total_quota=3)
    await claimed(client, people["bob"], template["id"])  # bob holds his one already

    response = await client.post(
        f"{TEMPLATES}/{template['id']}/issue", json={"segment": {}}, headers=staff
    )
    await service.run_open_jobs(ctx)

    done = (
        await client.get(f"{TEMPLATES}/{template['id']}/jobs/{response.json()['id']}",
                         headers=staff)
    ).json()  # fmt: skip
    assert (done["status"], done["progress"], done["total"]) == ("done", 4, 4)
    assert done["result"] == {
        "issued": 2,
        "skipped": 2,
        "reasons": {"promotions.claim_limit_reached": 1, "promotions.quota_exhausted": 1},
    }
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Coupon)) == 3


async def test_refused_segments_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await shopper(client)
    template = await make_template(client, staff)
    draft = await make_template(client, staff, activate=False)
    url = f"{TEMPLATES}/{template['id']}/issue"
    before = await snapshot(ctx)
    for body, status, code in (
        ({"segment": {"min_spent": 100}}, 400, "promotions.invalid_segment"),
        ({"segment": {"spent_days": 3}}, 400, "promotions.invalid_segment"),
        ({"segment": {"min_paid_orders": 0}}, 400, "promotions.invalid_segment"),
        ({"segment": {"has_paid_order": False, "min_paid_orders": 1}}, 400,
         "promotions.invalid_segment"),
        ({"segment": {"registered_from": "2026-01-02T00:00:00Z",
                      "registered_to": "2026-01-01T00:00:00Z"}}, 400,
         "promotions.invalid_segment"),
        ({"segment": {"vip": True}}, 422, "request.invalid"),
        ({"segment": {}, "member_ids": [1]}, 422, "request.invalid"),
        ({"member_ids": [1], "dry_run": True}, 422, "request.invalid"),
        ({}, 422, "request.invalid"),
    ):  # fmt: skip
        response = await client.post(url, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    response = await client.post(
        f"{TEMPLATES}/{draft['id']}/issue", json={"segment": {}}, headers=staff
    )
    assert (response.status_code, response.json()["code"]) == (
        409,
        "promotions.template_not_active",
    )
    assert await snapshot(ctx) == before
