"""The session model: sessions from views, transitions, scoring from recent views, the offline
figure against popularity; ``POST /recommendations/views`` (buffered, nothing on bad input),
training from views and 看了又看 on a product page from the visitor's recent views."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from shoplet.cli import app as cli_app
from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.recommend import sessions, synthetic, views
from shoplet.modules.recommend.models import Neighbor, View
from tests.conftest import snapshot
from tests.modules.orders.console_factories import make_sku, shopper_headers
from tests.modules.recommend.test_api import ids, shelf

VISITOR = "dev-0123456789abcdef"


def test_sessions_are_cut_at_30_minutes_and_repeats_count_once() -> None:
    at = 1_000_000.0
    found = sessions.split_sessions(
        [
            sessions.View("b", 9, at + 5),
            sessions.View("a", 1, at),
            sessions.View("a", 1, at + 10),  # the same page again
            sessions.View("a", 2, at + 60),
            sessions.View("a", 3, at + 60 + 1801),  # a new session
        ]
    )
    assert found == [[1, 2], [9], [3]]


def test_transitions_weigh_by_distance_and_are_shares() -> None:
    table = sessions.transitions([[1, 2, 3], [1, 2], [1, 4]])
    # From 1: 2 twice at distance 1 (2.0), 3 once at distance 2 (0.5), 4 once (1.0): of 3.5.
    assert table[1] == [(2, round(2 / 3.5, 6)), (4, round(1 / 3.5, 6)), (3, round(0.5 / 3.5, 6))]
    assert table[2] == [(3, 1.0)]
    assert 3 not in table  # nothing after it
    scores = sessions.score([2, 1], table)  # 2 viewed last
    assert scores == {3: 1.0 + 0.5 * round(0.5 / 3.5, 6), 4: 0.5 * round(1 / 3.5, 6)}


def test_the_session_model_beats_popularity_on_generated_views() -> None:
    result = sessions.evaluate(synthetic.generate_views(visitors=1500, items=600, seed=3), k=10)
    assert result.evaluated > 300
    assert result.hr >= 3 * result.popularity_hr


async def test_a_view_is_buffered_then_written_and_bad_ones_change_nothing(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    phone = await make_sku(ctx, title="智能手机", price=100)
    before = await snapshot(ctx, "recommend_view")
    for body in (
        {"product_id": phone.product_id, "visitor": "short"},
        {"product_id": phone.product_id, "visitor": "bad visitor id with spaces"},
        {"product_id": 0, "visitor": VISITOR},
        {"product_id": "1", "visitor": VISITOR},
        {"product_id": phone.product_id, "visitor": VISITOR, "extra": 1},
    ):
        response = await client.post("/api/v1/recommendations/views", json=body)
        assert response.status_code == 422, body
    assert await views.flush(ctx) == 0
    assert await snapshot(ctx, "recommend_view") == before
    ok = await client.post(
        "/api/v1/recommendations/views",
        json={"product_id": phone.product_id, "visitor": VISITOR},
        headers=shopper_headers(ctx, 5),
    )
    assert ok.status_code == 204
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(View))).all() == []  # nothing on the request path
    assert await views.flush(ctx) == 1
    async with ctx.sessionmaker() as s:
        row = (await s.scalars(select(View))).one()
    assert (row.visitor, row.member_id, row.product_id) == (VISITOR, 5, phone.product_id)


async def test_training_learns_viewed_next_and_the_product_page_follows_the_session(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    phone, case, film, tee = [
        await make_sku(ctx, title=t, price=100) for t in ("手机", "手机壳", "钢化膜", "T恤")
    ]
    start = utcnow() - timedelta(days=1)
    rows = []
    for n in range(6):  # 6 visitors: phone → case; 2 of them then → film
        trail = [phone, case, film] if n < 2 else [phone, case]
        for i, sku in enumerate(trail):
            rows.append(
                {
                    "visitor": f"visitor-{n:012d}",
                    "member_id": None,
                    "product_id": sku.product_id,
                    "viewed_at": start + timedelta(minutes=n * 60 + i),
                }
            )
    for n in range(3):  # 3 visitors: tee → film
        for i, sku in enumerate((tee, film)):
            rows.append(
                {
                    "visitor": f"teeshirt-{n:012d}",
                    "member_id": None,
                    "product_id": sku.product_id,
                    "viewed_at": start + timedelta(hours=10, minutes=n * 60 + i),
                }
            )
    for row in rows:
        views.buffer_of(ctx).add(row)
    assert await views.flush(ctx) == len(rows)

    await run_job(ctx, "recommend.train")

    async with ctx.sessionmaker() as s:
        viewed = {
            (n.product_id, n.neighbor_id): n.score
            for n in await s.scalars(select(Neighbor).where(Neighbor.model == "viewed"))
        }
    # From the phone: the case 6 times at distance 1, the film twice at distance 2: 6 / 7.
    assert viewed[phone.product_id, case.product_id] == round(6 / 7, 6)
    assert viewed[phone.product_id, film.product_id] == round(1 / 7, 6)
    assert viewed[tee.product_id, film.product_id] == 1.0
    # On the case's page, after the tee: what follows the case first, then the tee's film...
    items = await shelf(client, placement="product", product_id=case.product_id)
    assert ids(items)[0] == film.product_id
    assert items[0]["reason"] == "看了又看"
    # ...and the phone's page of a visitor who saw the tee just before: the case (0.857) first,
    # then the film (0.143 + 0.5 × 1.0 from the tee), the tee itself not shown.
    recent = await client.get(
        "/api/v1/recommendations",
        params=[
            ("placement", "product"),
            ("product_id", phone.product_id),
            ("recent", tee.product_id),
        ],
    )
    got = recent.json()["items"]
    assert ids(got)[:2] == [case.product_id, film.product_id]
    assert tee.product_id not in ids(got)
    bad = await client.get(
        "/api/v1/recommendations", params=[("placement", "home"), *[("recent", 1)] * 11]
    )
    assert bad.status_code == 422


def test_reco_sessions_prints_the_figure() -> None:
    args = ["reco", "sessions", "--visitors", "300", "--items", "100", "--seed", "5"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.stdout
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == {"sessions", "evaluated", "k", "hr", "popularity_hr"}
    assert summary["hr"] > summary["popularity_hr"]
