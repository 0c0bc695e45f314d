"""Product imports: ``shoplet catalog import`` (CSV, XLSX, BOM, GBK), the checks before any
write, the import key (re-imports), and a server in another process seeing the new products."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.catalog_import import generate_csv
from openpyxl import Workbook
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from shoplet.cli import app as cli_app
from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.catalog.importer import ImportOptions, import_file
from shoplet.modules.catalog.models import Category, Product, Sku
from shoplet.modules.catalog.product_import import MESSAGES, parse_price, parse_products, parse_spec
from shoplet.modules.inventory.models import LedgerEntryRow
from shoplet.modules.inventory.public import get_levels
from tests.conftest import TEST_PII_KEY, TEST_SECRET, snapshot
from tests.modules.catalog.factories import make_category, make_product, sku

HEADER = "title,category,price,stock,spec,sku_code,barcode,brand,tags,image,subtitle\n"
GOOD = HEADER + (
    "小米电饭煲 3L,家电/厨房电器,299,10,,MI-RC-3L,6901234567892,"
    '小米,"厨房,电饭煲",red.png,智能预约\n'
    '纯棉T恤,服饰/男装,"¥1,059.50",5,颜色:红;尺码:M,TS-R-M,,,,red.png,\n'
    "无图商品,杂货,1.5,0,,,,,,,\n"
    "纯棉T恤,,59,7,颜色:红;尺码:L,TS-R-L,,,,,\n"
)


def cli_env(ctx: AppContext) -> dict[str, str]:
    settings = ctx.settings
    env = {
        "SHOPLET_ENV": "test",
        "SHOPLET_DATABASE_URL": settings.resolved_database_url,
        "SHOPLET_DATA_DIR": str(settings.data_dir),
        "SHOPLET_SECRET_KEY": TEST_SECRET,
        "SHOPLET_PII_KEY": TEST_PII_KEY,
        "SHOPLET_REDIS_PREFIX": settings.redis_prefix,
        "SHOPLET_LOG_JSON": "false",
        "SHOPLET_CATALOG_IMPORT_IMAGE_HOSTS": "img.example.com",
    }
    if settings.redis_url:
        env["SHOPLET_REDIS_URL"] = settings.redis_url
    return env


async def run_cli(ctx: AppContext, *args: str) -> Any:
    """``shoplet catalog import …`` in this process, on its own event loop and AppContext (as a
    separate command would be), against the test's database."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, cli_app, ["catalog", "import", *args], env=cli_env(ctx)
    )


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    if not (folder / "red.png").exists():
        Image.new("RGB", (64, 64), (200, 30, 30)).save(folder / "red.png")
    return path


async def rows(ctx: AppContext) -> dict[str, Any]:
    async with ctx.sessionmaker() as s:
        products = (await s.scalars(select(Product).order_by(Product.id))).all()
        skus = (await s.scalars(select(Sku).order_by(Sku.id))).all()
        categories = (await s.scalars(select(Category).order_by(Category.id))).all()
        levels = await get_levels(s, [k.id for k in skus])
        ledger = (await s.scalars(select(LedgerEntryRow).order_by(LedgerEntryRow.id))).all()
    names = {c.id: c.name for c in categories}
    return {
        "products": [
            (p.title, names[p.category_id], p.status, p.min_price, p.brand, p.tags, len(p.images))
            for p in products
        ],
        "skus": [
            (
                k.product_id,
                [(d["name"], d["value"]) for d in k.specs],
                k.price,
                k.sku_code,
                k.barcode,
                levels[k.id].on_hand,
            )
            for k in skus
        ],
        "categories": [(c.name, names.get(c.parent_id or 0)) for c in categories],
        "ledger": [(e.kind, e.delta_on_hand) for e in ledger],
    }


