"""The tamper-evident audit trail: appending links, signed checkpoints, verification and the
signed export for regulators (docs/audit.md). Flushes, never commits.

Appends are serialised by the chain head row (``repository.lock_chain_head``), held until the
caller's transaction ends: audit entries are console actions and sign-ins, a few per second at
most, so the queue is short, and the chain never forks or skips a ``seq``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import sm2
from shoplet.core.db import utcnow
from shoplet.core.settings import Settings

from . import repository
from .audit_chain import (
    GENESIS,
    ChainCheck,
    ChainRow,
    Checkpoint,
    Report,
    checkpoint_message,
    link_hash,
    normalise_detail,
    sm3_hex,
    timestamp,
)
from .models import AuditCheckpoint, AuditLog

log = structlog.get_logger("shoplet.audit")

VERIFY_BATCH = 1000
EXPORT_FORMAT: Final = "shoplet-audit-export/1"
# The console's chain status verifies live from the last checkpoint; past this many rows it
# says so instead (the hourly checkpoint job keeps the distance short).
LIVE_VERIFY_LIMIT = 5000


def chain_row(entry: AuditLog) -> ChainRow:
    return ChainRow(
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        created_at=entry.created_at,
        staff_id=entry.staff_id,
        username=entry.username,
        action=entry.action,
        target=entry.target,
        detail=entry.detail,
        ip=entry.ip,
        user_agent=entry.user_agent,
    )


async def append(session: AsyncSession, entry: AuditLog) -> AuditLog:
    """Link ``entry`` to the chain and insert it (in the caller's transaction)."""
    seq, prev_hash = await repository.lock_chain_head(session, genesis=GENESIS)
    entry.seq = seq
    entry.prev_hash = prev_hash
    entry.created_at = entry.created_at or utcnow()
    entry.detail = normalise_detail(entry.detail)
    entry.hash = "0" * 64
    entry.hash = link_hash(prev_hash, chain_row(entry))
    await repository.add_audit(session, entry)
    await repository.set_chain_head_hash(session, seq, entry.hash)
    return entry


# --- keys --------------------------------------------------------------------------------------


def signer(settings: Settings) -> sm2.Sm2Signer:
    return sm2.Sm2Signer(settings.resolved_audit_signing_key)


def known_keys(settings: Settings) -> dict[str, str]:
    """key id -> SM2 public key: the signing key's and the retired ones still trusted."""
    keys = {sm2.key_id_of(k): sm2.parse_public_key(k) for k in _verify_keys(settings)}
    current = signer(settings)
    keys[current.key_id] = current.public_key
    return keys


def _verify_keys(settings: Settings) -> list[str]:
    return [k.strip() for k in settings.audit_verify_keys.split(",") if k.strip()]


def _checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(row.seq, row.hash, row.key_id, row.signature, row.created_at)


# --- verification ------------------------------------------------------------------------------


async def verify(
    session: AsyncSession,
    settings: Settings,
    *,
    from_seq: int = 1,
    to_seq: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Walk the chain from ``from_seq`` (to ``to_seq``, else the head) in batches and check it
    against the head and every checkpoint in that range."""
    head = await repository.chain_head(session)
    points = [_checkpoint(c) for c in await repository.checkpoints(session, from_seq=from_seq)]
    check = ChainCheck(from_seq=from_seq, checkpoint_seqs=[c.seq for c in points])
    async for row in _rows(session, from_seq=from_seq, to_seq=to_seq):
        check.feed(row)
        if progress is not None and check.report.checked % 10_000 == 0:
            progress(check.report.checked)
    head_seq = head[0] if head is not None else None
    if to_seq is not None:
        head_seq = min(head_seq or 0, to_seq)
        points = [c for c in points if c.seq <= to_seq]
    return check.finish(
        head_seq=head_seq,
        checkpoints=points,
        keys=known_keys(settings),
        verify_signature=sm2.verify,
    )


async def _rows(
    session: AsyncSession, *, from_seq: int, to_seq: int | None
) -> AsyncIterator[ChainRow]:
    after = from_seq
    while True:
        batch = await repository.audit_by_seq(
            session, from_seq=after, to_seq=to_seq, limit=VERIFY_BATCH
        )
        for entry in batch:
            yield chain_row(entry)
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].seq + 1


# --- checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckpointOutcome:
    checkpoint: Checkpoint | None
    report: Report
    reason: str


async def make_checkpoint(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> CheckpointOutcome:
    """Verify the chain since the last checkpoint and, when it holds and has grown, sign its
    last link. A broken chain is never signed over: it stays broken for ``shoplet audit verify``."""
    last = await repository.last_checkpoint(session)
    from_seq = last.seq if last is not None else 1
    report = await verify(session, settings, from_seq=from_seq)
    if not report.ok:
        log.error(
            "audit_chain_broken",
            alert=True,
            problems=[str(p) for p in report.problems[:20]],
            count=len(report.problems),
        )
        return CheckpointOutcome(None, report, "the chain is broken: not signed")
    end = await repository.audit_at_seq(session, report.last_seq) if report.checked else None
    if end is None or (last is not None and end.seq <= last.seq):
        return CheckpointOutcome(None, report, "no new entries since the last checkpoint")
    created_at = now or utcnow()
    key = signer(settings)
    signature = key.sign(checkpoint_message(end.seq, end.hash, created_at))
    row = AuditCheckpoint(
        seq=end.seq, hash=end.hash, key_id=key.key_id, signature=signature, created_at=created_at
    )
    if not await repository.add_checkpoint(session, row):
        return CheckpointOutcome(None, report, "another worker signed this seq")
    return CheckpointOutcome(_checkpoint(row), report, "signed")


@dataclass(frozen=True, slots=True)
class ChainStatus:
    head_seq: int
    checkpoint: Checkpoint | None
    checkpoint_valid: bool
    verified_to_seq: int | None
    problems: list[str]
    checked_at: datetime
    live: bool = True


async def status(session: AsyncSession, settings: Settings) -> ChainStatus:
    """The console's view: the last checkpoint, and the chain after it verified now (when it is
    short enough to verify within a request)."""
    head = await repository.chain_head(session)
    head_seq = head[0] if head is not None else 0
    last = await repository.last_checkpoint(session)
    from_seq = last.seq if last is not None else 1
    checkpoint = _checkpoint(last) if last is not None else None
    if head_seq - from_seq > LIVE_VERIFY_LIMIT:
        return ChainStatus(
            head_seq,
            checkpoint,
            _signature_ok(settings, checkpoint),
            None,
            [],
            utcnow(),
            live=False,
        )
    report = await verify(session, settings, from_seq=from_seq)
    return ChainStatus(
        head_seq,
        checkpoint,
        _signature_ok(settings, checkpoint)
        and not any(p.kind == "forged_checkpoint" for p in report.problems),
        report.last_seq if report.ok else None,
        [str(p) for p in report.problems[:20]],
        utcnow(),
    )


def _signature_ok(settings: Settings, checkpoint: Checkpoint | None) -> bool:
    if checkpoint is None:
        return False
    key = known_keys(settings).get(checkpoint.key_id)
    message = checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.created_at)
    return key is not None and sm2.verify(key, message, checkpoint.signature)


# --- export for regulators ---------------------------------------------------------------------


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def export_lines(
    session: AsyncSession,
    settings: Settings,
    *,
    from_seq: int,
    to_seq: int | None,
    now: datetime | None = None,
) -> AsyncIterator[tuple[str, str]]:
    """The JSONL export, line by line (``(type, line)``, no newline): a header, every entry with
    its links, the checkpoints in range, then a trailer with the SM3 digest of all the lines
    before it and the SM2 signature of that digest. Each entry's hash can be recomputed from
    the line itself."""
    key = signer(settings)
    digest: list[str] = []

    def emit(record: dict[str, Any]) -> tuple[str, str]:
        line = _line(record)
        digest.append(line)
        return str(record["type"]), line

    yield emit(
        {
            "type": "header",
            "format": EXPORT_FORMAT,
            "from_seq": from_seq,
            "to_seq": to_seq,
            "exported_at": timestamp(now or utcnow()),
            "key_id": key.key_id,
            "public_key": key.public_key,
        }
    )
    async for row in _rows(session, from_seq=from_seq, to_seq=to_seq):
        yield emit(
            {
                "type": "entry",
                "seq": row.seq,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
                "created_at": timestamp(row.created_at),
                "staff_id": row.staff_id,
                "username": row.username,
                "action": row.action,
                "target": row.target,
                "detail": row.detail,
                "ip": row.ip,
                "user_agent": row.user_agent,
            }
        )
    for point in await repository.checkpoints(session, from_seq=from_seq, to_seq=to_seq):
        yield emit(
            {
                "type": "checkpoint",
                "seq": point.seq,
                "hash": point.hash,
                "key_id": point.key_id,
                "signature": point.signature,
                "created_at": timestamp(point.created_at),
            }
        )
    body_digest = sm3_hex("\n".join(digest).encode())
    yield (
        "signature",
        _line(
            {
                "type": "signature",
                "sm3": body_digest,
                "key_id": key.key_id,
                "signature": key.sign(bytes.fromhex(body_digest)),
            }
        ),
    )


def verify_export(lines: list[str], public_key: str) -> list[str]:
    """What is wrong with an export, checked against ``public_key`` (empty when it holds): the
    trailer's digest and signature, and every entry's hash and link."""
    if not lines:
        return ["empty export"]
    problems: list[str] = []
    body, trailer = lines[:-1], json.loads(lines[-1])
    if trailer.get("type") != "signature":
        return ["the last line is not the signature"]
    body_digest = sm3_hex("\n".join(body).encode())
    if body_digest != trailer.get("sm3"):
        problems.append("the lines do not give the signed SM3 digest")
    if not sm2.verify(
        public_key, bytes.fromhex(trailer.get("sm3", "00")), trailer.get("signature", "")
    ):
        problems.append("the SM2 signature does not verify")
    prev: str | None = None
    for line in body:
        record = json.loads(line)
        if record.get("type") != "entry":
            continue
        row = ChainRow(
            seq=record["seq"],
            prev_hash=record["prev_hash"],
            hash=record["hash"],
            created_at=datetime.fromisoformat(record["created_at"]),
            staff_id=record["staff_id"],
            username=record["username"],
            action=record["action"],
            target=record["target"],
            detail=record["detail"],
            ip=record["ip"],
            user_agent=record["user_agent"],
        )
        if link_hash(row.prev_hash, row) != row.hash:
            problems.append(f"entry seq={row.seq}: its content does not give its hash")
        if prev is not None and row.prev_hash != prev:
            problems.append(f"entry seq={row.seq}: does not link to the entry before it")
        prev = row.hash
    return problems
