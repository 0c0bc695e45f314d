"""One section of docs/benchmarks.md rewritten in place, for benches run on their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def replace_section(
    output: Path, begin: str, end: str, render: Callable[[Callable[[str], None]], None]
) -> None:
    """Replace the part of the report between ``begin`` and ``end`` with the lines ``render``
    adds (they carry both markers), or append them; standalone runs of one bench use it."""
    lines: list[str] = []
    render(lines.append)
    section = "\n".join(lines)
    text = output.read_text() if output.exists() else "# Shoplet benchmarks\n\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text)
