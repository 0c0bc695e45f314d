"""3D models through the console: upload, the sprite job and its progress, the storefront's view,
refusals that change nothing, and the render claimed once among concurrent workers."""

from __future__ import annotations

import asyncio
import io
import json
import struct
from pathlib import Path

import httpx
import pytest
from PIL import Image

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import run_job
from shoplet.core.storage import get_storage
from shoplet.modules.catalog import model3d, turntable
from shoplet.modules.catalog.model3d import MAX_MODEL_BYTES
from shoplet.modules.catalog.service import models3d
from shoplet.modules.catalog.tasks import RENDER_MODELS_JOB
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, simple_product
from tests.modules.catalog.test_model3d import chair_glb, glb_of, glb_parts
from tests.modules.staff.conftest import audit_rows, bearer, token_for

API = "/api/v1/console"


async def upload_model(
    client: httpx.AsyncClient,
    token: str,
    product_id: int,
    data: bytes,
    *,
    alt: str | None = None,
    filename: str = "chair.glb",
) -> httpx.Response:
    return await client.post(
        f"{API}/products/{product_id}/model",
        files={"file": (filename, data, "model/gltf-binary")},
        data={"alt": alt} if alt is not None else None,
        headers=bearer(token),
    )


def stored_files(ctx: AppContext) -> list[Path]:
    root = ctx.settings.media_dir / "catalog"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def a_product(ctx: AppContext, title: str = "实木餐椅") -> int:
    category = await make_category(ctx, f"家具{title}")
    return await simple_product(ctx, category, title, 39900)


