"""``shoplet backup`` and ``shoplet restore``: the commands around ``shoplet.deploy.backup``.

``shoplet restore redis`` (rebuilding Redis from PostgreSQL) needs the business modules' jobs, so
``shoplet.cli`` adds it to ``restore_app``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shoplet.core.settings import Settings
from shoplet.core.storage import parse_storage_url, s3_location
from shoplet.deploy import backup
from shoplet.deploy.pgcluster import ClusterError

if TYPE_CHECKING:
    # Loaded only for a bucket copy: the embedded default never loads botocore.
    from shoplet.deploy.media_backup import BucketPlace, DirectoryPlace

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


Jobs = Annotated[int, typer.Option(min=1, max=64, help="objects copied at a time (buckets)")]
S3Endpoint = Annotated[
    str | None,
    typer.Option(help="S3 endpoint of an s3:// copy (default: SHOPLET_S3_ENDPOINT_URL)"),
]


@backup_app.command("media")
def backup_media(
    to: Annotated[str, typer.Option(help="a directory (a mounted volume) or s3://bucket/prefix")],
    delete: Annotated[bool, typer.Option(help="remove files the media no longer has")] = False,
    jobs: Jobs = 8,
    endpoint_url: S3Endpoint = None,
) -> None:
    """Copy new and changed media (product images, videos) to a directory or a backup bucket:
    from the media bucket object by object when SHOPLET_MEDIA_STORAGE_URL is set (resumable:
    what the copy already holds, by size and ETag, is skipped), else from the media directory."""
    settings = Settings()
    if not settings.media_storage_url and not to.startswith("s3://"):
        backup.sync_media(settings.media_dir, Path(to), delete=delete, progress=_say)
        return
    _sync_objects(_media_place(settings), _place(settings, to, endpoint_url), delete, jobs)


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
    source: Annotated[
        str, typer.Option("--from", help="a copy made by shoplet backup media (dir or s3://)")
    ],
    jobs: Jobs = 8,
    endpoint_url: S3Endpoint = None,
) -> None:
    """Copy the media back (objects missing or different) into the media bucket when
    SHOPLET_MEDIA_STORAGE_URL is set, else into the data directory."""
    settings = Settings()
    if not settings.media_storage_url and not source.startswith("s3://"):
        backup.sync_media(Path(source), settings.media_dir, progress=_say)
        return
    from shoplet.deploy.media_backup import DirectoryPlace

    origin = _place(settings, source, endpoint_url)
    if isinstance(origin, DirectoryPlace) and not origin.root.is_dir():
        _say(f"restore failed: {source} is not a directory")
        raise typer.Exit(1)
    _sync_objects(origin, _media_place(settings), False, jobs)


def _media_place(settings: Settings) -> BucketPlace | DirectoryPlace:
    from shoplet.deploy.media_backup import BucketPlace, DirectoryPlace

    location = s3_location(settings, "media")
    if location is None:
        return DirectoryPlace(settings.media_dir)
    return BucketPlace(location)


def _place(
    settings: Settings, where: str, endpoint_url: str | None
) -> BucketPlace | DirectoryPlace:
    """``s3://bucket/prefix`` (with the SHOPLET_S3_* keys and region) or a directory."""
    from shoplet.core.storage_s3 import S3Location
    from shoplet.deploy.media_backup import BucketPlace, DirectoryPlace

    if not where.startswith("s3://"):
        return DirectoryPlace(Path(where))
    try:
        bucket, prefix = parse_storage_url(where, "--to/--from")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    access, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    return BucketPlace(
        S3Location(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=endpoint_url or settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=access.get_secret_value() if access else None,
            secret_access_key=secret.get_secret_value() if secret else None,
            addressing_style=settings.s3_addressing_style,
        )
    )


def _sync_objects(
    source: BucketPlace | DirectoryPlace,
    target: BucketPlace | DirectoryPlace,
    delete: bool,
    jobs: int,
) -> None:
    from shoplet.deploy.media_backup import MediaBackupError, sync_media_objects

    try:
        asyncio.run(sync_media_objects(source, target, delete=delete, jobs=jobs, progress=_say))
    except MediaBackupError as exc:
        _say(f"{exc}")
        raise typer.Exit(1) from None


__all__ = ["backup_app", "restore_app"]
