"""``--update`` imports write a batch's existing products together (``update_products_rows``):
exactly what changed changes, the rest stays, each changed price leaves a history row, each
product still announces itself; a row that fails while its batch is written rolls that batch
back and is reported by its line. The one-by-one path (the bench's baseline) writes the same."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bench.catalog_import import generate_csv, write_images
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.catalog import importer
from shoplet.modules.catalog.events import PRODUCT_CHANGED
from shoplet.modules.catalog.importer import ImportOptions, import_file
from shoplet.modules.catalog.models import PriceHistory, Sku
from shoplet.modules.inventory import public as inventory
from tests.conftest import snapshot
from tests.modules.catalog.test_import import rows


def _edit(text: str, changes: dict[int, dict[int, str]]) -> str:
    """The file with cells replaced: line number (1 = header) -> column -> value."""
    lines = text.splitlines()
    for number, cells in changes.items():
        values = lines[number - 1].split(",")
        for column, value in cells.items():
            values[column] = value
        lines[number - 1] = ",".join(values)
    return "\n".join(lines) + "\n"


async def _history(ctx: AppContext) -> list[tuple[Any, ...]]:
    async with ctx.sessionmaker() as s:
        found = await s.execute(
            select(
                Sku.sku_code,
                PriceHistory.price_before,
                PriceHistory.price_after,
                PriceHistory.original_price_before,
                PriceHistory.original_price_after,
                PriceHistory.source,
                PriceHistory.actor,
            )
            .join(Sku, Sku.id == PriceHistory.sku_id)
            .order_by(PriceHistory.id)
        )
        return [tuple(r) for r in found.all()]


async def _events(ctx: AppContext) -> int:
    async with ctx.sessionmaker() as s:
        count = await s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == PRODUCT_CHANGED)
        )
    return int(count or 0)


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "one_by_one"])
async def test_an_update_batch_changes_exactly_what_changed(
    ctx: AppContext, tmp_path: Path, batched: bool
) -> None:
    write_images(tmp_path)
    text = generate_csv(30)
    options = ImportOptions(base_dir=tmp_path)
    assert (await import_file(ctx, "a.csv", text.encode(), options, actor="t")).errors == []
    before = await rows(ctx)
    history_before = await _history(ctx)
    events_before = await _events(ctx)
    lines = text.splitlines()
    code = {n: lines[n - 1].split(",")[5] for n in (3, 6, 9)}
    # Line 3: a new price; line 6: a new stock; line 9: a new price and stock. The rest as is.
    edited = _edit(text, {3: {2: "1234.50"}, 6: {3: "77"}, 9: {2: "8.00", 3: "0"}})
    update = ImportOptions(base_dir=tmp_path, update=True)
    outcome = await import_file(
        ctx, "b.csv", edited.encode(), update, actor="cli:b.csv", batched=batched
    )
    assert outcome.errors == []
    assert outcome.counts.products_updated == outcome.products
    assert outcome.counts.skus_updated == 30
    assert outcome.counts.skus_created == outcome.counts.products_created == 0
    after = await rows(ctx)
    assert after["categories"] == before["categories"]
    changed_skus = {
        n: next(i for i, s in enumerate(before["skus"]) if s[3] == code[n]) for n in code
    }
    expected = list(before["skus"])
    old = {n: expected[i] for n, i in changed_skus.items()}
    expected[changed_skus[3]] = (*old[3][:2], 123450, *old[3][3:])
    expected[changed_skus[6]] = (*old[6][:5], 77)
    expected[changed_skus[9]] = (*old[9][:2], 800, *old[9][3:5], 0)
    assert after["skus"] == expected
    # Products: the same titles, categories, statuses, brands and images.
    assert [p[:3] + p[4:] for p in after["products"]] == [p[:3] + p[4:] for p in before["products"]]
    # Stock through the ledger: one adjustment per changed figure, nothing else.
    assert after["ledger"][len(before["ledger"]) :] == [
        ("adjust", new - old[n][5]) for n, new in ((6, 77), (9, 0)) if new != old[n][5]
    ]
    # A history row for each changed price (no original price in the file: it follows).
    assert history_before == []
    assert await _history(ctx) == [
        (code[3], old[3][2], 123450, old[3][2], 123450, "import", "cli:b.csv"),
        (code[9], old[9][2], 800, old[9][2], 800, "import", "cli:b.csv"),
    ]
    # Every product of the file announced itself (search re-reads it).
    assert await _events(ctx) - events_before == outcome.products


async def test_a_bad_row_rolls_its_batch_back_and_names_its_line(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = "title,category,price,stock,spec,sku_code\n"
    text = header + "".join(f"商品{n},杂货,{10 + n},5,,C-{n}\n" for n in range(1, 5))
    assert (await import_file(ctx, "a.csv", text.encode(), ImportOptions(), actor="t")).errors == []
    edited = header + "".join(f"商品{n},杂货,{20 + n},3,,C-{n}\n" for n in range(1, 5))
    plan_import = importer.plan_import

    async def plan_then_reserve(*args: Any, **kwargs: Any) -> Any:
        # After the check, an order reserves 4 of 商品4's 5 units: its row's 3 is now too low.
        planned = await plan_import(*args, **kwargs)
        async with unit_of_work(ctx.sessionmaker) as s:
            sku_id = await s.scalar(select(Sku.id).where(Sku.sku_code == "C-4"))
            assert sku_id is not None
            await inventory.reserve(
                s, ref="order:race", lines=[(sku_id, 4)], expires_at=utcnow() + timedelta(hours=1)
            )
        return planned

    monkeypatch.setattr(importer, "plan_import", plan_then_reserve)
    before = await rows(ctx)
    outcome = await import_file(
        ctx, "b.csv", edited.encode(), ImportOptions(update=True), actor="t", rows_per_batch=2
    )
    assert outcome.rows_written == 2
    assert outcome.errors == [
        {
            "row": 5,
            "column": "stock",
            "code": "import.below_reserved",
            "detail": outcome.errors[0]["detail"],
            "message": "库存低于已被订单占用的数量",
        }
    ]
    assert outcome.errors[0]["detail"].startswith("inventory.below_reserved: 第 5 行")
    after = await rows(ctx)
    # The first batch (商品1, 商品2) is written; the second (商品3, 商品4) is not, 商品3 included.
    assert [(s[2], s[5]) for s in after["skus"]] == [(2100, 3), (2200, 3), (1300, 5), (1400, 5)]
    assert after["skus"][2:] == before["skus"][2:]
    assert [h[:3] for h in await _history(ctx)] == [("C-1", 1100, 2100), ("C-2", 1200, 2200)]
    # Run again once the order is gone: the second batch is written, the first is a no-op.
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.release(s, ref="order:race", reason="cancelled")
    monkeypatch.setattr(importer, "plan_import", plan_import)
    outcome = await import_file(
        ctx, "b.csv", edited.encode(), ImportOptions(update=True), actor="t", rows_per_batch=2
    )
    assert outcome.errors == []
    assert [(s[2], s[5]) for s in (await rows(ctx))["skus"]] == [
        (2100, 3), (2200, 3), (2300, 3), (2400, 3),
    ]  # fmt: skip
    assert [h[:3] for h in await _history(ctx)][2:] == [("C-3", 1300, 2300), ("C-4", 1400, 2400)]


async def test_a_refused_file_changes_nothing(ctx: AppContext) -> None:
    header = "title,category,price,stock,spec,sku_code\n"
    text = header + "甲,杂货,10,5,,D-1\n"
    assert (await import_file(ctx, "a.csv", text.encode(), ImportOptions(), actor="t")).errors == []
    before = await snapshot(ctx)
    bad = header + "甲,杂货,abc,5,,D-1\n"
    outcome = await import_file(ctx, "b.csv", bad.encode(), ImportOptions(update=True), actor="t")
    assert [e["code"] for e in outcome.errors] == ["import.bad_price"]
    assert outcome.rows_written == 0
    assert await snapshot(ctx) == before
