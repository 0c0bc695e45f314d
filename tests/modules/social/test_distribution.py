"""分销 end to end on both databases: settings from the console, promoters applying and
approved, shoppers bound through a promoter's code (first touch, no self-binding, no cycles),
two-level commissions per line on payment (product rates over the defaults), reversed line by
line when money goes back (partial refunds in proportion, settled commission by a negative
adjustment), frozen until the job finds the after-sales window over, and withdrawals approved
and paid through the WeChat merchant-transfer simulator, rejected or failed with the money back.
Every refusal with its code and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.social.distribution import commissions, repository
from shoplet.modules.social.distribution.commissions import CLOCK_KEY
from shoplet.modules.social.distribution.models import Adjustment, Binding, WithdrawalEvent
from shoplet.modules.social.distribution.tasks import PAYOUTS_JOB, UNFREEZE_JOB
from tests.conftest import snapshot
from tests.modules.loyalty.test_checkout_points import _complete
from tests.modules.orders.factories import (
    Shopper,
    order_row,
    pay,
    placed,
    product,
    shopper,
    simulator,
)
from tests.modules.orders.test_aftersales import approve, asked, complete_refund
from tests.modules.social.dist_factories import (
    ADMIN,
    DIST_TABLES,
    SETTINGS,
    SHOP,
    bind,
    centre,
    commissions_of,
    enable,
    make_promoter,
    promoter_row,
    settings_body,
    withdrawal_rows,
)
from tests.modules.staff.conftest import audit_rows


async def _team(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> tuple[Shopper, Shopper, Shopper, int, int]:
    """Alice (promoter) ← Bob (promoter, bound to Alice) ← Carol (shopper, bound to Bob); a
    shirt at the default rates and a mug whose product pays 20% / 0%."""
    _, [shirt] = await product(ctx, (5900, 20), title="纯棉圆领短袖T恤")
    mug_product, [mug] = await product(ctx, (3000, 20), title="陶瓷马克杯")
    await enable(
        client,
        staff,
        product_rates=[{"target_id": mug_product, "level1_bps": 2000, "level2_bps": 0}],
    )
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    alice_code = await make_promoter(client, staff, alice)
    bound = await bind(client, bob, alice_code)
    assert (bound.status_code, bound.json()["is_new"]) == (200, True)
    bob_code = await make_promoter(client, staff, bob)
    assert (await bind(client, carol, bob_code)).json()["promoter_code"] == bob_code
    return alice, bob, carol, shirt, mug


async def _paid(client: httpx.AsyncClient, ctx: AppContext, who: Shopper, items: list[Any]) -> str:
    order_no: str = (await placed(client, who, items))["order_no"]
    await pay(client, ctx, who, order_no)
    await drain_outbox(ctx)
    return order_no


def _amounts(rows: list[Any]) -> list[tuple[int, int, int, int, str]]:
    return [(r.level, r.line_payable, r.amount, r.reversed_amount, r.status) for r in rows]


async def test_settings_are_checked_and_nothing_is_written_on_refusal(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shown = (await client.get(SETTINGS, headers=staff)).json()
    assert (shown["is_enabled"], shown["freeze_days"], shown["level1_bps"]) == (False, 15, 1000)
    before = await snapshot(ctx, *DIST_TABLES)
    cases = [
        (settings_body(level1_bps=4000, level2_bps=1500), "level2_bps"),
        # Frozen for less than the after-sales window: money could leave before a refund.
        (settings_body(freeze_days=7), "freeze_days"),
        (
            settings_body(
                category_rates=[
                    {"target_id": 5, "level1_bps": 100, "level2_bps": 0},
                    {"target_id": 5, "level1_bps": 200, "level2_bps": 0},
                ]
            ),
            "category_rates",
        ),
    ]
    for body, field in cases:
        response = await client.put(SETTINGS, json=body, headers=staff)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "social.distribution_invalid_settings"
        assert response.json()["field"] == field
    assert await snapshot(ctx, *DIST_TABLES) == before

    # Malformed (a rate over 50%, an unknown mode) is 422; shoppers and no-permission get 401/403.
    malformed = await client.put(
        SETTINGS, json=settings_body(binding_mode="forever"), headers=staff
    )
    assert malformed.status_code == 422
    assert (await client.get(SETTINGS)).status_code == 401
    assert await snapshot(ctx, *DIST_TABLES) == before

    await enable(client, staff, freeze_days=20)
    assert (await client.get(SETTINGS, headers=staff)).json()["freeze_days"] == 20
    assert [r.action for r in await audit_rows(ctx, "social.distribution_settings")] == [
        "social.distribution_settings"
    ]


async def test_bindings_first_touch_no_self_no_cycle(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, bob, carol, _, _ = await _team(client, ctx, staff)
    alice_code = (await centre(client, alice))["code"]
    bob_code = (await centre(client, bob))["code"]
    before = await snapshot(ctx, *DIST_TABLES)

    for who, code, status, problem in [
        (alice, alice_code, 409, "social.distribution_self_binding"),
        (alice, bob_code, 409, "social.distribution_binding_cycle"),  # Bob sits under Alice
        (carol, "NOSUCH99", 404, "social.promoter_not_found"),
    ]:
        response = await bind(client, who, code)
        assert (response.status_code, response.json()["code"]) == (status, problem)
    # First touch wins: Carol stays Bob's.
    kept = await bind(client, carol, alice_code)
    assert (kept.status_code, kept.json()["promoter_code"], kept.json()["is_new"]) == (
        200,
        bob_code,
        False,
    )
    assert await snapshot(ctx, *DIST_TABLES) == before

    # Once the first touch expired, the next promoter's link binds her.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Binding)
            .where(Binding.member_id == carol.member_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    rebound = (await bind(client, carol, alice_code)).json()
    assert (rebound["promoter_code"], rebound["is_new"]) == (alice_code, True)
    assert (await centre(client, alice))["team_level1"] == 2

    team = (await client.get(f"{SHOP}/team?level=1", headers=alice.headers)).json()["items"]
    assert [m["name"] for m in team] == ["微***", "微***"]  # 微信用户, masked


async def test_commissions_per_line_and_level_reversed_in_proportion_to_refunds(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, bob, carol, shirt, mug = await _team(client, ctx, staff)
    order_no = await _paid(client, ctx, carol, [(shirt, 2), (mug, 1)])

    rows = await commissions_of(ctx, order_no)
    bob_id = (await promoter_row(ctx, bob.member_id)).id
    alice_id = (await promoter_row(ctx, alice.member_id)).id
    # Bob: 10% of the shirts, 20% of the mug; Alice: 5% of the shirts, 0% of the mug (no row).
    assert [(r.promoter_id, *a) for r, a in zip(rows, _amounts(rows), strict=True)] == [
        (bob_id, 1, 11800, 1180, 0, "frozen"),
        (bob_id, 1, 3000, 600, 0, "frozen"),
        (alice_id, 2, 11800, 590, 0, "frozen"),
    ]
    assert (await centre(client, bob))["balance"]["frozen"] == 1780
    shown = (await client.get(f"{SHOP}/commissions", headers=bob.headers)).json()["items"]
    assert sorted((c["amount"], c["status"]) for c in shown) == [(600, "frozen"), (1180, "frozen")]

    # The same order.paid again (a redelivery) makes nothing more.
    async with unit_of_work(ctx.sessionmaker) as s:
        again = await commissions.handle_order_paid(
            s, {"order_no": order_no, "member_id": carol.member_id}, 15
        )
    assert again == 0
    assert len(await commissions_of(ctx, order_no)) == 3

    # 74.00 back without a return: 59.00 of the shirts' 118.00 and 15.00 of the mug's 30.00.
    half = await asked(client, carol, order_no, kind="refund_only", reason="少发", amount=7400)
    await complete_refund(app, ctx, (await approve(ctx, half)).refund_no or "")
    await drain_outbox(ctx)
    assert _amounts(await commissions_of(ctx, order_no)) == [
        (1, 11800, 1180, 590, "frozen"),
        (1, 3000, 600, 300, "frozen"),
        (2, 11800, 590, 295, "frozen"),
    ]
    assert (await centre(client, bob))["balance"]["frozen"] == 890

    rest = (await order_row(ctx, order_no)).payable_total - 7400
    last = await asked(client, carol, order_no, kind="refund_only", reason="不要了", amount=rest)
    await complete_refund(app, ctx, (await approve(ctx, last)).refund_no or "")
    await drain_outbox(ctx)
    assert (await order_row(ctx, order_no)).status == "refunded"
    assert _amounts(await commissions_of(ctx, order_no)) == [
        (1, 11800, 1180, 1180, "reversed"),
        (1, 3000, 600, 600, "reversed"),
        (2, 11800, 590, 590, "reversed"),
    ]
    assert (await centre(client, bob))["balance"]["frozen"] == 0


async def test_frozen_until_the_window_passes_then_withdrawn_through_a_transfer(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, bob, carol, shirt, _ = await _team(client, ctx, staff)
    order_no = await _paid(client, ctx, carol, [(shirt, 1)])
    await _complete(ctx, order_no)
    [mine, _] = await commissions_of(ctx, order_no)
    assert mine.unfreeze_at is not None
    assert mine.status == "frozen"

    await run_job(ctx, UNFREEZE_JOB)  # the window has not passed
    assert [r.status for r in await commissions_of(ctx, order_no)] == ["frozen", "frozen"]
    ctx.extras[CLOCK_KEY] = lambda: utcnow() + timedelta(days=15, minutes=1)
    try:
        await run_job(ctx, UNFREEZE_JOB)
        await run_job(ctx, UNFREEZE_JOB)  # idempotent
    finally:
        del ctx.extras[CLOCK_KEY]
    assert [r.status for r in await commissions_of(ctx, order_no)] == ["settled", "settled"]
    balance = (await centre(client, bob))["balance"]
    assert balance == {"frozen": 0, "available": 590, "withdrawing": 0, "withdrawn": 0}

    before = await snapshot(ctx, *DIST_TABLES)
    over = await client.post(f"{SHOP}/withdrawals", json={"amount": 600}, headers=bob.headers)
    assert (over.status_code, over.json()["code"]) == (
        409,
        "social.withdrawal_insufficient_balance",
    )
    small = await client.post(f"{SHOP}/withdrawals", json={"amount": 50}, headers=bob.headers)
    assert (small.status_code, small.json()["code"]) == (400, "social.withdrawal_invalid")
    nobody = await client.post(f"{SHOP}/withdrawals", json={"amount": 100}, headers=carol.headers)
    assert (nobody.status_code, nobody.json()["code"]) == (404, "social.not_promoter")
    assert await snapshot(ctx, *DIST_TABLES) == before

    asked_for = await client.post(f"{SHOP}/withdrawals", json={"amount": 500}, headers=bob.headers)
    assert asked_for.status_code == 201, asked_for.text
    assert (await centre(client, bob))["balance"]["available"] == 90
    [row] = await withdrawal_rows(ctx)
    # Paying out needs a fresh step-up (passkey or authenticator code): none, nothing moves.
    without_grant = {k: v for k, v in staff.items() if k != "X-Step-Up-Token"}
    before = await snapshot(ctx, *DIST_TABLES)
    refused = await client.post(f"{ADMIN}/withdrawals/{row.id}/approve", headers=without_grant)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert refused.json()["methods"] == ["totp"]
    assert await snapshot(ctx, *DIST_TABLES) == before
    approved = await client.post(f"{ADMIN}/withdrawals/{row.id}/approve", headers=staff)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["transfer_state"]) == (
        "paying",
        "WAIT_USER_CONFIRM",
    )
    twice = await client.post(f"{ADMIN}/withdrawals/{row.id}/approve", headers=staff)
    assert (twice.status_code, twice.json()["code"]) == (409, "social.withdrawal_not_requested")

    simulator(app).complete_transfer(row.withdrawal_no, "SUCCESS")
    await run_job(ctx, PAYOUTS_JOB)
    listed = (await client.get(f"{ADMIN}/withdrawals", headers=staff)).json()["items"]
    assert listed[0]["status"] == "paid"
    assert [(e["from_status"], e["to_status"]) for e in listed[0]["events"]] == [
        (None, "requested"),
        ("requested", "paying"),
        ("paying", "paid"),
    ]
    assert len(await audit_rows(ctx, "social.withdrawal_approve")) == 1
    balance = (await centre(client, bob))["balance"]
    assert balance == {"frozen": 0, "available": 90, "withdrawing": 0, "withdrawn": 500}

    # A refund after the commission was settled (and mostly withdrawn): a negative adjustment.
    full = (await order_row(ctx, order_no)).payable_total
    back = await asked(client, carol, order_no, kind="refund_only", reason="质量问题", amount=full)
    await complete_refund(app, ctx, (await approve(ctx, back)).refund_no or "")
    await drain_outbox(ctx)
    assert (await centre(client, bob))["balance"]["available"] == 90 - 590
    async with ctx.sessionmaker() as s:
        adjustments = [(a.amount, a.reversed_to) for a in await s.scalars(select(Adjustment))]
    assert sorted(adjustments) == [(-590, 590), (-295, 295)]


async def _funded(ctx: AppContext, bob: Shopper, amount: int) -> None:
    promoter = await promoter_row(ctx, bob.member_id)
    async with unit_of_work(ctx.sessionmaker) as s:
        await repository.add_available(s, promoter.id, amount, utcnow())


async def test_a_large_withdrawal_names_its_payee_and_the_name_reaches_wechat_encrypted(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    """From ¥2,000 a withdrawal needs the payee's real name (WeChat refuses the transfer
    without it): asked without one it is refused and nothing is written; with one it is kept
    SM4-encrypted, shown masked, and the transfer carries it (encrypted for WeChat Pay's key,
    which the simulator decrypts)."""
    _, bob, _, _, _ = await _team(client, ctx, staff)
    await _funded(ctx, bob, 300_000)
    before = await snapshot(ctx, *DIST_TABLES)
    nameless = await client.post(
        f"{SHOP}/withdrawals", json={"amount": 200_000}, headers=bob.headers
    )
    assert (nameless.status_code, nameless.json()["code"], nameless.json()["field"]) == (
        400,
        "social.withdrawal_invalid",
        "real_name",
    )
    for bad in ("张", "<b>", "12345"):
        response = await client.post(
            f"{SHOP}/withdrawals", json={"amount": 200_000, "real_name": bad}, headers=bob.headers
        )
        assert response.status_code == 422, bad
    assert await snapshot(ctx, *DIST_TABLES) == before

    made = await client.post(
        f"{SHOP}/withdrawals", json={"amount": 200_000, "real_name": "张三丰"}, headers=bob.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["payee_name"] == "张**"
    [row] = await withdrawal_rows(ctx)
    assert row.payee_name_encrypted is not None
    assert "张三丰" not in row.payee_name_encrypted
    assert ctx.pii.decrypt(row.payee_name_encrypted) == "张三丰"
    approved = await client.post(f"{ADMIN}/withdrawals/{row.id}/approve", headers=staff)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["payee_name"]) == ("paying", "张**")
    assert simulator(app).transfers[row.withdrawal_no].user_recognized_name == "张三丰"
    # Smaller amounts need no name.
    small = await client.post(f"{SHOP}/withdrawals", json={"amount": 500}, headers=bob.headers)
    assert (small.status_code, small.json()["payee_name"]) == (201, None)


async def test_rejected_and_failed_withdrawals_give_the_money_back(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, bob, _, _, _ = await _team(client, ctx, staff)
    await _funded(ctx, bob, 1000)
    for _ in range(2):
        made = await client.post(f"{SHOP}/withdrawals", json={"amount": 300}, headers=bob.headers)
        assert made.status_code == 201, made.text
    first, second = await withdrawal_rows(ctx)
    assert (await centre(client, bob))["balance"]["withdrawing"] == 600

    rejected = await client.post(
        f"{ADMIN}/withdrawals/{first.id}/reject", json={"reason": "信息不符"}, headers=staff
    )
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert (await centre(client, bob))["balance"]["available"] == 700

    await client.post(f"{ADMIN}/withdrawals/{second.id}/approve", headers=staff)
    simulator(app).complete_transfer(second.withdrawal_no, "FAIL")
    await run_job(ctx, PAYOUTS_JOB)
    balance = (await centre(client, bob))["balance"]
    assert balance == {"frozen": 0, "available": 1000, "withdrawing": 0, "withdrawn": 0}
    async with ctx.sessionmaker() as s:
        trail = [
            (e.to_status, e.actor)
            for e in await s.scalars(select(WithdrawalEvent).order_by(WithdrawalEvent.id))
        ]
    assert trail == [
        ("requested", f"member:{bob.member_id}"),
        ("requested", f"member:{bob.member_id}"),
        ("rejected", "staff:group-operator"),
        ("paying", "staff:group-operator"),
        ("failed", "wechatpay"),
    ]

    # WeChat refuses outright (not enough money in the merchant's account): failed at once.
    simulator(app).available_balance = 100
    made = await client.post(f"{SHOP}/withdrawals", json={"amount": 300}, headers=bob.headers)
    third = (await withdrawal_rows(ctx))[-1]
    refused = await client.post(f"{ADMIN}/withdrawals/{third.id}/approve", headers=staff)
    assert made.status_code == 201
    assert (refused.json()["status"], refused.json()["fail_reason"][:10]) == (
        "failed",
        "NOT_ENOUGH",
    )
    assert (await centre(client, bob))["balance"]["available"] == 1000


async def test_automatic_promoters_after_paid_orders(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, [shirt] = await product(ctx, (5900, 20))
    await enable(client, staff, become_mode="auto", auto_after_orders=1)
    dave = await shopper(client, "dave")
    before = await snapshot(ctx, *DIST_TABLES)
    early = await client.post(f"{SHOP}/apply", headers=dave.headers)
    assert (early.status_code, early.json()["code"]) == (409, "social.promoter_not_eligible")
    assert await snapshot(ctx, *DIST_TABLES) == before

    await _paid(client, ctx, dave, [(shirt, 1)])
    me = await centre(client, dave)
    assert (me["status"], len(me["code"])) == ("active", 8)


@pytest.mark.parametrize("path", ["/me", "/commissions", "/withdrawals", "/team"])
async def test_the_centre_needs_a_signed_in_shopper(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(f"{SHOP}{path}")).status_code == 401
