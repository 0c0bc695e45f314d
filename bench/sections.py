"""One section of docs/benchmarks.md rewritten in place, for benches run on their own."""

from __future__ import annotations

import re
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


def keep_sections(old: str, new: str) -> str:
    """``new`` (a full report) plus every marked section of ``old`` that ``new`` lacks: a full
    run renders its own sections afresh and keeps those of benches run on their own (search,
    recommendations, checkout preview, ...), instead of dropping them."""
    kept: list[str] = []
    for begin in re.finditer(r"<!-- ([a-z0-9-]+):begin -->", old):
        name = begin.group(1)
        end_marker = f"<!-- {name}:end -->"
        end = old.find(end_marker, begin.end())
        if end < 0 or begin.group(0) in new:
            continue
        kept.append(old[begin.start() : end + len(end_marker)])
    if not kept:
        return new
    return new.rstrip("\n") + "\n\n" + "\n\n".join(kept) + "\n"