def test_prices_and_specs_are_read_strictly() -> None:
    assert [parse_price(v) for v in ("5999", "5999.00", "5999.5", "¥5,999.00", "￥1,234,567")] == [
        599900,
        599900,
        599950,
        599900,
        123456700,
    ]
    assert [parse_price(v) for v in (5999, 59.9, 0.1 + 0.2)] == [599900, 5990, None]
    for bad in ("5,99", "5999.001", "-1", "1e3", "5999元", "", "¥", "1,2345"):
        assert parse_price(bad) is None, bad
    assert parse_spec("颜色：红；尺码:XL") == [("颜色", "红"), ("尺码", "XL")]
    assert parse_spec("") == []
    for bad in ("颜色红", "颜色:", "颜色:红;颜色:蓝", ":红"):
        assert parse_spec(bad) is None, bad


async def test_cli_imports_a_csv_with_multi_sku_products(
    ctx: AppContext, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    await make_category(ctx, "杂货")
    path = write(tmp_path, "products.csv", GOOD)
    result = await run_cli(ctx, str(path))
    assert result.exit_code == 0, result.output
    assert "products 3 created (1 drafts without image), 0 updated" in result.stdout
    assert "SKUs 4 created, 0 updated, 0 skipped; categories 4 created" in result.stdout
    assert "imported 4/4 rows" in result.stdout
    got = await rows(ctx)
    assert got["products"] == [
        ("小米电饭煲 3L", "厨房电器", "on_sale", 29900, "小米", ["厨房", "电饭煲"], 1),
        ("纯棉T恤", "男装", "on_sale", 5900, "", [], 1),
        ("无图商品", "杂货", "draft", 150, "", [], 0),
    ]
    ids = [p["id"] for p in (await client.get("/api/v1/products")).json()["items"]]
    assert len(ids) == 2
    first, tee, plain = sorted({s[0] for s in got["skus"]})
    assert got["skus"] == [
        (first, [], 29900, "MI-RC-3L", "6901234567892", 10),
        (tee, [("颜色", "红"), ("尺码", "M")], 105950, "TS-R-M", None, 5),
        (tee, [("颜色", "红"), ("尺码", "L")], 5900, "TS-R-L", None, 7),
        (plain, [], 150, None, None, 0),
    ]
    assert got["categories"] == [
        ("杂货", None),
        ("家电", None),
        ("厨房电器", "家电"),
        ("服饰", None),
        ("男装", "服饰"),
    ]
    assert got["ledger"] == [("initial", 10), ("initial", 5), ("initial", 7), ("initial", 0)]
    # The local image went through the media pipeline: the product shows an uploaded image.
    detail = (await client.get(f"/api/v1/products/{first}")).json()
    assert detail["images"][0].startswith("/media/catalog/")

    # The same file again changes nothing (the import key: sku_code, else title + specs).
    before = await snapshot(ctx, "catalog_product", "catalog_sku", "inventory_stock")
    again = await run_cli(ctx, str(path))
    assert again.exit_code == 0, again.output
    assert "products 0 created" in again.stdout
    assert "SKUs 0 created, 0 updated, 4 skipped; categories 0 created" in again.stdout
    assert await snapshot(ctx, "catalog_product", "catalog_sku", "inventory_stock") == before


async def test_cli_update_changes_prices_and_stock_through_the_ledger(
    ctx: AppContext, tmp_path: Path
) -> None:
    path = write(tmp_path, "products.csv", GOOD)
    assert (await run_cli(ctx, str(path))).exit_code == 0
    changed = GOOD.replace("纯棉T恤,,59,7,", "纯棉T恤,,69,3,").replace(
        "无图商品,杂货,1.5,0,,,,,,,", "无图商品,杂货,1.5,0,,,,,,,\n无图商品,,2,4,,,,,,,"
    )
    # A second row of 无图商品 with the same (no) specs is a duplicate combination.
    bad = await run_cli(ctx, str(write(tmp_path, "changed.csv", changed)))
    assert bad.exit_code == 2
    assert "import.duplicate_spec" in bad.stderr
    changed = (
        GOOD.replace("纯棉T恤,,59,7,", "纯棉T恤,,69,3,") + "纯棉T恤,,79,2,颜色:蓝;尺码:L,,,,,,\n"
    )
    result = await run_cli(ctx, str(write(tmp_path, "changed.csv", changed)), "--update")
    assert result.exit_code == 0, result.output
    assert "products 0 created (0 drafts without image), 3 updated" in result.stdout
    assert "SKUs 1 created, 4 updated, 0 skipped" in result.stdout
    got = await rows(ctx)
    tee = got["skus"][1][0]
    tee_skus = [s for s in got["skus"] if s[0] == tee]
    assert [(s[1][0][1], s[2], s[5]) for s in tee_skus] == [
        ("红", 105950, 5),
        ("红", 6900, 3),
        ("蓝", 7900, 2),
    ]
    assert got["ledger"][4:] == [("initial", 2), ("adjust", -4)]


async def test_cli_bad_rows_exit_2_list_every_line_and_change_nothing(
    ctx: AppContext, tmp_path: Path
) -> None:
    category = await make_category(ctx, "手机")
    await make_product(ctx, category)  # holds barcode 6901234567892
    text = HEADER + (
        "好商品,手机,10,1,,,,,,,\n"
        "坏价格,手机,abc,1,,,,,,,\n"
        ",手机,10,1,,,,,,,\n"
        "坏库存,手机,10,-3,,,,,,,\n"
        "重复条码,手机,10,1,,,6901234567892,,,,\n"
        "坏规格,手机,10,1,颜色红,,,,,,\n"
        "远程图,手机,10,1,,,,,,https://evil.example.net/a.jpg,\n"
        "缺图,手机,10,1,,,,,,missing.png,\n"
        "坏分类,a/b/c,10,1,,,,,,,\n"
    )
    path = write(tmp_path, "bad.csv", text)
    before = await snapshot(ctx)
    result = await run_cli(ctx, str(path))
    assert result.exit_code == 2
    assert "nothing was imported" in result.stderr
    listed = [line.split("]")[0] for line in result.stderr.splitlines() if line.startswith("  第")]
    assert listed == [
        "  第 3 行 [price",
        "  第 4 行 [title",
        "  第 5 行 [stock",
        "  第 6 行 [barcode",
        "  第 7 行 [spec",
        "  第 8 行 [image",
        "  第 9 行 [image",
        "  第 10 行 [category",
    ]
    for code in (
        "import.bad_price",
        "import.missing_value",
        "import.bad_stock",
        "import.barcode_taken",
        "import.bad_spec",
        "import.image_url_not_allowed",
        "import.bad_image",
        "import.bad_category",
    ):
        assert code in result.stderr
    assert "价格格式不正确" in result.stderr
    assert await snapshot(ctx) == before

    missing = await run_cli(ctx, str(write(tmp_path, "cols.csv", "title,price\nA,1\n")))
    assert missing.exit_code == 2
    assert "catalog.bulk_file_invalid" in missing.stderr
    assert await snapshot(ctx) == before


async def test_cli_reads_xlsx(ctx: AppContext, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["标题", "分类", "价格", "库存", "规格", "商家编码", "图片"])
    sheet.append(
        ["保温杯", "家居", 89.9, 12, "容量:500ml", "CUP-500", "https://img.example.com/c.jpg"]
    )
    sheet.append(["保温杯", None, 99, 3, "容量:750ml", "CUP-750", None])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "products.xlsx"
    path.write_bytes(out.getvalue())
    result = await run_cli(ctx, str(path))
    assert result.exit_code == 0, result.output
    got = await rows(ctx)
    assert got["products"] == [("保温杯", "家居", "on_sale", 8990, "", [], 1)]
    assert [(s[1], s[2], s[3], s[5]) for s in got["skus"]] == [
        ([("容量", "500ml")], 8990, "CUP-500", 12),
        ([("容量", "750ml")], 9900, "CUP-750", 3),
    ]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("gbk", False)])
