from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.orders.exports import (
    EXPORT_JOB,
    HEADERS,
    MAX_OPEN_PER_STAFF,
    expire_exports,
    export_step,
)
from shoplet.modules.orders.models import ExportJob
from tests.conftest import snapshot
from tests.modules.orders.console_factories import (
    make_sku,
    paid_order,
    place_order,
)
from tests.modules.staff.conftest import (
    audit_rows,
    bearer,
    fetch_staff,
    stepped_up_owner,
    token_for,
)

API = "/api/v1/console"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def queue_export(client: httpx.AsyncClient, token: str, **filters: str | None) -> int:
    response = await client.post(f"{API}/exports/orders", json=filters, headers=bearer(token))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"
    assert body["status_url"] == f"{API}/exports/{body['job_id']}"
    job_id: int = body["job_id"]
    return job_id


async def status_of(client: httpx.AsyncClient, token: str, job_id: int) -> dict[str, object]:
    response = await client.get(f"{API}/exports/{job_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def download(client: httpx.AsyncClient, token: str, job_id: int) -> httpx.Response:
    return await client.get(f"{API}/exports/{job_id}/download", headers=bearer(token))


def parse(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_export_runs_in_batches_with_progress_and_downloads_as_excel_csv(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    tee = await make_sku(ctx, title="纯棉圆领T恤", price=4990)
    mug = await make_sku(ctx, title='=HYPERLINK("http://evil")', price=1500)
    first = await paid_order(app, ctx, tee, extra=mug, remark="+请放快递柜")
    second = await place_order(ctx, tee, member_id=1002, phone="13900139000", quantity=3)
    third = await place_order(ctx, mug, member_id=1003)

    job_id = await queue_export(client, olivia)

    queued = await status_of(client, olivia, job_id)
    assert {k: queued[k] for k in ("status", "progress", "total", "download_url")} == {
        "status": "queued",
        "progress": 0,
        "total": 0,
        "download_url": None,
    }
    assert queued["phones_masked"] is True
    assert queued["filters"] == {"status": None, "since": None, "until": None}
    not_yet = await download(client, olivia, job_id)
    assert not_yet.status_code == 409
    assert not_yet.json()["code"] == "console.export_not_ready"

    # Two rows per step: the four order lines take two parts, then an empty step finishes.
    progress = []
    for _ in range(5):
        done = await export_step(ctx, job_id, batch_size=2)
        state = await status_of(client, olivia, job_id)
        progress.append((state["status"], state["progress"], state["total"], done))
        if done:
            break
    assert progress == [
        ("running", 2, 4, False),
        ("running", 4, 4, False),
        ("done", 4, 4, True),
    ]

    state = await status_of(client, olivia, job_id)
    assert state["download_url"] == f"{API}/exports/{job_id}/download"
    response = await download(client, olivia, job_id)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="orders-{job_id}-')
    assert "filename*=UTF-8''%E8%AE%A2%E5%8D%95%E5%AF%BC%E5%87%BA" in disposition
    assert int(response.headers["content-length"]) == len(response.content) == state["size_bytes"]
    rows = parse(response.content)
    assert rows[0] == list(HEADERS)
    assert len(rows) == 5
    by_order = {(r[0].rstrip("\t"), r[19]) for r in rows[1:]}
    assert by_order == {
        (first, str(tee.sku_id)),
        (first, str(mug.sku_id)),
        (second, str(tee.sku_id)),
        (third, str(mug.sku_id)),
    }
    first_tee = next(r for r in rows[1:] if r[0].rstrip("\t") == first and r[20] == "纯棉圆领T恤")
    assert first_tee[0] == first + "\t"  # stays text in Excel
    assert first_tee[1:4] == ["待发货", "购物车", "1001"]
    assert first_tee[7:12] == ["64.90", "0.00", "0.00", "64.90", "0.00"]
    assert first_tee[12:16] == [
        "张三丰",
        "138****8000",
        "广东省深圳市南山区科技园科苑路15号讯美科技广场",
        "440305",
    ]
    # Shopper-typed text never runs as a formula.
    assert first_tee[16] == "'+请放快递柜"
    first_mug = next(r for r in rows[1:] if r[0].rstrip("\t") == first and r[19] == str(mug.sku_id))
    assert first_mug[20] == '\'=HYPERLINK("http://evil")'
    second_row = next(r for r in rows[1:] if r[0].rstrip("\t") == second)
    assert second_row[1] == "待付款"
    assert second_row[13] == "139****9000"
    assert second_row[22:25] == ["49.90", "3", "149.70"]
    created = (await status_of(client, olivia, job_id))["created_at"]
    assert isinstance(created, str)

    entries = await audit_rows(ctx)
    assert [(e.action, e.staff_id, e.target) for e in entries if e.action.startswith("export")] == [
        ("export.create", operator.id, f"export:{job_id}"),
        ("export.download", operator.id, f"export:{job_id}"),
    ]


async def test_owners_get_full_phone_numbers_which_operators_never_see(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    oscar = await token_for(client, ctx, "oscar", role="owner", step_up=True)
    olivia = await token_for(client, ctx, "olivia", role="operator")
    otto = await token_for(client, ctx, "otto", role="operator")
    tee = await make_sku(ctx, price=4990)
    await place_order(ctx, tee)

    owners = await queue_export(client, oscar)
    operators = await queue_export(client, olivia)
    await run_job(ctx, EXPORT_JOB)

    owner_rows = parse((await download(client, oscar, owners)).content)
    assert owner_rows[1][13] == "13800138000"
    assert (await status_of(client, oscar, owners))["phones_masked"] is False
    # An owner may fetch anyone's export; an operator only their own, never an owner's.
    assert parse((await download(client, oscar, operators)).content)[1][13] == "138****8000"
    before = await snapshot(ctx)
    for token, job_id in ((olivia, owners), (otto, operators)):
        for path in (f"{API}/exports/{job_id}", f"{API}/exports/{job_id}/download"):
            hidden = await client.get(path, headers=bearer(token))
            assert hidden.status_code == 404
            assert hidden.json()["code"] == "console.export_not_found"
    assert await snapshot(ctx) == before

    listed = await client.get(f"{API}/exports", headers=bearer(olivia))
    assert [j["id"] for j in listed.json()["items"]] == [operators]
    listed = await client.get(f"{API}/exports?limit=1", headers=bearer(oscar))
    assert [j["id"] for j in listed.json()["items"]] == [operators]
    rest = await client.get(
        f"{API}/exports?limit=1&cursor={listed.json()['next_cursor']}", headers=bearer(oscar)
    )
    assert [j["id"] for j in rest.json()["items"]] == [owners]
    assert rest.json()["next_cursor"] is None


async def test_exports_with_full_phone_numbers_need_a_step_up_to_create_and_download(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    plain, stepped_up = await stepped_up_owner(client, ctx, "oona")
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990)
    await place_order(ctx, tee)

    before = await snapshot(ctx)
    refused = await client.post(f"{API}/exports/orders", json={}, headers=plain)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert refused.json()["methods"] == ["totp"]
    assert await snapshot(ctx) == before

    created = await client.post(f"{API}/exports/orders", json={}, headers=stepped_up)
    assert created.status_code == 202, created.text
    owners = created.json()["job_id"]
    # An operator's export is masked: no step-up for it, even when an owner downloads it.
    operators = await queue_export(client, olivia)
    await run_job(ctx, EXPORT_JOB)

    before = await snapshot(ctx)
    refused = await client.get(f"{API}/exports/{owners}/download", headers=plain)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert await snapshot(ctx) == before  # no export.download audit entry either

    downloaded = await client.get(f"{API}/exports/{owners}/download", headers=stepped_up)
    assert downloaded.status_code == 200
    assert parse(downloaded.content)[1][13] == "13800138000"
    masked = await client.get(f"{API}/exports/{operators}/download", headers=plain)
    assert masked.status_code == 200
    assert parse(masked.content)[1][13] == "138****8000"
    assert (await download(client, olivia, operators)).status_code == 200
    # The status stays readable without a grant: it carries no phone number.
    assert (await client.get(f"{API}/exports/{owners}", headers=plain)).status_code == 200


async def test_filters_by_status_and_shanghai_days(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990)
    paid = await paid_order(app, ctx, tee)
    await place_order(ctx, tee, member_id=1002)
    today = utcnow().astimezone(SHANGHAI).date()
    yesterday = today - timedelta(days=1)

    paid_today = await queue_export(
        client, olivia, status="paid", since=today.isoformat(), until=today.isoformat()
    )
    until_yesterday = await queue_export(client, olivia, until=yesterday.isoformat())
    await run_job(ctx, EXPORT_JOB)

    rows = parse((await download(client, olivia, paid_today)).content)
    assert [r[0].rstrip("\t") for r in rows[1:]] == [paid]
    assert (await status_of(client, olivia, paid_today))["filters"] == {
        "status": "paid",
        "since": today.isoformat(),
        "until": today.isoformat(),
    }
    empty = await download(client, olivia, until_yesterday)
    assert parse(empty.content) == [list(HEADERS)]
    state = await status_of(client, olivia, until_yesterday)
    assert (state["status"], state["progress"], state["total"]) == ("done", 0, 0)


async def test_bad_export_requests_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    sam = await token_for(client, ctx, "sam", role="support")
    before = await snapshot(ctx)

    denied = await client.post(f"{API}/exports/orders", json={}, headers=bearer(sam))
    assert denied.status_code == 403
    assert denied.json()["code"] == "console.permission_denied"
    assert (await client.get(f"{API}/exports", headers=bearer(sam))).status_code == 403
    reversed_range = await client.post(
        f"{API}/exports/orders",
        json={"since": "2024-06-18", "until": "2024-06-01"},
        headers=bearer(olivia),
    )
    assert reversed_range.status_code == 400
    assert reversed_range.json()["code"] == "console.invalid_export_range"
    too_long = await client.post(
        f"{API}/exports/orders",
        json={"since": "2022-01-01", "until": "2024-06-01"},
        headers=bearer(olivia),
    )
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "console.invalid_export_range"
    for bad in (
        {"status": "lost"},
        {"since": "2024-02-30"},
        {"since": "18/06/2024"},
        {"since": 1718000000},
        {"until": "2024-06-18T00:00:00+08:00"},
        {"format": "xlsx"},
    ):
        response = await client.post(f"{API}/exports/orders", json=bad, headers=bearer(olivia))
        assert response.status_code == 422, bad
        assert response.json()["code"] == "request.invalid"
    missing = await client.get(f"{API}/exports/999", headers=bearer(olivia))
    assert missing.status_code == 404
    assert missing.json()["code"] == "console.export_not_found"
    assert await snapshot(ctx) == before

    for _ in range(MAX_OPEN_PER_STAFF):
        await queue_export(client, olivia)
    before = await snapshot(ctx)
    busy = await client.post(f"{API}/exports/orders", json={}, headers=bearer(olivia))
    assert busy.status_code == 409
    assert busy.json()["code"] == "console.too_many_exports"
    assert await snapshot(ctx) == before


async def test_a_crashed_run_resumes_without_losing_or_repeating_rows(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990)
    orders_placed = [await place_order(ctx, tee, member_id=2000 + i) for i in range(5)]
    job_id = await queue_export(client, olivia)

    assert await export_step(ctx, job_id, batch_size=2) is False
    # The worker died after writing part 2 but before recording it: part 2 is written again.
    async with ctx.sessionmaker() as s:
        job = (await s.execute(select(ExportJob).where(ExportJob.id == job_id))).scalar_one()
        assert (job.status, job.parts, job.progress) == ("running", 1, 2)
    # The scheduled job picks the running export up and finishes it.
    await run_job(ctx, EXPORT_JOB)

    rows = parse((await download(client, olivia, job_id)).content)
    assert sorted(r[0].rstrip("\t") for r in rows[1:]) == sorted(orders_placed)
    state = await status_of(client, olivia, job_id)
    assert (state["status"], state["progress"], state["total"]) == ("done", 5, 5)


async def test_finished_exports_expire_after_seven_days(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990)
    await place_order(ctx, tee)
    job_id = await queue_export(client, olivia)
    await run_job(ctx, EXPORT_JOB)
    files = ctx.settings.data_dir / "files" / "exports"
    assert len(list(files.rglob("*.csv"))) == 1

    assert await expire_exports(ctx, now=utcnow() + timedelta(days=6)) == 0
    assert await expire_exports(ctx, now=utcnow() + timedelta(days=8)) == 1

    assert list(files.rglob("*.csv")) == []
    state = await status_of(client, olivia, job_id)
    assert (state["status"], state["download_url"]) == ("expired", None)
    gone = await download(client, olivia, job_id)
    assert gone.status_code == 409
    assert gone.json()["code"] == "console.export_not_ready"


async def test_an_export_that_cannot_be_written_fails_and_says_why(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990)
    await place_order(ctx, tee)
    # The private storage directory cannot be created: a file sits where it should be.
    (ctx.settings.data_dir / "files").write_text("not a directory")
    job_id = await queue_export(client, olivia)

    await run_job(ctx, EXPORT_JOB)

    state = await status_of(client, olivia, job_id)
    assert (state["status"], state["progress"], state["download_url"]) == ("failed", 0, None)
    assert isinstance(state["error"], str)
    assert state["error"].startswith(("FileExistsError", "NotADirectoryError"))
    assert state["finished_at"] is not None
    refused = await download(client, olivia, job_id)
    assert refused.status_code == 409
    assert refused.json()["code"] == "console.export_not_ready"
    # A failed export no longer counts against the staff member's open exports.
    for _ in range(MAX_OPEN_PER_STAFF):
        await queue_export(client, olivia)
