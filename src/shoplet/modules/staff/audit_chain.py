"""The audit log's hash chain and its checks, as pure functions (no database, no clock).

A link: ``hash = SM3(bytes(prev_hash) || canonical(row))`` where ``canonical`` is the row's
fields (with its ``seq``) as compact JSON, keys sorted, UTF-8. ``prev_hash`` of the first row is
:data:`GENESIS`. A checkpoint signs ``checkpoint_message(seq, hash, created_at)`` with SM2.

:func:`verify_chain` walks rows in ``seq`` order and names what it finds, by ``seq``:

- ``edited``: the row's content no longer gives its hash (or, when the row's own hash was
  recomputed, the next row's ``prev_hash`` no longer names it);
- ``deleted``: a ``seq`` is missing (a gap, or rows missing after the last one that is left);
- ``reordered``: the row's content gives its hash at another position (``seq`` swapped);
- ``forged_checkpoint``: a checkpoint whose signature does not verify under a known key;
- ``rewritten``: a genuine checkpoint whose hash is not the chain's at its ``seq`` (the chain
  before it was recomputed after an edit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes

GENESIS = "0" * 64
CHAIN_FORMAT = 1
# At most this many unexplained links are kept for the reorder search (a few swaps, not a
# wholesale shuffle: past this, rows are reported as edited).
REORDER_CANDIDATES = 256

ProblemKind = Literal["edited", "deleted", "reordered", "forged_checkpoint", "rewritten"]


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One audit row as the chain sees it."""

    seq: int
    prev_hash: str
    hash: str
    created_at: datetime
    staff_id: int | None
    username: str
    action: str
    target: str | None
    detail: Mapping[str, Any]
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    key_id: str
    signature: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    seq: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} seq={self.seq}: {self.detail}"


@dataclass(slots=True)
class Report:
    from_seq: int
    checked: int = 0
    last_seq: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The newest checkpoint whose signature verifies and whose hash is the chain's.
    last_checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def timestamp(value: datetime) -> str:
    """The one text form of a time in the chain: UTC, microseconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """``detail`` as it reads back from a JSON column (tuples become lists, keys strings)."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(detail or {}), default=str))
    return loaded


def canonical(row: ChainRow, *, seq: int | None = None) -> bytes:
    body = {
        "v": CHAIN_FORMAT,
        "seq": row.seq if seq is None else seq,
        "created_at": timestamp(row.created_at),
        "staff_id": row.staff_id,
        "username": row.username,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
        "ip": row.ip,
        "user_agent": row.user_agent,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def link_hash(prev_hash: str, row: ChainRow, *, seq: int | None = None) -> str:
    return sm3_hex(bytes.fromhex(prev_hash) + canonical(row, seq=seq))


def checkpoint_message(seq: int, chain_hash: str, created_at: datetime) -> bytes:
    return f"shoplet-audit-checkpoint/1\n{seq}\n{chain_hash}\n{timestamp(created_at)}".encode()


# (public key, message, signature) -> valid?
Verifier = Callable[[str, bytes, str], bool]


class ChainCheck:
    """:func:`verify_chain` fed in batches (a long log is never held in memory at once): only
    the hashes at checkpoint ``seq`` values and the rows that fail are kept."""

    def __init__(self, *, from_seq: int, checkpoint_seqs: Iterable[int] = ()) -> None:
        self.report = Report(from_seq=from_seq)
        self._expected = from_seq
        self._prev: ChainRow | None = None
        self._prev_suspect = False
        self._watched = set(checkpoint_seqs)
        self._hashes: dict[int, str] = {}
        # Rows whose content does not give their hash: edited, or moved from another seq.
        self._suspects: list[ChainRow] = []

    def _add(self, kind: ProblemKind, seq: int, detail: str) -> None:
        self.report.problems.append(Problem(kind, seq, detail))

    def feed(self, row: ChainRow) -> None:
        if row.seq > self._expected:
            missing = row.seq - self._expected
            for seq in range(self._expected, row.seq):
                self._add("deleted", seq, f"row missing ({missing} before seq {row.seq})")
        suspect = link_hash(row.prev_hash, row) != row.hash
        if suspect:
            self._suspects.append(row)
        elif (
            self._prev is not None
            and not self._prev_suspect
            and row.seq == self._expected
            and row.prev_hash != self._prev.hash
        ):
            # Both rows give their own hashes, yet the link is broken: the previous row was
            # edited and its hash recomputed to match.
            self._add(
                "edited", self._prev.seq, "its hash was recomputed: the next link does not name it"
            )
        if row.seq in self._watched:
            self._hashes[row.seq] = row.hash
        self._prev, self._prev_suspect = row, suspect
        self._expected = row.seq + 1
        self.report.checked += 1
        self.report.last_seq = row.seq

    def _resolve_suspects(self) -> None:
        seqs = sorted({row.seq for row in self._suspects})[:REORDER_CANDIDATES]
        for row in self._suspects:
            moved_from = next(
                (
                    seq
                    for seq in seqs
                    if seq != row.seq and link_hash(row.prev_hash, row, seq=seq) == row.hash
                ),
                None,
            )
            if moved_from is not None:
                self._add("reordered", row.seq, f"this row was written at seq {moved_from}")
            else:
                self._add("edited", row.seq, "its content no longer gives its hash")

    def finish(
        self,
        *,
        head_seq: int | None,
        checkpoints: Iterable[Checkpoint],
        keys: Mapping[str, str],
        verify_signature: Verifier,
    ) -> Report:
        report = self.report
        self._resolve_suspects()
        end = report.last_seq if report.checked else report.from_seq - 1
        if head_seq is not None and head_seq > end:
            for seq in range(end + 1, head_seq + 1):
                self._add("deleted", seq, f"row missing (the chain head is at seq {head_seq})")
        first_bad = min((p.seq for p in report.problems), default=None)
        for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
            key = keys.get(checkpoint.key_id)
            message = checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.created_at)
            if key is None or not verify_signature(key, message, checkpoint.signature):
                why = "unknown signing key" if key is None else "the signature does not verify"
                self._add("forged_checkpoint", checkpoint.seq, why)
                continue
            if checkpoint.seq > end and (head_seq is None or checkpoint.seq > head_seq):
                self._add("deleted", checkpoint.seq, "a signed checkpoint names a missing row")
                continue
            chain_hash = self._hashes.get(checkpoint.seq)
            if chain_hash is None:
                continue  # before from_seq, or reported as deleted above
            if chain_hash != checkpoint.hash:
                self._add(
                    "rewritten", checkpoint.seq, "the chain's hash here is not the signed one"
                )
            elif first_bad is None or checkpoint.seq < first_bad:
                report.last_checkpoint = checkpoint
        report.problems.sort(key=lambda p: (p.seq, p.kind))
        return report


def verify_chain(
    rows: Iterable[ChainRow],
    *,
    from_seq: int = 1,
    head_seq: int | None,
    checkpoints: Iterable[Checkpoint] = (),
    keys: Mapping[str, str],
    verify_signature: Verifier,
) -> Report:
    """Check ``rows`` (ascending ``seq``, from ``from_seq``) against each other, against the
    chain head's ``seq`` and against the checkpoints; ``keys`` maps key ids to SM2 public keys."""
    checkpoints = list(checkpoints)
    check = ChainCheck(from_seq=from_seq, checkpoint_seqs=[c.seq for c in checkpoints])
    for row in rows:
        check.feed(row)
    return check.finish(
        head_seq=head_seq, checkpoints=checkpoints, keys=keys, verify_signature=verify_signature
    )
