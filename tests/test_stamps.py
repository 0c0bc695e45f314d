"""``make run`` skips the migrate and seed steps while nothing they depend on changed
(tools/stamp.sh), and runs them again when a migration, the database URL or the SQLite file
changes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAMP = ROOT / "tools" / "stamp.sh"
BASH = shutil.which("bash") or "/bin/bash"
MAKE = shutil.which("make") or "make"

pytestmark = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils")


def stamp(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Runs tools/stamp.sh whose command appends "ran" to tmp_path/calls; the output."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    clean["SHOPLET_DATA_DIR"] = str(tmp_path / "var")
    clean.update(env or {})
    completed = subprocess.run(
        [BASH, str(STAMP), *args, "--", BASH, "-c", f"echo ran >> {tmp_path / 'calls'}"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return completed.stdout


def calls(tmp_path: Path) -> int:
    path = tmp_path / "calls"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_step_runs_once_then_skips_until_a_file_changes(tmp_path: Path) -> None:
    migration = tmp_path / "0001.py"
    migration.write_text("revision = '0001'\n")
    args = ("migrate", "--key", "k", "--file", str(migration))
    stamp(tmp_path, *args)
    output = stamp(tmp_path, *args)
    assert calls(tmp_path) == 1
    assert "skip migrate" in output

    migration.write_text("revision = '0001'  # edited\n")
    stamp(tmp_path, *args)
    assert calls(tmp_path) == 2

    # A new migration file (another --file) is a change too, and so is one that goes away.
    added = tmp_path / "0002.py"
    added.write_text("revision = '0002'\n")
    stamp(tmp_path, *args, "--file", str(added))
    assert calls(tmp_path) == 3
    added.unlink()
    stamp(tmp_path, *args, "--file", str(added))
    assert calls(tmp_path) == 4


def test_the_key_texts_and_the_database_url_count(tmp_path: Path) -> None:
    stamp(tmp_path, "seed", "--database", "postgresql+asyncpg://db/a")
    stamp(tmp_path, "seed", "--database", "postgresql+asyncpg://db/a")
    assert calls(tmp_path) == 1
    stamp(tmp_path, "seed", "--database", "postgresql+asyncpg://db/b")
    assert calls(tmp_path) == 2
    stamp(tmp_path, "seed", "--database", "postgresql+asyncpg://db/b", "--key", "other")
    assert calls(tmp_path) == 3


def test_a_deleted_or_replaced_sqlite_database_runs_the_step_again(tmp_path: Path) -> None:
    database = tmp_path / "var" / "shoplet.db"
    database.parent.mkdir()
    database.write_bytes(b"one")
    stamp(tmp_path, "migrate", "--database", "")  # "": Shoplet's default file in the data dir
    stamp(tmp_path, "migrate", "--database", "")
    assert calls(tmp_path) == 1

    database.unlink()
    stamp(tmp_path, "migrate", "--database", "")
    assert calls(tmp_path) == 2

    database.write_bytes(b"two")
    stamp(tmp_path, "migrate", "--database", "")
    assert calls(tmp_path) == 3
    replacement = tmp_path / "new.db"
    replacement.write_bytes(b"three")
    database.rename(database.with_suffix(".old"))  # kept: the replacement cannot reuse its inode
    replacement.rename(database)
    stamp(tmp_path, "migrate", "--database", "")
    assert calls(tmp_path) == 4

    # A SQLite URL names its own file.
    other = tmp_path / "other.db"
    other.write_bytes(b"x")
    url = f"sqlite+aiosqlite:///{other}"
    stamp(tmp_path, "migrate", "--database", url)
    stamp(tmp_path, "migrate", "--database", url)
    assert calls(tmp_path) == 5
    other.unlink()
    stamp(tmp_path, "migrate", "--database", url)
    assert calls(tmp_path) == 6


def test_the_key_is_taken_after_the_command_that_creates_the_database(tmp_path: Path) -> None:
    """The first migrate creates the SQLite file: the stamp holds the key with that file, so
    the next run skips instead of seeing a "new" database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env["SHOPLET_DATA_DIR"] = str(tmp_path / "var")
    create = f"mkdir -p {tmp_path / 'var'} && touch {tmp_path / 'var' / 'shoplet.db'}"
    command = [BASH, str(STAMP), "migrate", "--database", "", "--", BASH, "-c", create]
    subprocess.run(command, cwd=tmp_path, env=env, check=True, timeout=30)
    output = stamp(tmp_path, "migrate", "--database", "")
    assert "skip migrate" in output
    assert calls(tmp_path) == 0


def test_a_failed_step_is_not_stamped_and_force_runs_everything(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env["SHOPLET_DATA_DIR"] = str(tmp_path / "var")
    failing = subprocess.run(
        [BASH, str(STAMP), "seed", "--key", "k", "--", "false"],
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=30,
    )
    assert failing.returncode == 1
    assert not (tmp_path / "var" / "stamps" / "seed").exists()
    stamp(tmp_path, "seed", "--key", "k")
    stamp(tmp_path, "seed", "--key", "k", env={"SHOPLET_FORCE_STEPS": "1"})
    assert calls(tmp_path) == 2


def test_make_run_prepare_skips_python_when_nothing_changed(tmp_path: Path) -> None:
    """The Makefile's wiring: run-seed-catalog (and run-migrate before it) call the shoplet
    command once, then not at all until a migration or the database changes."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "shoplet-calls"
    fake = venv / "bin" / "shoplet"
    # A stand-in for the shoplet command: records its arguments, creates the SQLite file.
    fake.write_text(
        f'#!/usr/bin/env bash\necho "$*" >> {log}\n'
        'mkdir -p "$SHOPLET_DATA_DIR" && touch "$SHOPLET_DATA_DIR/shoplet.db"\n'
    )
    fake.chmod(0o755)
    (venv / "bin" / "python").symlink_to(fake)
    (venv / ".installed").touch()
    # .installed must be newer than pyproject.toml, or make would run pip.
    newer = (ROOT / "pyproject.toml").stat().st_mtime + 10
    os.utime(venv / ".installed", (newer, newer))
    migration = tmp_path / "0001.py"
    migration.write_text("revision = '0001'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env["SHOPLET_DATA_DIR"] = str(tmp_path / "var")
    command = [
        MAKE, "--no-print-directory", "-s", "-C", str(ROOT), "run-seed-catalog",
        f"VENV={venv}", f"MIGRATION_FILES={migration}",
    ]  # fmt: skip

    def make() -> list[str]:
        subprocess.run(command, env=env, check=True, timeout=60, capture_output=True)
        return log.read_text().splitlines() if log.exists() else []

    assert make() == ["migrate", "seed --if-empty --no-history"]
    assert make() == ["migrate", "seed --if-empty --no-history"]
    # An edited migration: migrate, then the seed's emptiness check (the step it follows ran).
    migration.write_text("revision = '0001'  # edited\n")
    assert make()[2:] == ["migrate", "seed --if-empty --no-history"]
    assert len(make()) == 4
    # A deleted database: both again (the new file may even get the old one's inode).
    (tmp_path / "var" / "shoplet.db").unlink()
    assert make()[4:] == ["migrate", "seed --if-empty --no-history"]
