"""The context blend: keys of a moment and a province, lifts learnt from orders, the blended
fill with its reasons (本地热卖 / 当季热卖 / 时下热卖) on the shelf, and the offline figure with
and without it on the generated shop with context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from shoplet.cli import app as cli_app
from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.recommend import context, evaluation, synthetic, training
from shoplet.modules.recommend import public as recommend
from tests.modules.orders.console_factories import make_sku, paid_order, shopper_headers
from tests.modules.recommend.test_api import ids, shelf


def test_keys_are_shop_time_season_and_hour_bucket() -> None:
    # 2025-07-31 22:30 UTC is 2025-08-01 06:30 in Shanghai: summer, the 06-11 bucket.
    at = datetime(2025, 7, 31, 22, 30, tzinfo=UTC)
    assert context.keys_at(at, "440000") == {"season": "s1", "hour": "h1", "region": "r440000"}
    assert context.keys_at(at - timedelta(hours=9), None) == {"season": "s1", "hour": "h4"}
    assert [context.season(m) for m in (1, 3, 6, 9, 12)] == [3, 0, 1, 2, 3]
    assert [context.hour_bucket(h) for h in (0, 5, 6, 11, 13, 14, 18, 23)] == [
        0, 0, 1, 2, 2, 3, 4, 4,
    ]  # fmt: skip


def test_lift_is_smoothed_and_needs_support() -> None:
    guangdong: dict[context.ContextKind, str] = {"region": "r440000"}
    shanghai: dict[context.ContextKind, str] = {"region": "r310000"}
    events = [(1, guangdong)] * 10 + [(2, shanghai)] * 90 + [(3, guangdong)] * 4
    rows = {(k, p): lift for k, p, lift in context.learn(events)}
    # P(1) = 10/104; in 440000: (10 + 50·P(1)) / (14 + 50) / P(1)
    p1 = 10 / 104
    assert rows[("r440000", 1)] == round((10 + 50 * p1) / 64 / p1, 6)
    assert ("r440000", 3) not in rows  # 4 orders: under MIN_SUPPORT
    assert ("r310000", 2) in rows
    assert rows[("r310000", 2)] > 1.0
    assert all(lift > 1.0 for lift in rows.values())


def test_blend_multiplies_lifts_names_the_strongest_and_is_neutral_without() -> None:
    base = [(1, 10.0), (2, 9.0), (3, 8.0)]
    assert context.blend(base, {}) == [(1, None), (2, None), (3, None)]
    lifts: dict[context.ContextKind, dict[int, float]] = {
        "region": {3: 2.0},
        "season": {2: 1.2, 9: 40.0},
    }
    # 3: 8 × 2 = 16 (本地: 2 ≥ 1.5); 9 only a context knows: 8/2 × 40 = 160; 2: 9 × 1.2 = 10.8
    # (lifted, but under REASON_LIFT: plain 热销).
    assert context.blend(base, lifts) == [(9, "season"), (3, "region"), (2, None), (1, None)]
    assert context.blend(base, lifts, weight=0) == [(1, None), (2, None), (3, None)]


async def test_the_fill_is_blended_with_the_shoppers_province(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    shop = [await make_sku(ctx, title=f"商品{n}", price=1000 + n) for n in range(4)]
    first, second, local, bought = (s.product_id for s in shop)
    await paid_order(app, ctx, shop[3], member_id=7)  # delivered to 440305: province 440000
    trained = recommend.Trained(
        popular=[
            (training.ALL_REGIONS, first, 10.0),
            (training.ALL_REGIONS, second, 9.0),
            (training.ALL_REGIONS, local, 4.0),
            ("r440000", local, 3.0),
        ]
    )
    async with unit_of_work(ctx.sessionmaker) as session:
        await recommend.store_trained(session, trained, [])
    anonymous = await shelf(client, placement="home")
    assert ids(anonymous)[:3] == [first, second, local]
    assert {i["reason"] for i in anonymous} == {"热销"}
    mine = await shelf(client, shopper_headers(ctx, 7), placement="home")
    assert ids(mine)[:3] == [local, first, second]  # 4 × 3 = 12 > 10
    assert [i["reason"] for i in mine[:2]] == ["本地热卖", "热销"]
    assert {i["reason_code"] for i in mine} == {"popular"}
    assert bought not in ids(mine)


def test_training_learns_the_context_rows_from_orders() -> None:
    at = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, summer
    signals = [
        training.Signal(m, 1 if m % 2 else 2, at, "order", "440000" if m % 2 else "310000")
        for m in range(1, 41)
    ]
    trained = training.train(signals, now=at)
    keys = {key for key, _, _ in trained.popular}
    assert {"all", "440000", "310000", "r440000", "r310000"} <= keys
    assert ("r440000", 1) in {(k, p) for k, p, _ in trained.popular}


def test_the_blend_beats_popularity_on_the_generated_shop_with_context(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    rows = synthetic.generate(users=1500, items=600, seed=11, context=True)
    assert synthetic.write_csv(path, rows, with_region=True) > 10_000
    parsed = evaluation.parse_csv(path.read_text(encoding="utf-8"))
    assert {r.region for r in parsed} <= set(synthetic.PROVINCES)
    result = evaluation.evaluate(parsed, k=10)
    assert result.popularity_context is not None
    assert result.popularity_context.hr >= 1.3 * result.popularity.hr
    off = evaluation.evaluate(parsed, k=10, context_weight=0.0)
    assert off.popularity_context == off.popularity
    cli = CliRunner().invoke(
        cli_app, ["reco", "evaluate", "--interactions", str(path), "--context-weight", "0"]
    )
    assert cli.exit_code == 0, cli.stdout
    assert '"context_weight": 0.0' in cli.stdout


def test_a_bad_region_is_refused_with_its_line() -> None:
    text = "user_id,item_id,timestamp,region\n1,2,3,440000\n1,3,4,\n2,2,5,44\n"
    with pytest.raises(evaluation.InteractionsInvalid) as caught:
        evaluation.parse_csv(text)
    assert caught.value.errors == ["line 4: the region must be a 6-digit code (440305) or empty"]
