"""``shoplet backup`` and ``shoplet restore``: the commands around ``shoplet.deploy.backup``.

``shoplet restore redis`` (rebuilding Redis from PostgreSQL) needs the business modules' jobs, so
``shoplet.cli`` adds it to ``restore_app``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from shoplet.core.settings import Settings
from shoplet.deploy import backup
from shoplet.deploy.pgcluster import ClusterError

backup_app = typer.Typer(
    help="Back up the database (logical or physical) and the media.", no_args_is_help=True
)
restore_app = typer.Typer(
    help="Restore the database, a point in time, the media; rebuild Redis.", no_args_is_help=True
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(help="postgresql+asyncpg://… (default: SHOPLET_DATABASE_URL)"),
]
PgBin = Annotated[
    Path | None, typer.Option(help="directory of pg_dump, pg_basebackup… (default: found)")
]


def _say(line: str) -> None:
    typer.echo(line, err=True)


def _database_url(url: str | None) -> str:
    resolved = url or Settings().database_url
    if not resolved or not resolved.startswith("postgresql"):
        raise typer.BadParameter("needs PostgreSQL: --database-url or SHOPLET_DATABASE_URL")
    return resolved


@backup_app.command("logical")
def backup_logical(
    out: Annotated[Path, typer.Option(help="directory for the dump and its manifest")],
    database_url: DatabaseUrl = None,
    pg_bin: PgBin = None,
) -> None:
    """pg_dump (custom format) of the whole database, with a manifest (size, SHA-256)."""
    try:
        path = backup.logical_backup(
            _database_url(database_url), out, bin_dir=pg_bin, progress=_say
        )
    except backup.BackupError as exc:
        _say(f"backup failed: {exc}")
        raise typer.Exit(1) from None
    typer.echo(str(path))


@backup_app.command("physical")
def backup_physical(
    out: Annotated[Path, typer.Option(help="directory for base-<time>/")],
    database_url: DatabaseUrl = None,
    pg_bin: PgBin = None,
) -> None:
    """pg_basebackup + pg_verifybackup: with the WAL archive, restores to any later moment."""
    try:
        path = backup.physical_backup(
            _database_url(database_url), out, bin_dir=pg_bin, progress=_say
        )
    except backup.BackupError as exc:
        _say(f"backup failed: {exc}")
        raise typer.Exit(1) from None
    typer.echo(str(path))


@backup_app.command("wal-settings")
def wal_settings(
    archive: Annotated[Path, typer.Option(help="where the server copies full WAL segments")],
) -> None:
    """Print the postgresql.conf lines that archive WAL for point-in-time recovery."""
    for key, value in backup.archive_settings(archive).items():
        typer.echo(f"{key} = '{value}'")


@backup_app.command("media")
def backup_media(
    to: Annotated[Path, typer.Option(help="the copy (a mounted volume, a synced bucket)")],
    delete: Annotated[bool, typer.Option(help="remove files the media no longer has")] = False,
) -> None:
    """Copy new and changed media files (product images, videos) to another directory."""
    backup.sync_media(Settings().media_dir, to, delete=delete, progress=_say)


@restore_app.command("logical")
def restore_logical(
    dump: Annotated[Path, typer.Argument(help="a .dump written by shoplet backup logical")],
    database_url: DatabaseUrl = None,
    jobs: Annotated[int, typer.Option(min=1, help=">1: parallel, not one transaction")] = 1,
    yes: Annotated[bool, typer.Option("--yes", help="replace the data without asking")] = False,
    pg_bin: PgBin = None,
) -> None:
    """Replace the database's contents with a logical backup (then: shoplet restore redis
    --flush)."""
    url = _database_url(database_url)
    if not yes:
        typer.confirm(
            f"Replace everything in {backup.libpq(url).database} with {dump}?", abort=True
        )
    try:
        backup.logical_restore(url, dump, jobs=jobs, bin_dir=pg_bin, progress=_say)
    except backup.BackupError as exc:
        _say(f"restore failed: {exc}")
        raise typer.Exit(1) from None


@restore_app.command("pitr")
def restore_pitr(  # noqa: PLR0917
    base: Annotated[Path, typer.Option(help="a base-<time>/ from shoplet backup physical")],
    wal_archive: Annotated[Path, typer.Option(help="the WAL archive directory")],
    data_dir: Annotated[Path, typer.Option(help="new, empty data directory")],
    target_time: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"],
            help="restore to just before this moment (with its offset); default: all of the WAL",
        ),
    ] = None,
    port: Annotated[int | None, typer.Option(help="port of the restored server")] = None,
    start: Annotated[bool, typer.Option(help="start it and wait for the replay")] = False,
    pg_bin: PgBin = None,
) -> None:
    """Point-in-time recovery: a new server from a base backup plus the WAL archive."""
    try:
        cluster = backup.restore_point_in_time(
            base,
            wal_archive,
            data_dir,
            target_time=target_time,
            port=port,
            start=start,
            bin_dir=pg_bin,
            progress=_say,
        )
    except (backup.BackupError, ClusterError) as exc:
        _say(f"restore failed: {exc}")
        raise typer.Exit(1) from None
    typer.echo(cluster.url("postgres"))


@restore_app.command("media")
def restore_media(
    source: Annotated[Path, typer.Option("--from", help="a copy made by shoplet backup media")],
) -> None:
    """Copy the media back into the data directory (files missing or different)."""
    backup.sync_media(source, Settings().media_dir, progress=_say)


__all__ = ["backup_app", "restore_app"]
