"""Backups and restores of Shoplet's data: PostgreSQL logically (pg_dump, custom format) and
physically (pg_basebackup + the WAL archive, for point-in-time recovery), and the media directory.

Every step that can take long reports progress through ``progress`` (a line at a time): pg_dump
and pg_restore name each table as they go, pg_basebackup reports kB done, the media copy every
few hundred files. What Redis holds is rebuilt from PostgreSQL (``shoplet restore redis``), never
backed up: see docs/deploy.md, "Backups and restores".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from shoplet.deploy.pgcluster import RUN_AS, Cluster, ClusterError, find_bin_dir

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    pass


def _quiet(_line: str) -> None:
    pass


@dataclass(frozen=True)
class Connection:
    """A SQLAlchemy URL as libpq sees it: the conninfo and the environment (the password
    travels in PGPASSWORD, never on a command line other users can read)."""

    conninfo: str
    env: dict[str, str]
    database: str


def libpq(url: str) -> Connection:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError(f"not a PostgreSQL URL: {parsed.drivername}")
    parts = []
    hosts = parsed.query.get("host")
    if hosts:  # multi-host: host=a:5432&host=b:5432
        names = [hosts] if isinstance(hosts, str) else list(hosts)
        parts.append("host=" + ",".join(h.rsplit(":", 1)[0] for h in names))
        parts.append("port=" + ",".join(h.rsplit(":", 1)[1] if ":" in h else "5432" for h in names))
        parts.append("target_session_attrs=read-write")
    else:
        parts.append(f"host={parsed.host or '127.0.0.1'}")
        parts.append(f"port={parsed.port or 5432}")
    parts.append(f"user={parsed.username or 'postgres'}")
    database = parsed.database or "postgres"
    parts.append(f"dbname={database}")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return Connection(" ".join(parts), env, database)


def tool(name: str, bin_dir: Path | None = None) -> str:
    directory = bin_dir or find_bin_dir()
    if directory is not None and (directory / name).exists():
        return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client or set SHOPLET_PG_BIN")
    return found


def _stream(args: Sequence[str], env: dict[str, str], progress: Progress) -> None:
    """Run a client tool, passing its stderr on line by line (pg_basebackup -P rewrites one
    line with carriage returns: each rewrite is a line here)."""
    with subprocess.Popen(  # nosec B603 # noqa: S603 - PostgreSQL's own tools, arguments built here
        list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    ) as process:
        stderr = process.stderr
        if stderr is None:  # pragma: no cover - stderr=PIPE always gives one
            raise BackupError("no stderr pipe")
        buffer = b""
        tail: list[str] = []
        # os.read: whatever is there now, so a rewritten progress line shows as it happens.
        while chunk := os.read(stderr.fileno(), 4096):
            buffer += chunk
            *lines, buffer = buffer.replace(b"\r", b"\n").split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace").strip()
                if line:
                    tail = [*tail[-9:], line]
                    progress(line)
        code = process.wait()
    if code != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({code}): " + " | ".join(tail[-3:]))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# -- logical ---------------------------------------------------------------------------------


def logical_backup(
    url: str,
    out_dir: Path,
    *,
    bin_dir: Path | None = None,
    progress: Progress = _quiet,
) -> Path:
    """pg_dump in the custom format (compressed, restorable table by table and in parallel),
    with a manifest beside it (size, SHA-256, when). Returns the dump's path."""
    conn = libpq(url)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"shoplet-{conn.database}-{_stamp()}.dump"
    started = time.monotonic()
    _stream(
        [tool("pg_dump", bin_dir), "--format=custom", "--compress=6", "--verbose",
         "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={conn.conninfo}"],
        conn.env,
        progress,
    )  # fmt: skip
    manifest = {
        "kind": "logical",
        "database": conn.database,
        "file": target.name,
        "bytes": target.stat().st_size,
        "sha256": _sha256(target),
        "created_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started, 2),
    }
    target.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
    progress(f"wrote {target} ({manifest['bytes']:,} bytes)")
    return target


def logical_restore(
    url: str,
    dump: Path,
    *,
    jobs: int = 1,
    bin_dir: Path | None = None,
    progress: Progress = _quiet,
) -> None:
    """pg_restore into ``url``'s database, dropping what the dump holds first (``--clean``):
    the database ends up exactly as dumped. Checks the manifest's SHA-256 when there is one."""
    manifest = dump.with_suffix(".json")
    if manifest.exists():
        expected = json.loads(manifest.read_text()).get("sha256")
        if expected and expected != _sha256(dump):
            raise BackupError(f"{dump} does not match its manifest's SHA-256: refusing it")
    conn = libpq(url)
    _stream(
        [tool("pg_restore", bin_dir), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction" if jobs == 1 else f"--jobs={jobs}", "--exit-on-error",
         "--verbose", f"--dbname={conn.conninfo}", str(dump)],
        conn.env,
        progress,
    )  # fmt: skip
    progress(f"restored {dump.name} into {conn.database}")


# -- physical and point in time --------------------------------------------------------------


