"""The local HLS test stream: what a push/pull CDN serves for a live stream, written under the
app's media directory, where the default play base (``/media/live``) points, so the recorder
reads it over HTTP from the app itself. ``add`` publishes new segments (the window slides, as a
live playlist's does), ``drop`` deletes one (every fetch of it fails), ``end`` closes the stream
(``#EXT-X-ENDLIST``). Segments are MPEG-TS-shaped bytes (188-byte packets, sync byte 0x47)
that name their media sequence, so a stored copy can be told from another."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PACKET = 188


def segment_bytes(stream: str, media_sequence: int, packets: int = 4) -> bytes:
    label = f"{stream}:{media_sequence}".encode()
    packet = b"\x47" + label[: PACKET - 1].ljust(PACKET - 1, b"\xff")
    return packet * packets


@dataclass
class LiveStream:
    media_dir: Path
    stream: str
    window: int = 3
    seconds: float = 2.0
    # (media sequence, EXTINF seconds, discontinuity before it)
    segments: list[tuple[int, float, bool]] = field(default_factory=list)
    is_ended: bool = False

    @property
    def folder(self) -> Path:
        return self.media_dir / "live"

    def name(self, media_sequence: int) -> str:
        return f"{self.stream}-{media_sequence}.ts"

    def add(self, n: int = 1, *, discontinuity: bool = False, seconds: float | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            seq = len(self.segments)
            (self.folder / self.name(seq)).write_bytes(segment_bytes(self.stream, seq))
            self.segments.append((seq, seconds or self.seconds, discontinuity and i == 0))
        self._write()

    def drop(self, media_sequence: int) -> None:
        (self.folder / self.name(media_sequence)).unlink()

    def end(self) -> None:
        self.is_ended = True
        self._write()

    def _write(self) -> None:
        shown = self.segments[-self.window :]
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{int(max(s for _, s, _ in shown) + 0.999)}",
            f"#EXT-X-MEDIA-SEQUENCE:{shown[0][0]}",
        ]
        for seq, seconds, broke in shown:
            if broke:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += [f"#EXTINF:{seconds:.3f},", self.name(seq)]
        if self.is_ended:
            lines.append("#EXT-X-ENDLIST")
        (self.folder / f"{self.stream}.m3u8").write_text("\n".join(lines) + "\n")