async def test_upload_then_job_draws_the_sprite_and_the_storefront_shows_it(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    product_id = await a_product(ctx)
    cached = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert cached["model3d"] is None  # now in the detail cache

    response = await upload_model(client, token, product_id, chair_glb(), alt="橡木餐椅，三维")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["url"].startswith("/media/catalog/")
    assert body["url"].endswith(".glb")
    assert (body["status"], body["frames_done"], body["frames_total"]) == ("queued", 0, 24)
    assert (body["triangles"], body["alt"]) == (204, "橡木餐椅，三维")
    assert body["bounds_max"] == pytest.approx([0.25, 0.48, 0.25])
    served = await client.get(body["url"])
    assert served.headers["content-type"] == "model/gltf-binary"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.content == chair_glb()
    # The cached detail was dropped: the GLB shows at once, poster and sprite once drawn.
    detail = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert detail["model3d"] == {
        "url": body["url"],
        "alt": "橡木餐椅，三维",
        "poster": None,
        "sprite": None,
    }
    (entry,) = await audit_rows(ctx, "product.model_upload")
    assert entry.detail["triangles"] == 204

    await run_job(ctx, RENDER_MODELS_JOB)

    status = (await client.get(f"{API}/products/{product_id}/model", headers=bearer(token))).json()
    assert (status["status"], status["frames_done"], status["error"]) == ("ready", 24, None)
    model = (await client.get(f"/api/v1/products/{product_id}")).json()["model3d"]
    assert model["sprite"] == {
        "url": model["sprite"]["url"],
        "frames": 24,
        "columns": 6,
        "rows": 4,
        "frame_size": turntable.FRAME_SIZE,
    }
    sheet = await client.get(model["sprite"]["url"])
    assert sheet.headers["cache-control"] == "public, max-age=31536000, immutable"
    with Image.open(io.BytesIO(sheet.content)) as image:
        assert image.size == (6 * turntable.FRAME_SIZE, 4 * turntable.FRAME_SIZE)
    poster = await client.get(model["poster"])
    assert poster.headers["content-type"] == "image/webp"
    card = (await client.get("/api/v1/products")).json()["items"][0]
    assert (card["id"], card["has_model"]) == (product_id, True)

    # Removed: the storefront forgets it.
    removed = await client.delete(f"{API}/products/{product_id}/model", headers=bearer(token))
    assert removed.status_code == 204
    assert (await client.get(f"/api/v1/products/{product_id}")).json()["model3d"] is None
    missing = await client.get(f"{API}/products/{product_id}/model", headers=bearer(token))
    assert missing.json()["code"] == "catalog.model_not_found"


async def test_the_alt_text_defaults_to_the_title(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    product_id = await a_product(ctx, "折叠月亮椅")

    body = (await upload_model(client, token, product_id, chair_glb())).json()

    assert body["alt"] == "折叠月亮椅 的 3D 模型"


async def assert_refused(
    client: httpx.AsyncClient,
    ctx: AppContext,
    token: str,
    product_id: int,
    data: bytes,
    *,
    code: str,
    status: int = 400,
) -> None:
    before = await snapshot(ctx)
    response = await upload_model(client, token, product_id, data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before
    assert stored_files(ctx) == []


async def test_bad_models_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    product_id = await a_product(ctx)
    document, binary = glb_parts(chair_glb())
    external = {**document, "images": [{"uri": "https://cdn.example.com/wood.png"}]}
    draco = {**document, "extensionsRequired": ["KHR_draco_mesh_compression"]}
    no_mesh = {"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}], "nodes": [{}]}

    cases = [
        (b"not a model at all", "catalog.model_invalid"),
        (b"glTF" + struct.pack("<II", 1, 32) + b"\x00" * 20, "catalog.model_invalid"),
        (glb_of(external, binary), "catalog.model_external_uri"),
        (glb_of(draco, binary), "catalog.model_compressed"),
        (glb_of(no_mesh, b""), "catalog.model_no_mesh"),
        (chair_glb(scale=1000), "catalog.model_bounds"),
    ]
    for data, code in cases:
        await assert_refused(client, ctx, token, product_id, data, code=code)
    too_large = b"glTF" + b"\x00" * MAX_MODEL_BYTES
    await assert_refused(
        client, ctx, token, product_id, too_large, code="catalog.model_too_large", status=413
    )
    before = await snapshot(ctx)
    unknown = await upload_model(client, token, 987654, chair_glb())
    assert unknown.json()["code"] == "catalog.product_not_found"
    assert await snapshot(ctx) == before
    assert stored_files(ctx) == []


async def test_support_staff_cannot_upload(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "sam", role="support")
    product_id = await a_product(ctx)
    before = await snapshot(ctx)

    response = await upload_model(client, token, product_id, chair_glb())

    assert response.status_code == 403
    assert await snapshot(ctx) == before


async def test_a_newer_upload_wins_over_a_render_of_the_old_file(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    product_id = await a_product(ctx)
    old = (await upload_model(client, token, product_id, chair_glb())).json()
    async with unit_of_work(ctx.sessionmaker) as session:
        assert await models3d.claim_model(session, product_id, old["url"])
    sprite = turntable.render_sprite(model3d.check_glb(chair_glb()).geometry, frames=2)

    new = (await upload_model(client, token, product_id, chair_glb(scale=1.5))).json()
    async with unit_of_work(ctx.sessionmaker) as session:
        stored = await models3d.store_sprite(
            session, get_storage(ctx, "media"), product_id, old["url"], sprite
        )

    assert stored is False
    status = (await client.get(f"{API}/products/{product_id}/model", headers=bearer(token))).json()
    assert (status["url"], status["status"]) == (new["url"], "queued")
    assert (await client.get(f"/api/v1/products/{product_id}")).json()["model3d"]["sprite"] is None


async def test_concurrent_workers_render_a_model_once(
    client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent writers: PostgreSQL")
    token = await token_for(client, ctx, "olivia", role="operator")
    product_id = await a_product(ctx)
    url = (await upload_model(client, token, product_id, chair_glb())).json()["url"]

    results = await asyncio.gather(
        *(models3d.render_model(ctx, product_id, url) for _ in range(12))
    )

    assert sorted(results) == [False] * 11 + [True]
    status = (await client.get(f"{API}/products/{product_id}/model", headers=bearer(token))).json()
    assert (status["status"], status["frames_done"]) == ("ready", 24)
    webps = [p for p in stored_files(ctx) if p.suffix == ".webp"]
    assert len(webps) == 2  # one sheet, one poster


def test_the_glb_fixture_is_json_first() -> None:
    document, _ = glb_parts(chair_glb())
    assert json.dumps(document)  # what the refusal cases edit
