"""Console background jobs, registered on import by the worker and the API lifespan.

``console.run_exports`` (in ``exports.py``) turns queued order exports into CSV files, a batch at a
time with progress; the job row is the queue, so an export survives a restart.
"""

from shoplet.modules.console import exports  # noqa: F401  (registers its @periodic job)
