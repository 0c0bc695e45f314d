"""One section of docs/benchmarks.md rewritten in place, for benches run on their own."""

from __future__ import annotations

from pathlib import Path


def replace_section(output: Path, begin: str, end: str, section: str) -> None:
    """Replace the part of the report between ``begin`` and ``end`` with ``section`` (which
    carries both markers), or append it; standalone runs of one bench use it."""
    text = output.read_text() if output.exists() else "# Shoplet benchmarks\n\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text)
