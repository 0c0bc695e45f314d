"""Local PostgreSQL clusters driven with the server's own binaries: a primary, a streaming
standby (asynchronous or synchronous), a point-in-time restore, kill and promote.

Used by the disaster-recovery drill (``shoplet deploy dr-drill``), by ``shoplet restore pitr`` to
replay a base backup, and by the tests, which must never reconfigure the machine's own server.
PostgreSQL refuses to run as root: as root, every server binary runs as the ``postgres`` OS user
(``runuser``) in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RUN_AS = "postgres"


def find_bin_dir(preferred: str | None = None) -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl``, ``pg_basebackup``: ``preferred``, then
    ``SHOPLET_PG_BIN``, then Debian's newest ``/usr/lib/postgresql/<major>/bin``, then PATH."""
    candidates: list[str | None] = [preferred, os.environ.get("SHOPLET_PG_BIN")]
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += debian
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else None)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_server_user(args: Sequence[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", RUN_AS, "--", *args]
    return list(args)


def make_root(prefix: str = "shoplet-pg-") -> Path:
    """A private directory the server user can write (under root: owned by ``postgres``)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS, RUN_AS)
    root.chmod(0o700)
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


class ClusterError(RuntimeError):
    pass


def run_tool(args: Sequence[str], *, as_server: bool = True, timeout: float = 120) -> str:
    command = _as_server_user(args) if as_server else list(args)
    done = subprocess.run(  # nosec B603 # noqa: S603 - the server's own binaries, arguments built here
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


@dataclass
class Cluster:
    """One PostgreSQL server: its data directory under ``root``, listening on 127.0.0.1."""

    bin_dir: Path
    root: Path
    name: str
    port: int = field(default_factory=free_port)

    @property
    def data_dir(self) -> Path:
        return self.root / self.name

    @property
    def log_file(self) -> Path:
        return self.root / f"{self.name}.log"

    @property
    def archive_dir(self) -> Path:
        return self.root / "wal-archive"

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    # -- creating -----------------------------------------------------------------------------

    def init(self, *, durable: bool = False, archive: bool = True, **conf: str) -> Cluster:
        """initdb with trust authentication on 127.0.0.1, WAL for streaming standbys and, with
        ``archive``, WAL archiving into ``root/wal-archive`` (point-in-time recovery)."""
        run_tool([
            self.tool("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        ])  # fmt: skip
        settings = {
            "wal_level": "replica",
            "max_wal_senders": "10",
            "max_replication_slots": "10",
            "hot_standby": "on",
            "shared_buffers": "32MB",
            "max_connections": "60",
            "wal_keep_size": "256MB",
        }
        if not durable:
            # Tests: a killed *process* keeps what it wrote in the OS page cache, which is all a
            # drill on one machine kills; production keeps fsync on.
            settings.update(fsync="off", full_page_writes="off")
        if archive:
            self.archive_dir.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.archive_dir, RUN_AS, RUN_AS)
            settings.update(
                archive_mode="on",
                archive_command=f"test ! -f {self.archive_dir}/%f && cp %p {self.archive_dir}/%f",
            )
        settings.update(conf)
        self.configure(settings)
        return self

    def configure(self, settings: Mapping[str, str]) -> None:
        """Append to postgresql.auto.conf (read last, so these win); always listen here only."""
        values = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
        }
        values.update({k: _quoted(v) for k, v in settings.items()})
        lines = "".join(f"{key} = {value}\n" for key, value in values.items())
        conf = self.data_dir / "postgresql.auto.conf"
        run_tool(["sh", "-c", f"cat >> '{conf}' <<'EOF'\n{lines}EOF"])

    def standby(self, name: str, *, synchronous: bool = False) -> Cluster:
        """A streaming standby of this (running) server from pg_basebackup, named
        ``name`` (its ``application_name``); with ``synchronous`` this server then waits for
        it on every commit (``synchronous_standby_names``)."""
        standby = Cluster(self.bin_dir, self.root, name)
        run_tool([
            self.tool("pg_basebackup"), "-D", str(standby.data_dir), "-d", self.dsn(),
            "-X", "stream", "-R", "--no-sync", "-c", "fast",
        ])  # fmt: skip
        standby.configure({
            "primary_conninfo": f"{self.dsn()} application_name={name}",
            # The primary's archive_command came along: a standby archives nothing.
            "archive_mode": "off",
        })  # fmt: skip
        if synchronous:
            self.set_synchronous_standbys(name)
        return standby

    def wait_for_standby(self, name: str, *, sync: bool, timeout: float = 30) -> None:
        """Poll ``pg_stat_replication`` until ``name`` streams (as a synchronous standby when
        ``sync``): a configuration reload reaches the WAL senders a moment after it returns."""
        wanted = "sync" if sync else None
        deadline = time.monotonic() + timeout
        while True:
            state = self.psql(  # a standby name this code chose, not input
                "SELECT sync_state FROM pg_stat_replication"  # noqa: S608
                f" WHERE application_name = '{name}' AND state = 'streaming'"
            )
            if state and (wanted is None or state == wanted):
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"standby {name} is not streaming ({state or 'absent'})")
            time.sleep(0.05)

    def set_synchronous_standbys(self, names: str) -> None:
        self.configure({"synchronous_standby_names": names, "synchronous_commit": "on"})
        if self.is_running():
            run_tool([self.tool("pg_ctl"), "-D", str(self.data_dir), "reload"])

    # -- running ------------------------------------------------------------------------------

    def start(self, timeout: int = 60) -> Cluster:
        run_tool(
            [self.tool("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
             "-w", "-t", str(timeout), "start"],
            timeout=timeout + 10,
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        if self.is_running():
            with contextlib.suppress(ClusterError):
                run_tool([self.tool("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"])

    def pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crashed machine would stop it (no shutdown checkpoint,
        no goodbye to clients); its backends exit as soon as they notice it is gone."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while self.is_running() and time.monotonic() < deadline:
                time.sleep(0.02)

    def promote(self) -> None:
        run_tool([self.tool("pg_ctl"), "-D", str(self.data_dir), "-w", "promote"])

    def psql(self, sql: str, database: str = "postgres") -> str:
        """One statement's rows as text (tab-separated, no header)."""
        return run_tool(
            [self.tool("psql"), "-X", "-A", "-t", "-F", "\t", "-d", self.dsn(database), "-c", sql]
        ).strip()


def _quoted(value: str) -> str:
    if value.startswith("'") or value.replace(".", "").replace("-", "").isalnum():
        return value
    return "'" + value.replace("'", "''") + "'"


__all__ = [
    "Cluster",
    "ClusterError",
    "find_bin_dir",
    "free_port",
    "make_root",
    "remove_root",
    "run_tool",
]
