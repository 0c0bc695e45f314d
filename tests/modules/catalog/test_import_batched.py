"""Product imports write a batch's new products in a few statements, whatever its size, with the
same rows as the console's one-product-at-a-time path; a batch that fails while writing leaves
nothing of itself; ``inventory.set_initial_stocks`` is all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.catalog_import import generate_csv, write_images

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.catalog.importer import ImportOptions, import_file
from shoplet.modules.inventory import public as inventory
from tests.conftest import StatementCounter, snapshot
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.catalog.test_import import rows


def _without_ids(got: dict[str, object]) -> dict[str, object]:
    skus = got["skus"]
    assert isinstance(skus, list)
    return {**got, "skus": [s[1:] for s in skus]}


async def test_a_batch_is_a_few_statements_and_the_rows_match_the_one_by_one_path(
    ctx: AppContext, tmp_path: Path, sql_counter: StatementCounter
) -> None:
    write_images(tmp_path)
    data = generate_csv(120).encode()
    options = ImportOptions(base_dir=tmp_path)
    # The first 60 rows one product at a time (the console's path), to learn the categories
    # and images, then the whole file batched: its new products in one batch.
    first = data.decode().splitlines()
    cut = next(n for n in range(61, 120) if first[n].split(",")[1])  # a product's first row
    head = ("\n".join(first[:cut]) + "\n").encode()
    done = await import_file(ctx, "a.csv", head, options, actor="t", batched=False)
    assert done.errors == []
    one_by_one = _without_ids(await rows(ctx))
    sql_counter.reset()
    outcome = await import_file(ctx, "b.csv", data, options, actor="t", rows_per_batch=10_000)
    assert outcome.errors == []
    assert outcome.counts.skus_skipped == cut - 1
    created = outcome.counts.products_created
    assert created > 20
    writes = [
        " ".join(s.split()[:3])
        for s in sql_counter.statements
        if not s.lstrip().upper().startswith("SELECT") and "catalog_media" not in s
    ]
    # Products and SKUs (batched by the flush), stock, ledger, the outbox event: not per product.
    assert writes.count("INSERT INTO inventory_stock") == 1
    assert writes.count("INSERT INTO inventory_ledger") == 1
    if ctx.engine.dialect.name == "postgresql":
        # SQLite gets a row per INSERT from the ORM (it cannot promise RETURNING's order), at
        # no round-trip cost; PostgreSQL gets one statement per table.
        assert len(writes) <= 8, writes
    got = _without_ids(await rows(ctx))
    # What the one-by-one import wrote is there unchanged, first, and the rest follows the file.
    for key in ("products", "skus", "ledger"):
        before, after = one_by_one[key], got[key]
        assert isinstance(before, list)
        assert isinstance(after, list)
        assert after[: len(before)] == before
    ledger = got["ledger"]
    assert isinstance(ledger, list)
    assert len(ledger) == outcome.rows
    assert {k for k, _ in ledger} == {"initial"}
    stock = [int(line.split(",")[3]) for line in first[1:]]
    assert [d for _, d in ledger] == stock


async def test_a_batch_that_fails_while_writing_leaves_nothing_of_itself(ctx: AppContext) -> None:
    category = await make_category(ctx, "杂货")
    text = (
        "title,category,price,stock,spec,sku_code,barcode\n"
        "甲,杂货,10,1,,A-1,\n"
        "乙,杂货,10,2,,B-1,6901234567892\n"
    ).encode()
    options = ImportOptions()
    # Another writer takes the barcode after the check: the plan is made, then the batch fails.
    from shoplet.modules.catalog import importer

    plan_import = importer.plan_import

    async def plan_then_race(*args: object, **kwargs: object) -> object:
        planned = await plan_import(*args, **kwargs)  # type: ignore[arg-type]
        await make_product(ctx, category, title="别家", skus=[sku(100, barcode="6901234567892")])
        return planned

    importer.plan_import = plan_then_race  # type: ignore[assignment]
    try:
        before_race = await snapshot(ctx)
        with pytest.raises(Exception, match="barcode"):
            await import_file(ctx, "x.csv", text, options, actor="t")
    finally:
        importer.plan_import = plan_import
    after = await snapshot(ctx)
    assert [r for r in after["catalog_product"] if "别家" not in repr(r)] == before_race[
        "catalog_product"
    ]
    assert len(after["inventory_stock"]) == len(before_race["inventory_stock"]) + 1


async def test_set_initial_stocks_is_all_or_nothing(ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, skus=[sku(100, stock=5)])
    held = product.skus[0].id
    before = await snapshot(ctx)
    with pytest.raises(inventory.StockExists):
        async with unit_of_work(ctx.sessionmaker) as s:
            await inventory.set_initial_stocks(s, {held + 1000: 3, held: 7}, actor="t")
    with pytest.raises(inventory.InvalidQuantity):
        async with unit_of_work(ctx.sessionmaker) as s:
            await inventory.set_initial_stocks(s, {held + 1000: -1}, actor="t")
    assert await snapshot(ctx) == before
    async with unit_of_work(ctx.sessionmaker) as s:
        made = await inventory.set_initial_stocks(s, {held + 1001: 0, held + 1000: 3}, actor="t")
        assert [(x.sku_id, x.on_hand) for x in made] == [(held + 1000, 3), (held + 1001, 0)]
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, [held + 1000, held + 1001])
        assert {k: v.on_hand for k, v in levels.items()} == {held + 1000: 3, held + 1001: 0}