async def test_csv_with_bom_or_in_gbk(
    ctx: AppContext, tmp_path: Path, encoding: str, bom: bool
) -> None:
    text = ("\ufeff" if bom else "") + "标题,分类,价格,库存\n电热水壶,家电/厨房电器,129,8\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("utf-8" if bom else encoding))
    data = path.read_bytes()
    outcome = await import_file(ctx, "gbk.csv", data, ImportOptions(), actor="test")
    assert outcome.errors == []
    got = await rows(ctx)
    assert got["products"] == [("电热水壶", "厨房电器", "draft", 12900, "", [], 0)]
    assert got["categories"] == [("家电", None), ("厨房电器", "家电")]


async def test_keys_that_are_ambiguous_or_taken_are_refused(ctx: AppContext) -> None:
    phones = await make_category(ctx, "手机")
    other = await make_category(ctx, "配件", parent_id=phones)
    await make_category(ctx, "配件")  # two categories named 配件
    for _ in range(2):
        await make_product(ctx, phones, title="同名", skus=[sku(100)])
    coded = await make_product(ctx, other, title="甲", skus=[sku(100, ("色", "红"))])
    async with ctx.sessionmaker() as s:
        row = await s.get(Sku, coded.skus[0].id)
        assert row is not None
        row.sku_code = "A-1"
        await s.commit()
    text = (
        "title,category,price,stock,spec,sku_code\n"
        "同名,手机,10,1,,\n"
        "乙,配件,10,1,,\n"
        "甲,手机/配件,10,1,尺码:M,\n"
        "丙,手机,10,1,色:红,A-1\n"
    ).encode()
    before = await snapshot(ctx)
    outcome = await import_file(ctx, "x.csv", text, ImportOptions(), actor="test")
    assert [(e["row"], e["column"], e["code"]) for e in outcome.errors] == [
        (2, "title", "import.ambiguous_title"),
        (3, "category", "import.ambiguous_category"),
        (4, "spec", "import.spec_names_differ"),
    ]
    assert await snapshot(ctx) == before
    # Row 5's code belongs to 甲: the row is 甲's SKU (renamed to 丙 only with update).
    renamed = "title,category,price,stock,spec,sku_code\n丙,手机,10,1,色:红,A-1\n".encode()
    ok = await import_file(ctx, "x.csv", renamed, ImportOptions(update=True), actor="test")
    assert ok.errors == []
    assert (ok.counts.products_updated, ok.counts.skus_updated) == (1, 1)
    got = await rows(ctx)
    assert ("丙", "手机", "on_sale", 1000, "", [], 2) in got["products"]


