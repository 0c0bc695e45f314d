"""Pools of child processes for CPU-bound work that must not hold an API process's event loop.

A spawned pool worker holds both ends of its task queue, so when the process that made it is
killed (SIGKILL, an OOM kill, a crashed test server) it never sees the queue close and waits
for work forever. Workers of ``process_pool`` watch their parent instead and end themselves
within ``WATCH_SECONDS`` of it going.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

WATCH_SECONDS = 1.0


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """Spawned workers (no copy of the parent's threads, locks or sockets) that exit on their
    own once the process that made the pool is gone."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


def watch_parent(parent: int) -> None:
    """In a worker: end the process when ``parent`` is no longer its parent (it was reparented,
    so the parent died)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
