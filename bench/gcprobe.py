"""``python -m bench.gcprobe APP --port N``: uvicorn (uvloop + httptools, one worker) serving
``APP``, with every garbage collection timed through ``gc.callbacks``.

What ``bench.flame`` starts instead of a plain ``uvicorn`` when it looks for the causes of the
p99: each collection's generation and pause go to ``BENCH_GC_OUT`` (JSON) when the server stops.
``BENCH_GC_MODE`` picks the collector set-up to compare, in the same run:

- ``default``: as shipped (Shoplet's lifespan calls ``gc.freeze()`` after start-up and sets
  ``shoplet.app.GC_THRESHOLDS``);
- ``nofreeze``: ``gc.freeze()`` made a no-op, so start-up objects stay in every full collection;
- ``untuned``: ``gc.set_threshold`` made a no-op: Python's default thresholds (700, 10, 10);
- ``threshold``: ``gc.set_threshold(*BENCH_GC_THRESHOLD)`` (e.g. ``10000,10,10``) in place of
  the app's own.

Only collections that happen while ``BENCH_GC_RESET`` (a file) is newer than the start count, so
the start-up collections do not drown the ones under load: ``bench.flame`` touches it after the
warm-up.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


class GcTimer:
    """Pauses per generation, measured with ``gc.callbacks``."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((int(info["generation"]), time.perf_counter() - self._start))

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for generation in (0, 1, 2):
            ms = sorted(p * 1000 for g, p in self.pauses if g == generation)
            out[f"gen{generation}"] = {
                "count": len(ms),
                "total_ms": round(sum(ms), 2),
                "max_ms": round(ms[-1], 2) if ms else 0.0,
                "over_10ms": sum(1 for m in ms if m > 10),
            }
        return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gcprobe")
    parser.add_argument("app")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    mode = os.environ.get("BENCH_GC_MODE", "default")
    if mode == "nofreeze":
        gc.freeze = lambda: None
    elif mode == "untuned":
        gc.set_threshold = lambda *_args: None
    elif mode == "threshold":
        raw = os.environ.get("BENCH_GC_THRESHOLD", "10000,10,10")
        gc.set_threshold(*(int(x) for x in raw.split(",")))
        gc.set_threshold = lambda *_args: None
    timer = GcTimer()
    reset = os.environ.get("BENCH_GC_RESET")

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if reset and not Path(reset).exists():
            return  # still starting or warming up
        timer(phase, info)

    gc.callbacks.append(on_gc)
    out = os.environ.get("BENCH_GC_OUT")

    def write_summary(*_args: Any) -> None:
        if out:
            Path(out).write_text(json.dumps({"mode": mode, **timer.summary()}))
        sys.exit(0)

    # uvicorn restores the handlers it found and re-raises the signal it stopped on: this one
    # then writes the figures (a plain return from ``uvicorn.run`` would never be reached).
    signal.signal(signal.SIGTERM, write_summary)
    signal.signal(signal.SIGINT, write_summary)
    import uvicorn

    uvicorn.run(
        args.app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="none",
        access_log=False,
        log_level="warning",
    )
    write_summary()


if __name__ == "__main__":
    main()