async def test_products_show_on_a_running_server_after_an_import(
    ctx: AppContext, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The import runs in another context (its own cache, as a separate process); the server
    drops its cached list when the outbox delivers ``catalog.products_imported``."""
    empty = await client.get("/api/v1/products")
    assert empty.json()["items"] == []
    path = write(tmp_path, "products.csv", GOOD)
    assert (await run_cli(ctx, str(path))).exit_code == 0
    await drain_outbox(ctx)
    listed = (await client.get("/api/v1/products")).json()["items"]
    assert sorted(p["title"] for p in listed) == ["小米电饭煲 3L", "纯棉T恤"]


def test_row_messages_match_the_shared_glossary() -> None:
    """The command line prints the same Chinese text the console shows (errors.ts)."""
    text = (Path(__file__).resolve().parents[3] / "frontends/shared/src/errors.ts").read_text()
    for code, message in MESSAGES.items():
        assert f"'{code}': '{message}'," in text, code


def test_bench_file_is_seeded_and_valid() -> None:
    text = generate_csv(500)
    assert text == generate_csv(500)
    parsed = parse_products("bench.csv", text.encode(), max_rows=500)
    assert parsed.errors == []
    assert parsed.rows == 500
    assert sum(len(p.skus) for p in parsed.products) == 500
    assert any(len(p.skus) > 1 for p in parsed.products)


async def test_a_spec_held_under_another_code_is_refused(ctx: AppContext) -> None:
    category = await make_category(ctx, "手机")
    product = await make_product(ctx, category, title="甲", skus=[sku(100, ("色", "红"))])
    async with ctx.sessionmaker() as s:
        row = await s.get(Sku, product.skus[0].id)
        assert row is not None
        row.sku_code = "A-1"
        await s.commit()
    before = await snapshot(ctx)
    text = "title,category,price,stock,spec,sku_code\n甲,手机,10,1,色:红,B-2\n".encode()
    outcome = await import_file(ctx, "x.csv", text, ImportOptions(update=True), actor="test")
    assert [(e["row"], e["column"], e["code"]) for e in outcome.errors] == [
        (2, "spec", "import.duplicate_spec")
    ]
    assert await snapshot(ctx) == before
