"""Appointments (预约到店): services and slots in the console, shoppers book and cancel, staff
check in once; refusals change nothing; the last seat goes to exactly one of many shoppers
booking at once (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from tests.conftest import BackendDb, snapshot
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.orders.factories import shopper
from tests.modules.stores.factories import CONSOLE, Console, console, make_store

TABLES = ("stores_service", "stores_slot", "stores_booking")


async def service_with_slot(
    client: httpx.AsyncClient, boss: Console, store_id: int, capacity: int
) -> tuple[int, int]:
    made = await client.post(
        f"{CONSOLE}/stores/{store_id}/services",
        json={"name": "西装量体", "duration_min": 45},
        headers=boss.headers,
    )
    assert made.status_code == 201, made.text
    service_id = int(made.json()["id"])
    starts = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    slot = await client.post(
        f"{CONSOLE}/stores/services/{service_id}/slots",
        json={"starts_at": starts.isoformat(), "capacity": capacity},
        headers=boss.headers,
    )
    assert slot.status_code == 201, slot.text
    assert slot.json()["remaining"] == capacity
    return service_id, int(slot.json()["id"])


def book(client: httpx.AsyncClient, headers: dict[str, str], slot_id: Any) -> Any:
    return client.post("/api/v1/appointments", json={"slot_id": slot_id}, headers=headers)


async def test_book_cancel_and_check_in(client: httpx.AsyncClient, ctx: AppContext) -> None:
    boss = await console(client, ctx, "boss")
    clerk = await console(client, ctx, "clerk", role="support")
    store_id = await make_store(client, boss, staff_ids=[clerk.staff_id])
    service_id, slot_id = await service_with_slot(client, boss, store_id, capacity=2)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    carol = await shopper(client, "carol")

    first = await book(client, alice.headers, slot_id)
    assert first.status_code == 201, first.text
    booking = first.json()
    assert (booking["status"], booking["service_name"], booking["store_id"]) == (
        "booked",
        "西装量体",
        store_id,
    )
    assert (await book(client, bob.headers, slot_id)).status_code == 201

    listed = await client.get(f"/api/v1/stores/{store_id}/services")
    assert listed.status_code == 200
    [service] = listed.json()
    assert service["id"] == service_id
    assert [(s["id"], s["booked"], s["remaining"]) for s in service["slots"]] == [(slot_id, 2, 0)]

    before = await snapshot(ctx, *TABLES)
    refusals = [
        (book(client, carol.headers, slot_id), 409, "stores.slot_full"),
        (book(client, alice.headers, slot_id), 409, "stores.already_booked"),
        (book(client, carol.headers, 999_999), 404, "stores.slot_not_found"),
        (book(client, carol.headers, "1"), 422, None),
        (book(client, carol.headers, 0), 422, None),
        (client.post("/api/v1/appointments", json={"slot_id": slot_id}), 401, None),
        (
            client.post(f"/api/v1/appointments/{booking['id']}/cancel", headers=bob.headers),
            404,
            "stores.booking_not_found",
        ),
    ]
    for call, status, code in refusals:
        response = await call
        assert response.status_code == status, response.text
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before

    # Alice cancels: her seat goes to carol.
    cancelled = await client.post(
        f"/api/v1/appointments/{booking['id']}/cancel", headers=alice.headers
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = await client.post(f"/api/v1/appointments/{booking['id']}/cancel", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "stores.booking_closed")
    carols = await book(client, carol.headers, slot_id)
    assert carols.status_code == 201, carols.text
    mine = await client.get("/api/v1/me/appointments", headers=carol.headers)
    assert [b["id"] for b in mine.json()["items"]] == [carols.json()["id"]]

    # The clerk checks carol in, once; an outsider cannot.
    outsider = await console(client, ctx, "outsider", role="support")
    url = f"{CONSOLE}/stores/{store_id}/appointments/{carols.json()['id']}/check-in"
    before = await snapshot(ctx, *TABLES)
    denied = await client.post(url, headers=outsider.headers)
    assert (denied.status_code, denied.json()["code"]) == (403, "stores.not_store_staff")
    cancelled_one = await client.post(
        f"{CONSOLE}/stores/{store_id}/appointments/{booking['id']}/check-in", headers=clerk.headers
    )
    assert (cancelled_one.status_code, cancelled_one.json()["code"]) == (
        409,
        "stores.booking_closed",
    )
    assert await snapshot(ctx, *TABLES) == before
    checked = await client.post(url, headers=clerk.headers)
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "checked_in"
    twice = await client.post(url, headers=clerk.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "stores.booking_closed")
    board = await client.get(f"{CONSOLE}/stores/{store_id}/appointments", headers=clerk.headers)
    assert [(b["member_id"], b["status"]) for b in board.json()["items"]] == [
        (carol.member_id, "checked_in"),
        (bob.member_id, "booked"),
        (alice.member_id, "cancelled"),
    ]


async def test_console_refuses_bad_services_and_slots(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    clerk = await console(client, ctx, "clerk", role="support")
    store_id = await make_store(client, boss)
    service_id, _ = await service_with_slot(client, boss, store_id, capacity=1)
    soon = (utcnow() + timedelta(days=2)).isoformat()
    before = await snapshot(ctx, *TABLES)
    cases: list[tuple[str, dict[str, Any], Console, int, str | None]] = [
        (f"stores/{store_id}/services", {"name": "", "duration_min": 30}, boss, 422, None),
        (f"stores/{store_id}/services", {"name": "量体", "duration_min": 1}, boss, 422, None),
        ("stores/999999/services", {"name": "量体"}, boss, 404, "stores.not_found"),
        (f"stores/{store_id}/services", {"name": "量体"}, clerk, 403, "console.permission_denied"),
        (f"stores/services/{service_id}/slots", {"starts_at": soon, "capacity": 0}, boss, 422,
         None),
        (f"stores/services/{service_id}/slots",
         {"starts_at": (utcnow() - timedelta(hours=1)).isoformat(), "capacity": 3}, boss, 400,
         "stores.invalid"),
        (f"stores/services/{service_id}/slots",
         {"starts_at": (utcnow() + timedelta(days=120)).isoformat(), "capacity": 3}, boss, 400,
         "stores.invalid"),
        (f"stores/services/{service_id}/slots", {"starts_at": "2026-13-01", "capacity": 3}, boss,
         422, None),
        ("stores/services/999999/slots", {"starts_at": soon, "capacity": 3}, boss, 404,
         "stores.service_not_found"),
    ]  # fmt: skip
    for path, body, who, status, code in cases:
        response = await client.post(f"{CONSOLE}/{path}", json=body, headers=who.headers)
        assert response.status_code == status, (path, body, response.text)
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


SHOPPERS = 20


async def test_the_last_seat_goes_to_one_of_twenty(
    backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    boss = await console(client, ctx, "boss")
    store_id = await make_store(client, boss)
    _, slot_id = await service_with_slot(client, boss, store_id, capacity=3)
    early = [await shopper(client, f"early{i}") for i in range(2)]
    for who in early:
        assert (await book(client, who.headers, slot_id)).status_code == 201
    crowd = [await shopper(client, f"crowd{i}") for i in range(SHOPPERS)]
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, SHOPPERS) as app:
        transport = httpx.ASGITransport(app=app)

        async def one(headers: dict[str, str]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await book(c, headers, slot_id)

        tasks = [asyncio.create_task(one(who.headers)) for who in crowd]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(201, None): 1, (409, "stores.slot_full"): SHOPPERS - 1}, outcomes
    services = (await client.get(f"/api/v1/stores/{store_id}/services")).json()
    assert [(s["booked"], s["remaining"]) for s in services[0]["slots"]] == [(3, 0)]
