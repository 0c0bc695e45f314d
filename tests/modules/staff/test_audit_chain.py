"""The tamper-evident audit chain: every audit entry is a link (seq, prev_hash, SM3 hash),
checkpoints are SM2-signed, and `shoplet audit verify` names edited, deleted and reordered rows
and forged checkpoints by seq (exit code 1)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from shoplet.cli import app as cli_app
from shoplet.core import sm2
from shoplet.core.context import AppContext
from shoplet.modules.staff import audit, service
from shoplet.modules.staff.audit_chain import (
    GENESIS,
    ChainRow,
    Checkpoint,
    checkpoint_message,
    link_hash,
    verify_chain,
)
from shoplet.modules.staff.models import AuditCheckpoint, AuditLog
from shoplet.modules.staff.rbac import Origin
from tests.conftest import snapshot
from tests.modules.staff.conftest import bearer, token_for

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
KEY = sm2.Sm2Signer("1" * 64)
KEYS = {KEY.key_id: KEY.public_key}


# --- the pure chain --------------------------------------------------------------------------


def _chain(n: int) -> list[ChainRow]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        draft = ChainRow(
            seq=seq,
            prev_hash=prev,
            hash="",
            created_at=T0 + timedelta(minutes=seq),
            staff_id=seq % 3 or None,
            username=f"user{seq}",
            action="orders.ship",
            target=f"order:{seq}",
            detail={"n": seq, "note": "发货", "nested": {"b": 1, "a": [1, 2]}},
            ip="10.0.0.1",
            user_agent="ua",
        )
        row = ChainRow(**{**_fields(draft), "hash": link_hash(prev, draft)})
        rows.append(row)
        prev = row.hash
    return rows


def _fields(row: ChainRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in ChainRow.__slots__}


def _replace(row: ChainRow, **changes: object) -> ChainRow:
    return ChainRow(**{**_fields(row), **changes})  # type: ignore[arg-type]


def _sign(seq: int, chain_hash: str) -> Checkpoint:
    return Checkpoint(
        seq, chain_hash, KEY.key_id, KEY.sign(checkpoint_message(seq, chain_hash, T0)), T0
    )


def _check(
    rows: list[ChainRow], head: int = 8, points: list[Checkpoint] | None = None
) -> list[tuple[str, int]]:
    report = verify_chain(
        rows, head_seq=head, checkpoints=points or [], keys=KEYS, verify_signature=sm2.verify
    )
    return [(p.kind, p.seq) for p in report.problems]


def test_an_intact_chain_verifies_and_reports_its_checkpoint() -> None:
    rows = _chain(8)
    point = _sign(5, rows[4].hash)
    report = verify_chain(
        rows, head_seq=8, checkpoints=[point], keys=KEYS, verify_signature=sm2.verify
    )
    assert (report.ok, report.checked, report.last_seq) == (True, 8, 8)
    assert report.last_checkpoint == point


def test_edited_deleted_and_reordered_rows_are_named_by_seq() -> None:
    rows = _chain(8)
    edited = [*rows[:2], _replace(rows[2], detail={"n": 999}), *rows[3:]]
    assert _check(edited) == [("edited", 3)]

    deleted = [*rows[:3], *rows[4:]]
    assert _check(deleted) == [("deleted", 4)]
    assert _check(rows[:6]) == [("deleted", 7), ("deleted", 8)]  # the last rows, per the head

    # Rows 3 and 6 swap places (their seq values exchanged).
    swapped = list(rows)
    swapped[2], swapped[5] = _replace(rows[5], seq=3), _replace(rows[2], seq=6)
    assert _check(swapped) == [("reordered", 3), ("reordered", 6)]


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link_or_the_checkpoint() -> None:
    rows = _chain(8)
    forged = _replace(rows[2], action="orders.refund")
    forged = _replace(forged, hash=link_hash(forged.prev_hash, forged))
    assert _check([*rows[:2], forged, *rows[3:]]) == [("edited", 3)]

    # Every later hash recomputed too: only the signed checkpoint still knows the truth.
    point = _sign(6, rows[5].hash)
    rewritten, prev = [], GENESIS
    for row in [*rows[:2], _replace(rows[2], action="orders.refund"), *rows[3:]]:
        fixed = _replace(row, prev_hash=prev)
        fixed = _replace(fixed, hash=link_hash(prev, fixed))
        rewritten.append(fixed)
        prev = fixed.hash
    assert _check(rewritten, points=[point]) == [("rewritten", 6)]


def test_forged_checkpoints_are_refused() -> None:
    rows = _chain(8)
    other = sm2.Sm2Signer("2" * 64)
    by_stranger = Checkpoint(
        5, rows[4].hash, KEY.key_id, other.sign(checkpoint_message(5, rows[4].hash, T0)), T0
    )
    unknown_key = Checkpoint(
        6, rows[5].hash, other.key_id, other.sign(checkpoint_message(6, rows[5].hash, T0)), T0
    )
    moved = _sign(7, rows[6].hash)
    moved = Checkpoint(7, rows[6].hash, KEY.key_id, moved.signature, T0 + timedelta(seconds=1))
    assert _check(rows, points=[by_stranger, unknown_key, moved]) == [
        ("forged_checkpoint", 5),
        ("forged_checkpoint", 6),
        ("forged_checkpoint", 7),
    ]


def test_sm2_signatures_are_checked_strictly() -> None:
    signature = KEY.sign(b"message")
    assert sm2.verify(KEY.public_key, b"message", signature)
    assert sm2.verify("04" + KEY.public_key, b"message", signature)
    assert not sm2.verify(KEY.public_key, b"messagE", signature)
    r, s = signature[:64], signature[64:]
    assert not sm2.verify(KEY.public_key, b"message", f"{r}{sm2.CURVE_ORDER:064x}")
    assert not sm2.verify(KEY.public_key, b"message", f"{0:064x}{s}")
    assert not sm2.verify(KEY.public_key, b"message", "zz" * 64)
    with pytest.raises(sm2.Sm2KeyError):
        sm2.parse_private_key("0" * 64)
    assert KEY.sign(b"message") != signature  # a fresh nonce every time


# --- on the database ---------------------------------------------------------------------------


async def _record(ctx: AppContext, count: int) -> None:
    async with ctx.sessionmaker() as session:
        for i in range(count):
            await service.record_audit(
                session,
                None,
                "orders.ship",
                f"order:{i}",
                {"carrier": "SF", "i": i, "tags": ("a", "b")},
                Origin("127.0.0.1", "tests"),
                username="cli",
            )
        await session.commit()


async def _verify(ctx: AppContext) -> list[tuple[str, int]]:
    async with ctx.sessionmaker() as session:
        report = await audit.verify(session, ctx.settings)
    return [(p.kind, p.seq) for p in report.problems]


async def _tamper(ctx: AppContext, *statements: object) -> None:
    async with ctx.sessionmaker() as session:
        for statement in statements:
            await session.execute(statement)  # type: ignore[call-overload]
        await session.commit()


def _cli(ctx: AppContext, *args: str) -> tuple[int, str]:
    env = {
        "SHOPLET_ENV": "test",
        "SHOPLET_DATABASE_URL": ctx.settings.resolved_database_url,
        "SHOPLET_DATA_DIR": str(ctx.settings.data_dir),
        "SHOPLET_PII_KEY": ctx.settings.resolved_pii_key.hex(),
        "SHOPLET_AUDIT_SIGNING_KEY": ctx.settings.resolved_audit_signing_key,
    }
    result = CliRunner().invoke(cli_app, ["audit", *args], env=env)
    return result.exit_code, result.output


async def test_shoplet_audit_verify_detects_edited_deleted_and_reordered_rows(
    ctx: AppContext,
) -> None:
    await _record(ctx, 8)
    assert await _verify(ctx) == []
    code, output = await asyncio.to_thread(_cli, ctx, "verify")
    assert code == 0, output
    assert "audit chain intact: 8 entries" in output

    await _tamper(
        ctx,
        update(AuditLog).where(AuditLog.seq == 2).values(target="order:forged"),
        delete(AuditLog).where(AuditLog.seq == 4),
        # 6 and 7 swap places, through a free seq (seq is unique).
        update(AuditLog).where(AuditLog.seq == 6).values(seq=100),
        update(AuditLog).where(AuditLog.seq == 7).values(seq=6),
        update(AuditLog).where(AuditLog.seq == 100).values(seq=7),
    )
    assert await _verify(ctx) == [
        ("edited", 2),
        ("deleted", 4),
        ("reordered", 6),
        ("reordered", 7),
    ]
    code, output = await asyncio.to_thread(_cli, ctx, "verify")
    assert code == 1
    assert "edited seq=2" in output
    assert "deleted seq=4" in output
    assert "reordered seq=6: this row was written at seq 7" in output
    assert "audit chain BROKEN: 4 problem(s)" in output
    # --from skips what comes before.
    code, output = await asyncio.to_thread(_cli, ctx, "verify", "--from", "5")
    assert code == 1
    assert "reordered seq=6" in output
    assert "seq=2" not in output


async def test_a_deleted_last_row_and_a_forged_checkpoint_are_found(ctx: AppContext) -> None:
    await _record(ctx, 4)
    async with ctx.sessionmaker() as session:
        outcome = await audit.make_checkpoint(session, ctx.settings, now=T0)
        await session.commit()
    assert outcome.checkpoint is not None
    assert outcome.checkpoint.seq == 4
    async with ctx.sessionmaker() as session:  # nothing new: no second checkpoint
        again = await audit.make_checkpoint(session, ctx.settings)
    assert (again.checkpoint, again.reason) == (None, "no new entries since the last checkpoint")

    await _tamper(ctx, delete(AuditLog).where(AuditLog.seq == 4))
    assert await _verify(ctx) == [("deleted", 4)]
    await _record(ctx, 1)  # the chain goes on from the head (seq 5), the hole stays visible
    await _tamper(ctx, update(AuditCheckpoint).values(signature=KEY.sign(b"something else")))
    assert await _verify(ctx) == [("deleted", 4), ("forged_checkpoint", 4)]
    async with ctx.sessionmaker() as session:  # a broken chain is never signed over
        refused = await audit.make_checkpoint(session, ctx.settings)
    assert refused.checkpoint is None
    assert refused.reason == "the chain is broken: not signed"


async def test_the_console_shows_the_chain_status(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olga", role="owner")
    url = "/api/v1/console/audit-log/chain"
    status = (await client.get(url, headers=bearer(token))).json()
    assert status["last_checkpoint"] is None
    assert (status["intact"], status["problems"]) == (True, [])
    assert status["verified_to_seq"] == status["head_seq"] > 0

    async with ctx.sessionmaker() as session:
        await audit.make_checkpoint(session, ctx.settings, now=T0)
        await session.commit()
    await _record(ctx, 2)
    status = (await client.get(url, headers=bearer(token))).json()
    checkpoint = status["last_checkpoint"]
    assert checkpoint["signature_valid"] is True
    assert checkpoint["seq"] == status["head_seq"] - 2
    assert status["verified_to_seq"] == status["head_seq"]

    await _tamper(
        ctx, update(AuditLog).where(AuditLog.seq == status["head_seq"]).values(ip="1.2.3.4")
    )
    before = await snapshot(ctx)
    broken = (await client.get(url, headers=bearer(token))).json()
    assert broken["intact"] is False
    assert broken["verified_to_seq"] is None
    assert broken["problems"] == [
        f"edited seq={status['head_seq']}: its content no longer gives its hash"
    ]
    assert await snapshot(ctx) == before  # looking changes nothing

    support = await token_for(client, ctx, "sue", role="support")
    refused = await client.get(url, headers=bearer(support))
    assert (refused.status_code, refused.json()["code"]) == (403, "console.permission_denied")


async def test_the_export_is_signed_and_checkable(ctx: AppContext, tmp_path: Path) -> None:
    await _record(ctx, 5)
    async with ctx.sessionmaker() as session:
        await audit.make_checkpoint(session, ctx.settings, now=T0)
        await session.commit()
    out = tmp_path / "audit.jsonl"
    code, output = await asyncio.to_thread(
        _cli, ctx, "export", "--from", "2", "--to", "4", "--output", str(out)
    )
    assert code == 0, output
    lines = out.read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds == ["header", "entry", "entry", "entry", "signature"]
    header = json.loads(lines[0])
    assert header["public_key"] == sm2.Sm2Signer(ctx.settings.resolved_audit_signing_key).public_key
    assert [json.loads(line)["seq"] for line in lines[1:4]] == [2, 3, 4]
    assert audit.verify_export(lines, header["public_key"]) == []

    code, output = await asyncio.to_thread(
        _cli, ctx, "verify-export", str(out), "--public-key", header["public_key"]
    )
    assert code == 0, output
    edited = json.loads(lines[2])
    edited["username"] = "someone-else"
    lines[2] = json.dumps(edited, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert audit.verify_export(lines, header["public_key"]) == [
        "the lines do not give the signed SM3 digest",
        "entry seq=3: its content does not give its hash",
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = await asyncio.to_thread(
        _cli, ctx, "verify-export", str(out), "--public-key", header["public_key"]
    )
    assert code == 1
    assert "entry seq=3" in output


async def test_concurrent_audit_writers_build_one_unbroken_chain(
    ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite has one writer)")
    writers = 40

    async def write(i: int) -> None:
        async with ctx.sessionmaker() as session:
            await service.record_audit(
                session, None, "staff.update", f"staff:{i}", {"i": i}, None, username=f"w{i}"
            )
            await session.commit()

    await asyncio.gather(*(write(i) for i in range(writers)))
    async with ctx.sessionmaker() as session:
        seqs = list((await session.execute(select(AuditLog.seq).order_by(AuditLog.seq))).scalars())
    assert seqs == list(range(1, writers + 1))
    assert await _verify(ctx) == []


async def test_the_migration_links_existing_rows(backend: str, tmp_path: Path) -> None:
    """0047 backfills seq, prev_hash and hash over the rows already there, in id order, with
    the chain's own format: the result verifies, and new entries carry on from its head."""
    if backend != "sqlite":
        pytest.skip("the backfill is plain Python over SELECT/UPDATE: one backend suffices")
    from sqlalchemy import text

    from shoplet.core.db import create_engine, create_sessionmaker
    from shoplet.core.migrate import upgrade
    from tests.conftest import BackendDb, make_settings

    url = f"sqlite+aiosqlite:///{tmp_path / 'chain.db'}"
    await asyncio.to_thread(upgrade, url, "0040_insights_forecast")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for i, detail in enumerate(['{"b": 1, "a": "发货"}', "{}", '{"n": [1, 2]}']):
                await conn.execute(
                    text(
                        "INSERT INTO staff_audit_log (username, action, target, detail, ip,"
                        " created_at) VALUES ('boss', 'orders.ship', :target, :detail,"
                        " '10.0.0.1', :at)"
                    ),
                    {"target": f"order:{i}", "detail": detail, "at": T0 + timedelta(seconds=i)},
                )
        await asyncio.to_thread(upgrade, url, "head")
        settings = make_settings(BackendDb("sqlite", url, None, engine), tmp_path)
        async with create_sessionmaker(engine)() as session:
            await service.record_audit(session, None, "auth.login", None, {}, None, username="a")
            await session.commit()
            report = await audit.verify(session, settings)
            rows = (await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars()
            assert [(r.seq, r.target) for r in rows] == [
                (1, "order:0"),
                (2, "order:1"),
                (3, "order:2"),
                (4, None),
            ]
        assert (report.ok, report.checked) == (True, 4)
    finally:
        await engine.dispose()
