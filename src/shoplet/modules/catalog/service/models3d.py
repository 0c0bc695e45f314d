"""A product's 3D model: the upload (checked, stored, recorded) and its 360° sprite job.

- ``save_model`` checks the GLB (``model3d.check_glb``, in a worker thread), stores it
  content-addressed under ``catalog/`` (served from ``/media`` with the immutable Cache-Control
  like every pipeline file), replaces the product's ``catalog_model`` row with one waiting for
  its sprite (``queued``) and writes the storefront's view of it onto the product
  (``catalog_product.model3d``: the GLB at once, poster and sprite null). Bad files are refused
  before anything is stored or written.
- The job ``catalog.render_models`` (tasks.py, every two seconds) takes the oldest waiting model
  with a conditional UPDATE (one worker wins), renders ``turntable.FRAMES`` frames a few at a
  time in a thread, records ``frames_done`` after each step in its own short transaction (the
  console polls it), then stores the sheet and poster and, while the row still names the file
  it rendered (a newer upload wins), marks it ``ready`` and completes ``model3d``. A model whose
  render stops moving for ``STALE_AFTER`` (a dead worker) is taken again.
- Every write of ``model3d`` drops the product's cached detail and the list pages after commit,
  as media changes through the product editor do.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.storage import MEDIA_URL_PREFIX, Storage, content_key, get_storage
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import ModelNotFound, ProductNotFound
from shoplet.modules.catalog.media import MEDIA_FOLDER
from shoplet.modules.catalog.models import ProductModel
from shoplet.modules.catalog.schemas import ModelSprite, ProductModel3D, ProductModelAdmin

from ._common import CACHE_PRODUCT, CACHE_PRODUCT_LIST, CACHE_PRODUCT_STOCK

if TYPE_CHECKING:
    from PIL import Image

    # They load NumPy: imported by the functions that check or draw a model, not at start-up.
    from shoplet.modules.catalog import model3d, turntable

log = structlog.get_logger("shoplet.catalog.models3d")

GLB_CONTENT_TYPE = "model/gltf-binary"
FRAMES_PER_STEP = 4
STALE_AFTER = timedelta(minutes=2)
MAX_ALT = 100


def _url(key: str) -> str:
    return f"{MEDIA_URL_PREFIX}/{key}"


def _key(url: str) -> str:
    return url.removeprefix(MEDIA_URL_PREFIX + "/")


def default_alt(title: str) -> str:
    return f"{title} 的 3D 模型"[:MAX_ALT]


def _drop_cached(session: AsyncSession, product_id: int) -> None:
    invalidate_after_commit(session, CACHE_PRODUCT, product_id)
    invalidate_after_commit(session, CACHE_PRODUCT_STOCK, product_id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)


def _storefront_view(row: ProductModel) -> dict[str, Any]:
    """What ``catalog_product.model3d`` keeps: the storefront's ``ProductModel3D``."""
    sprite = row.sprite or None
    return {
        "url": row.url,
        "alt": row.alt,
        "poster": sprite["poster"] if sprite else None,
        "sprite": {k: v for k, v in sprite.items() if k != "poster"} if sprite else None,
    }


def model3d_of(data: dict[str, Any] | None) -> ProductModel3D | None:
    """The storefront's model from the product row's JSON (written here: not validated again)."""
    if not data:
        return None
    sprite = data.get("sprite")
    return ProductModel3D.model_construct(
        url=data["url"],
        alt=data.get("alt", ""),
        poster=data.get("poster"),
        sprite=ModelSprite.model_construct(**sprite) if sprite else None,
    )


def model_admin(row: ProductModel) -> ProductModelAdmin:
    view = model3d_of(_storefront_view(row)) or ProductModel3D(
        url=row.url, alt=row.alt, poster=None, sprite=None
    )
    return ProductModelAdmin(
        product_id=row.product_id,
        url=row.url,
        size=row.size,
        alt=row.alt,
        triangles=int(row.summary.get("triangles", 0)),
        bounds_min=list(row.summary.get("bounds_min", [])),
        bounds_max=list(row.summary.get("bounds_max", [])),
        status=row.status,  # type: ignore[arg-type]  # CHECK constraint keeps it in range
        frames_done=row.frames_done,
        frames_total=row.frames_total,
        error=row.error,
        model3d=view,
        created_at=row.created_at,
        updated_at=row.updated_at,
        rendered_at=row.rendered_at,
    )


async def save_model(
    session: AsyncSession,
    storage: Storage,
    product_id: int,
    data: bytes,
    *,
    alt: str = "",
    now: datetime | None = None,
) -> tuple[ProductModelAdmin, model3d.CheckedModel]:
    """Check ``data`` as the product's GLB, store it and queue its sprite. Raises
    ``ProductNotFound`` or a ``catalog.model_*`` error with nothing stored or written."""
    from shoplet.modules.catalog import model3d, turntable

    product = await repo.get_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    checked = await asyncio.to_thread(model3d.check_glb, data)
    key = content_key(MEDIA_FOLDER, data, "glb")
    if await storage.size(key) != len(data):
        await storage.put(key, data)
    now = now or utcnow()
    await repo.upsert_model(
        session,
        {
            "product_id": product_id,
            "url": _url(key),
            "size": len(data),
            "alt": alt.strip()[:MAX_ALT] or default_alt(product.title),
            "summary": checked.summary,
            "status": "queued",
            "frames_done": 0,
            "frames_total": turntable.FRAMES,
            "sprite": None,
            "error": None,
            "created_at": now,
            "updated_at": now,
            "rendered_at": None,
        },
    )
    row = await _written(session, product_id)
    await repo.set_product_model3d(session, product_id, _storefront_view(row), now=now)
    _drop_cached(session, product_id)
    return model_admin(row), checked


