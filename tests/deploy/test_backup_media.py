"""``shoplet backup media`` / ``restore media``: an incremental copy of the media directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shoplet.deploy.backup import BackupError, sync_media


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_media_copies_new_and_changed_files_only(tmp_path: Path) -> None:
    media, copy = tmp_path / "media", tmp_path / "copy"
    write(media / "products" / "a.jpg", b"a" * 10)
    write(media / "products" / "b.webp", b"b" * 20)
    lines: list[str] = []

    assert sync_media(media, copy, progress=lines.append) == (2, 0, 0)
    assert sync_media(media, copy) == (0, 2, 0)
    write(media / "products" / "a.jpg", b"A" * 11)
    write(media / "videos" / "c.mp4", b"c")
    assert sync_media(media, copy) == (2, 1, 0)

    assert (copy / "products" / "a.jpg").read_bytes() == b"A" * 11
    assert (copy / "videos" / "c.mp4").read_bytes() == b"c"
    assert lines == ["media: 2 copied, 0 unchanged, 0 deleted"]


def test_media_delete_removes_what_the_source_no_longer_has(tmp_path: Path) -> None:
    media, copy = tmp_path / "media", tmp_path / "copy"
    write(media / "keep.jpg", b"k")
    write(copy / "keep.jpg", b"k")
    os.utime(copy / "keep.jpg", ns=(os.stat(media / "keep.jpg").st_mtime_ns,) * 2)
    write(copy / "gone.jpg", b"g")

    assert sync_media(media, copy) == (0, 1, 0)
    assert (copy / "gone.jpg").exists()
    assert sync_media(media, copy, delete=True) == (0, 1, 1)
    assert sorted(p.name for p in copy.iterdir()) == ["keep.jpg"]


def test_media_from_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="is not a directory"):
        sync_media(tmp_path / "nothing", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
