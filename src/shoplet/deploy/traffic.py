"""Blue-green and canary traffic: the small nginx include that says which colour gets how much.

The gateway's main configuration (``gateway.render``) defines an upstream per role and colour
(``shoplet_api_blue``, ``shoplet_edge_green``, …) and includes one file, rendered here, that
splits requests between the two colours with ``split_clients``. Shifting traffic rewrites only
that file, checks the whole configuration with ``nginx -t`` and reloads nginx (old workers
finish their requests, new ones take the new split); any failure puts the previous file back.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Colour = Literal["blue", "green"]
COLOURS: tuple[Colour, Colour] = ("blue", "green")
_STATE = re.compile(r"^# shoplet-traffic green=(\d{1,3})$", re.MULTILINE)


class TrafficError(Exception):
    """The traffic file could not be applied; the previous one is back in place."""


@dataclass(frozen=True)
class Traffic:
    """The share of requests (0..100 %) that go to green; the rest go to blue."""

    green: int

    def __post_init__(self) -> None:
        if not 0 <= self.green <= 100:
            raise ValueError(f"green share {self.green} is not within 0..100")

    @classmethod
    def all_on(cls, colour: Colour) -> Traffic:
        return cls(100 if colour == "green" else 0)

    def share(self, colour: Colour) -> int:
        return self.green if colour == "green" else 100 - self.green

    @property
    def label(self) -> str:
        return f"blue={self.share('blue')} green={self.green}"


def render_traffic(traffic: Traffic) -> str:
    """The include: ``$shoplet_split_track`` (blue or green per request, keyed by
    ``$shoplet_split_key`` of the main configuration), ``$shoplet_traffic`` for /nginx-health."""
    if traffic.green == 0:
        split = "    * blue;"
    elif traffic.green == 100:
        split = "    * green;"
    else:
        split = f"    {traffic.green}% green;\n    * blue;"
    return (
        f"# shoplet-traffic green={traffic.green}\n"
        "# Written by `shoplet deploy shift`; checked with nginx -t before each reload.\n"
        f'split_clients "$shoplet_split_key" $shoplet_split_track {{\n{split}\n}}\n'
        f'map $host $shoplet_traffic {{ default "{traffic.label}"; }}\n'
    )


def read_traffic(path: Path) -> Traffic:
    match = _STATE.search(path.read_text(encoding="utf-8"))
    if match is None:
        raise TrafficError(f"{path} is not a Shoplet traffic file")
    return Traffic(int(match.group(1)))


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 # noqa: S603 - the operator's own nginx command line
        list(argv), capture_output=True, text=True, timeout=60, check=False
    )


def apply_traffic(path: Path, traffic: Traffic, nginx: Sequence[str]) -> None:
    """Write ``traffic`` to ``path``, ``nginx -t``, then ``nginx -s reload``. ``nginx`` is the
    command line that names the configuration (``nginx -p PREFIX -c FILE``). On any failure the
    previous file is restored (and reloaded, if the reload itself failed) and TrafficError says why.
    """
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    _write(path, render_traffic(traffic))
    checked = _run([*nginx, "-t", "-q"])
    if checked.returncode != 0:
        _restore(path, previous)
        raise TrafficError(f"nginx -t refused the configuration:\n{checked.stderr.strip()}")
    reloaded = _run([*nginx, "-s", "reload"])
    if reloaded.returncode != 0:
        _restore(path, previous)
        _run([*nginx, "-s", "reload"])
        raise TrafficError(f"nginx -s reload failed:\n{reloaded.stderr.strip()}")


def _restore(path: Path, previous: str | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        _write(path, previous)


def steps_towards(colour: Colour, percents: Sequence[int]) -> list[Traffic]:
    """``--to green --steps 10,50,100`` as traffic states: each step is the share of ``colour``."""
    if not percents or any(not 0 <= p <= 100 for p in percents):
        raise ValueError("steps are percentages within 0..100")
    if list(percents) != sorted(percents):
        raise ValueError("steps go up: e.g. 10,50,100")
    return [Traffic(p if colour == "green" else 100 - p) for p in percents]


def shift(
    path: Path,
    steps: Sequence[Traffic],
    nginx: Sequence[str],
    *,
    check: Callable[[Traffic], str | None] | None = None,
    on_step: Callable[[Traffic], None] | None = None,
    retreat: Traffic | None = None,
) -> Traffic:
    """Apply each step in turn; after each, ``check`` (when given) returns None when the new
    colour is healthy or a reason. A failed step puts back the traffic as it was before the
    shift; a failed check puts back ``retreat`` (the CLI passes everything on the old colour,
    0 % of the new one), by default that same starting traffic. Either raises TrafficError."""
    start = read_traffic(path)
    _write(_previous(path), render_traffic(start))
    current = start
    for step in steps:
        try:
            apply_traffic(path, step, nginx)
        except TrafficError:
            if current != start:
                apply_traffic(path, start, nginx)
            raise
        current = step
        if on_step is not None:
            on_step(step)
        reason = check(step) if check is not None else None
        if reason is not None:
            back = start if retreat is None else retreat
            apply_traffic(path, back, nginx)
            raise TrafficError(
                f"check failed at {step.label}: {reason}; rolled back to {back.label}"
            )
    return current


def _previous(path: Path) -> Path:
    return path.with_name(path.name + ".previous")


def rollback(path: Path, nginx: Sequence[str]) -> Traffic:
    """Put back the traffic file that the last shift replaced."""
    saved = _previous(path)
    if not saved.exists():
        raise TrafficError(f"no previous traffic file next to {path}")
    before = read_traffic(saved)
    apply_traffic(path, before, nginx)
    return before