async def _written(session: AsyncSession, product_id: int) -> ProductModel:
    """The row this transaction just wrote."""
    row = await repo.get_model(session, product_id)
    if row is None:
        raise ModelNotFound(f"product {product_id} has no 3D model")
    return row


async def get_model(session: AsyncSession, product_id: int) -> ProductModelAdmin:
    row = await repo.get_model(session, product_id)
    if row is None:
        raise ModelNotFound(f"product {product_id} has no 3D model")
    return model_admin(row)


async def remove_model(session: AsyncSession, product_id: int) -> None:
    """Take the model off the product (the files stay: content-addressed, maybe shared)."""
    if not await repo.delete_model(session, product_id):
        raise ModelNotFound(f"product {product_id} has no 3D model")
    await repo.set_product_model3d(session, product_id, None, now=utcnow())
    _drop_cached(session, product_id)


async def store_sprite(
    session: AsyncSession, storage: Storage, product_id: int, url: str, sprite: turntable.Sprite
) -> bool:
    """Store a rendered sprite and, while the product's model is still ``url`` and rendering,
    mark it ready and complete ``model3d``. False: a newer upload replaced it."""
    stored: dict[str, Any] = {
        "frames": sprite.frames,
        "columns": sprite.columns,
        "rows": sprite.rows,
        "frame_size": sprite.frame_size,
    }
    for name, data in (("url", sprite.sheet), ("poster", sprite.poster)):
        key = content_key(MEDIA_FOLDER, data, "webp")
        if await storage.size(key) != len(data):
            await storage.put(key, data)
        stored[name] = _url(key)
    now = utcnow()
    if not await repo.end_model_render(
        session, product_id, url, sprite=stored, error=None, now=now
    ):
        return False
    row = await _written(session, product_id)
    await repo.set_product_model3d(session, product_id, _storefront_view(row), now=now)
    _drop_cached(session, product_id)
    return True


async def claim_model(session: AsyncSession, product_id: int, url: str) -> bool:
    """Take the render of the product's model ``url`` (the seed renders inline with it)."""
    now = utcnow()
    return await repo.claim_model_render(
        session, product_id, url, stale_before=now - STALE_AFTER, now=now
    )


# --- the job ------------------------------------------------------------------------------------


async def render_model(ctx: AppContext, product_id: int, url: str) -> bool:
    """Render the sprite of ``url``, the product's model, if this run wins its claim. True when
    the sprite was recorded."""
    from shoplet.modules.catalog import model3d, turntable

    async with unit_of_work(ctx.sessionmaker) as session:
        if not await claim_model(session, product_id, url):
            return False
    storage = get_storage(ctx, "media")
    try:
        checked = await asyncio.to_thread(model3d.check_glb, await storage.read(_key(url)))
        frames: list[Image.Image] = []
        while len(frames) < turntable.FRAMES:
            step = range(len(frames), min(len(frames) + FRAMES_PER_STEP, turntable.FRAMES))
            frames += await asyncio.to_thread(turntable.render_frames, checked.geometry, step)
            async with unit_of_work(ctx.sessionmaker) as session:
                still_ours = await repo.advance_model_render(
                    session, product_id, url, done=len(frames), now=utcnow()
                )
            if not still_ours:
                return False  # replaced or removed meanwhile: the newer upload renders itself
        sprite = await asyncio.to_thread(turntable.compose_sprite, frames)
        async with unit_of_work(ctx.sessionmaker) as session:
            return await store_sprite(session, storage, product_id, url, sprite)
    except ShopletError as exc:
        await _fail(ctx, product_id, url, f"{exc.code}: {exc.detail}")
    except Exception as exc:
        log.exception("model_render_failed", product_id=product_id)
        await _fail(ctx, product_id, url, f"{type(exc).__name__}: the sprite could not be drawn")
    return False


async def _fail(ctx: AppContext, product_id: int, url: str, error: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.end_model_render(
            session, product_id, url, sprite=None, error=error[:500], now=utcnow()
        )


async def render_waiting_models(ctx: AppContext) -> int:
    """Render every model waiting for its sprite, oldest first; how many were rendered."""
    rendered = 0
    tried: set[tuple[int, str]] = set()
    while True:
        async with read_session(ctx.sessionmaker) as session:
            found = await repo.next_model_to_render(session, stale_before=utcnow() - STALE_AFTER)
        if found is None or found in tried:
            return rendered
        tried.add(found)
        rendered += await render_model(ctx, *found)


async def save_model_rendered(
    session: AsyncSession, storage: Storage, product_id: int, data: bytes, *, alt: str = ""
) -> ProductModelAdmin:
    """``save_model``, then the sprite drawn at once in this transaction (the demo seed: a few
    small models, ready without a worker)."""
    from shoplet.modules.catalog import turntable

    saved, checked = await save_model(session, storage, product_id, data, alt=alt)
    if not await claim_model(session, product_id, saved.url):
        raise RuntimeError(f"the model of product {product_id} could not be claimed")
    sprite = await asyncio.to_thread(turntable.render_sprite, checked.geometry)
    await store_sprite(session, storage, product_id, saved.url, sprite)
    return await get_model(session, product_id)
