"""Sync stock from a partner's ERP into Shoplet: read the ERP's counts (a CSV of
``sku_id,on_hand``), compare with Shoplet's, and adjust the difference.

    SHOPLET_URL=http://127.0.0.1:8000 SHOPLET_APP_KEY=ak_... SHOPLET_APP_SECRET=... \\
        python sdk/python/examples/sync_stock.py counts.csv

Each adjustment's Idempotency-Key is derived from the run and the SKU, so running the same
file again after a crash re-sends the same keys and nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shoplet_open import ShopletOpen, ShopletOpenError


def read_counts(path: Path) -> dict[int, int]:
    with path.open(newline="", encoding="utf-8") as f:
        return {int(row["sku_id"]): int(row["on_hand"]) for row in csv.DictReader(f)}


async def sync(shop: ShopletOpen, counts: dict[int, int], run_id: str) -> list[str]:
    report = []
    for sku_id, wanted in sorted(counts.items()):
        try:
            stock = await shop.get(f"/skus/{sku_id}/stock")
        except ShopletOpenError as exc:
            report.append(f"{sku_id}: skipped ({exc.code})")
            continue
        delta = wanted - stock["on_hand"]
        if delta == 0:
            report.append(f"{sku_id}: in sync ({wanted})")
            continue
        try:
            after = await shop.adjust_stock(
                sku_id, delta=delta, reason="ERP 盘点同步", idempotency_key=f"{run_id}-{sku_id}"
            )
        except ShopletOpenError as exc:
            report.append(f"{sku_id}: refused ({exc.code})")
            continue
        report.append(f"{sku_id}: {stock['on_hand']} -> {after['on_hand']}")
    return report


async def main(counts: dict[int, int], run_id: str) -> None:
    async with ShopletOpen(
        os.environ.get("SHOPLET_URL", "http://127.0.0.1:8000"),
        os.environ["SHOPLET_APP_KEY"],
        os.environ["SHOPLET_APP_SECRET"],
    ) as shop:
        for line in await sync(shop, counts, run_id):
            sys.stdout.write(f"{line}\n")


if __name__ == "__main__":
    source = Path(sys.argv[1])
    run = "sync-" + hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    asyncio.run(main(read_counts(source), run))
