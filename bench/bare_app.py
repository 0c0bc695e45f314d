"""The baseline: a bare FastAPI JSON endpoint, served with the same server settings as Shoplet.

The payload has the shape and size of a 20-item product list page, built once at import, so the
ratio ``shoplet / bare`` measures what Shoplet adds (middleware, database or cache, validation)
on top of the framework and server, not the cost of a bigger body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI(title="bare baseline", openapi_url=None, docs_url=None, redoc_url=None)

PAYLOAD: dict[str, Any] = {
    "items": [
        {
            "id": n,
            "title": f"纯棉圆领短袖T恤 男女同款 {n}",
            "subtitle": "透气舒适 多色可选",
            "image": f"/media/products/{n:040x}.png",
            "price": 5900 + n,
            "original_price": 9900,
            "sales_count": 1000 + n,
            "category_id": 3,
        }
        for n in range(1, 21)
    ],
    "next_cursor": "eyJrIjpbMjAsMjBdfQ",
}


@app.get("/bare")
async def bare() -> dict[str, Any]:
    """A static JSON document: framework + server only."""
    return PAYLOAD


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