def archive_settings(archive_dir: Path) -> dict[str, str]:
    """postgresql.conf for WAL archiving (what point-in-time recovery replays after a base
    backup). Production archives to object storage (wal-g, pgBackRest) the same way."""
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_command": f"test ! -f {archive_dir}/%f && cp %p {archive_dir}/%f",
        # A segment is archived once full or after this long: the most a PITR can miss.
        "archive_timeout": "60",
    }


def physical_backup(
    url: str,
    out_dir: Path,
    *,
    bin_dir: Path | None = None,
    progress: Progress = _quiet,
) -> Path:
    """pg_basebackup (plain format, the WAL it needs streamed alongside, a manifest), then
    pg_verifybackup. Together with the WAL archive it restores to any moment after it."""
    conn = libpq(url)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"base-{_stamp()}"
    _stream(
        [tool("pg_basebackup", bin_dir), f"--dbname={conn.conninfo}", f"--pgdata={target}",
         "--format=plain", "--wal-method=stream", "--checkpoint=fast", "--progress",
         "--verbose", "--label=shoplet"],
        conn.env,
        progress,
    )  # fmt: skip
    _stream([tool("pg_verifybackup", bin_dir), str(target)], conn.env, progress)
    progress(f"base backup {target} verified")
    return target


def restore_point_in_time(
    base: Path,
    wal_archive: Path,
    data_dir: Path,
    *,
    target_time: datetime | None = None,
    port: int | None = None,
    start: bool = False,
    bin_dir: Path | None = None,
    progress: Progress = _quiet,
    timeout: float = 600,
) -> Cluster:
    """A new data directory from a base backup that, when started, replays the WAL archive up
    to ``target_time`` (every transaction committed before it, none after; None: to the end of
    the archive) and then opens for writes. With ``start``, starts it and waits for that."""
    directory = bin_dir or find_bin_dir()
    if directory is None:
        raise BackupError("PostgreSQL server binaries not found: set SHOPLET_PG_BIN")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty")
    if target_time is not None and target_time.tzinfo is None:
        raise BackupError("the target time needs a timezone (e.g. 2026-12-04T17:30:00+08:00)")
    progress(f"copying {base} to {data_dir}")
    shutil.copytree(base, data_dir, dirs_exist_ok=True)
    for leftover in ("postmaster.pid", "standby.signal"):
        (data_dir / leftover).unlink(missing_ok=True)
    (data_dir / "recovery.signal").touch()
    if os.geteuid() == 0:
        for path in [data_dir, *data_dir.rglob("*")]:
            shutil.chown(path, RUN_AS, RUN_AS)
    data_dir.chmod(0o700)
    cluster = Cluster(directory, data_dir.parent, data_dir.name, **({"port": port} if port else {}))
    recovery = {
        "restore_command": f"cp {wal_archive}/%f %p",
        "recovery_target_action": "promote",
        # The restored server must not write into the archive the original still uses.
        "archive_mode": "off",
        "primary_conninfo": "",
        # Nor wait for the original's synchronous standbys: it has none (every commit would hang).
        "synchronous_standby_names": "",
    }
    if target_time is not None:
        recovery["recovery_target_time"] = target_time.isoformat()
    else:
        recovery["recovery_target_timeline"] = "latest"
    cluster.configure(recovery)
    if start:
        progress(f"starting on port {cluster.port}, replaying WAL")
        cluster.start(timeout=int(timeout))
        deadline = time.monotonic() + timeout
        while cluster.psql("SELECT pg_is_in_recovery()") != "f":
            if time.monotonic() > deadline:
                raise ClusterError("recovery did not finish in time")
            time.sleep(0.05)
        progress("recovery finished: the restored server accepts writes")
    return cluster


# -- media -----------------------------------------------------------------------------------


def sync_media(
    source: Path, target: Path, *, delete: bool = False, progress: Progress = _quiet
) -> tuple[int, int, int]:
    """Copy new and changed files (size or modification time differ) from ``source`` to
    ``target``; with ``delete``, remove files ``target`` has that ``source`` does not.
    Media files are content-addressed and never rewritten, so this is an incremental copy.
    Returns (copied, unchanged, deleted)."""
    if not source.is_dir():
        raise BackupError(f"{source} is not a directory")
    copied = unchanged = deleted = 0
    seen: set[Path] = set()
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(source)
        seen.add(relative)
        destination = target / relative
        stat = path.stat()
        if destination.exists():
            other = destination.stat()
            if other.st_size == stat.st_size and int(other.st_mtime) == int(stat.st_mtime):
                unchanged += 1
                continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        copied += 1
        if copied % 500 == 0:
            progress(f"media: {copied} copied, {unchanged} unchanged")
    if delete and target.exists():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path.relative_to(target) not in seen:
                path.unlink()
                deleted += 1
    progress(f"media: {copied} copied, {unchanged} unchanged, {deleted} deleted")
    return copied, unchanged, deleted


__all__ = [
    "BackupError",
    "archive_settings",
    "libpq",
    "logical_backup",
    "logical_restore",
    "physical_backup",
    "restore_point_in_time",
    "sync_media",
]
