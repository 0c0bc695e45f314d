"""The columnar event store: immutable Parquet files in daily partitions, read with DuckDB.

Layout: ``<root>/date=YYYY-MM-DD/<name>.parquet`` (UTC days of the event's corrected time). One
DuckDB file would allow one writer process only, and API processes must read while the worker
writes; Parquet files written once (to a temporary name, then renamed) let any number of
readers open an in-memory DuckDB over ``read_parquet(…, hive_partitioning=true)`` while the
writer appends. Compaction merges a day's files into one (dropping duplicate ``event_id``s, so
an at-least-once delivery counts once); retention drops whole days; a member's deletion request
rewrites the days holding their events without them.

**Funnel index.** Compaction also writes, per day, two narrow files under
``<root>/.funnel/date=YYYY-MM-DD/`` named by a fingerprint of the day's event files (their names
and sizes), so an index describes exactly the files it was built from and any later write,
compaction or deletion makes it stale without anyone having to remove it:

- ``<fp>.rows.parquet``: ``p`` (BIGINT: the event's ``member_id``, else ``device_key`` of its
  anonymous id, a negative 60-bit number from the id's MD5), ``ts`` (BIGINT, µs since the epoch)
  and ``event``, sorted by ``p`` and ``ts``: the three columns a funnel without property filters
  reads, a quarter of the bytes of the events.
- ``<fp>.claims.parquet``: per anonymous id signed in that day, the member who first claimed it
  and when: the day's share of the identity map. A query merges the claims of the days it reads
  (the same days ``identities`` reads, so both paths agree) with ``arg_min``: a device that
  signs in later shows up as a claim in that later day, and its earlier anonymous events follow
  it to the member without rewriting any index.

The reader's ``funnel_rows`` and ``funnel_claims`` views take a day's index when it is current
and compute the same columns from the day's events when it is not (today's partition, which
is not compacted yet, or a day whose index is missing), so a funnel never reads stale data.
MD5 (not DuckDB's ``hash``, which may change between versions) keeps keys stable across
upgrades; two anonymous ids sharing 60 bits of MD5 (about one chance in 10^6 at a million
devices) would count as one person in the funnel counts.

Everything here is synchronous (DuckDB is); callers run it in a thread. ``duckdb`` is imported
inside the functions so an API process that never reads events never loads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import duckdb

# name -> DuckDB type, in file order. ``ts`` is the event's time on the server's clock (the
# client's time corrected by the batch's skew); ``client_ts`` is what the client said.
COLUMNS: dict[str, str] = {
    "event_id": "VARCHAR",
    "event": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "client_ts": "TIMESTAMPTZ",
    "received_at": "TIMESTAMPTZ",
    "source": "VARCHAR",
    "anonymous_id": "VARCHAR",
    "member_id": "BIGINT",
    "session_id": "VARCHAR",
    "page": "VARCHAR",
    "referrer": "VARCHAR",
    "scene": "INTEGER",
    "share_ticket": "VARCHAR",
    "share_code": "VARCHAR",
    "platform": "VARCHAR",
    "app_version": "VARCHAR",
    "properties": "VARCHAR",
}
T = TypeVar("T")
_DAY_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
INDEX_DIR = ".funnel"

# The funnel index's person key of a row: the member, else the device (see the docstring).
DEVICE_KEY_SQL = "(-1 - CAST(('0x' || md5({col})[1:15]) AS BIGINT))"
ROW_KEY_SQL = "coalesce(member_id, " + DEVICE_KEY_SQL.format(col="anonymous_id") + ")"
FUNNEL_ROWS_SQL = (
    f"SELECT {ROW_KEY_SQL} AS p, epoch_us(ts) AS ts, event FROM {{source}} "
    "WHERE member_id IS NOT NULL OR anonymous_id IS NOT NULL"
)
FUNNEL_CLAIMS_SQL = (
    "SELECT " + DEVICE_KEY_SQL.format(col="anonymous_id") + " AS a, member_id AS m, "
    "epoch_us(ts) AS ts FROM {source} WHERE member_id IS NOT NULL AND anonymous_id IS NOT NULL"
)

# The persons view: an anonymous id seen with a member (any event sent signed in, such as the
# ``identify`` the SDK sends at login) belongs to the member who first claimed it, so events sent
# before login count as that member's. ``person`` is ``m:<id>`` or ``a:<anonymous id>``.
PERSONS_SQL = """
CREATE OR REPLACE TEMP VIEW identities AS
SELECT anonymous_id, arg_min(member_id, ts) AS member_id
FROM events WHERE member_id IS NOT NULL AND anonymous_id IS NOT NULL
GROUP BY anonymous_id;
CREATE OR REPLACE TEMP VIEW person_events AS
SELECT e.*,
       COALESCE('m:' || CAST(COALESCE(e.member_id, i.member_id) AS VARCHAR),
                'a:' || e.anonymous_id) AS person
FROM events e LEFT JOIN identities i ON e.anonymous_id = i.anonymous_id;
"""


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _row_json(row: Mapping[str, Any]) -> str:
    out: dict[str, Any] = {}
    for name in COLUMNS:
        value = row.get(name)
        if isinstance(value, datetime):
            value = _ts(value)
        elif name == "properties" and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        out[name] = value
    return json.dumps(out, ensure_ascii=False)


def _columns_literal() -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items()) + "}"


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class EventStore:
    """The Parquet files under ``root``. Writers (the worker's tasks) and readers (any process)
    never share a DuckDB database; a lock orders this process's own writers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._write_lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------

    def days(self) -> list[date]:
        if not self.root.is_dir():
            return []
        out = []
        for child in self.root.iterdir():
            found = _DAY_DIR.match(child.name)
            if found and child.is_dir():
                out.append(date.fromisoformat(found.group(1)))
        return sorted(out)

    def _day_dir(self, day: date) -> Path:
        return self.root / f"date={day.isoformat()}"

    def files(self, day: date | None = None) -> list[Path]:
        if day is not None:
            folder = self._day_dir(day)
            return sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        return sorted(self.root.glob("date=*/*.parquet")) if self.root.is_dir() else []

    def append(self, rows: Sequence[Mapping[str, Any]], *, name: str | None = None) -> int:
        """Write ``rows`` (dicts with the ``COLUMNS``; ``ts`` an aware datetime) as one Parquet
        file per day. ``name`` makes the write idempotent (the stream entry's id): a file that
        already exists under it is written again with the same rows."""
        if not rows:
            return 0
        by_day: dict[date, list[Mapping[str, Any]]] = {}
        for row in rows:
            moment = row["ts"]
            if not isinstance(moment, datetime):
                raise TypeError("ts must be a datetime")
            by_day.setdefault(moment.astimezone(UTC).date(), []).append(row)
        stem = name or uuid.uuid4().hex
        with self._write_lock:
            for day, day_rows in by_day.items():
                self._write_file(self._day_dir(day) / f"{stem}.parquet", day_rows)
        return len(rows)

    def _write_file(self, target: Path, rows: Sequence[Mapping[str, Any]]) -> None:
        import duckdb

        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".tmp-") as scratch:
            source = Path(scratch) / "rows.ndjson"
            source.write_text("\n".join(_row_json(r) for r in rows) + "\n", encoding="utf-8")
            partial = Path(scratch) / "out.parquet"
            con = duckdb.connect()
            try:
                con.execute(
                    f"COPY (SELECT * FROM read_json({_quote(source)}, format='newline_delimited', "
                    f"columns={_columns_literal()})) TO {_quote(partial)} (FORMAT parquet)"
                )
            finally:
                con.close()
            os.replace(partial, target)

    def _rewrite_day(self, day: date, keep_where: str, params: Sequence[Any] = ()) -> int:
        """Replace a day's files by one file of the rows that satisfy ``keep_where`` (distinct
        by ``event_id``); returns the rows dropped. Readers that listed the old files retry."""
        import duckdb

        old = self.files(day)
        if not old:
            return 0
        target = self._day_dir(day) / f"c-{uuid.uuid4().hex}.parquet"
        sources = "[" + ", ".join(_quote(p) for p in old) + "]"
        con = duckdb.connect()
        try:
            before = _scalar(con, f"SELECT count(*) FROM read_parquet({sources})")
            with tempfile.TemporaryDirectory(dir=self.root, prefix=".tmp-") as scratch:
                partial = Path(scratch) / "out.parquet"
                con.execute(
                    f"COPY (SELECT * FROM read_parquet({sources}) WHERE {keep_where} "
                    "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY received_at) = 1 "
                    f"ORDER BY ts) TO {_quote(partial)} (FORMAT parquet)",
                    list(params),
                )
                after = _scalar(con, f"SELECT count(*) FROM read_parquet({_quote(partial)})")
                if after:
                    os.replace(partial, target)
        finally:
            con.close()
        for path in old:
            path.unlink(missing_ok=True)
        if not after:
            shutil.rmtree(self._day_dir(day), ignore_errors=True)
        return before - after

    def compact(self, day: date) -> int:
        """Merge a day's files into one, duplicates (same ``event_id``) dropped, and write the
        day's funnel index unless it is current; returns the number of duplicates. A day with
        one file is not rewritten (only indexed, if it has no index yet)."""
        with self._write_lock:
            dropped = self._rewrite_day(day, "TRUE") if len(self.files(day)) > 1 else 0
            self._build_index(day)
            return dropped

    # -- the funnel index --------------------------------------------------------------------

    def _index_dir(self, day: date) -> Path:
        return self.root / INDEX_DIR / f"date={day.isoformat()}"

    def index_paths(self, day: date) -> tuple[Path, Path] | None:
        """The day's current index files (rows, claims), whether or not they exist yet; None
        for a day without events."""
        files = self.files(day)
        if not files:
            return None
        digest = hashlib.sha1(usedforsecurity=False)
        for path in files:
            with contextlib.suppress(FileNotFoundError):
                digest.update(f"{path.name}:{path.stat().st_size};".encode())
        folder = self._index_dir(day)
        fingerprint = digest.hexdigest()[:20]
        return folder / f"{fingerprint}.rows.parquet", folder / f"{fingerprint}.claims.parquet"

    def has_index(self, day: date) -> bool:
        paths = self.index_paths(day)
        return paths is not None and all(p.is_file() for p in paths)

    def current_indexes(self, start: date, end: date) -> list[tuple[Path, Path]] | None:
        """The current index files (rows, claims) of every UTC day that holds events of the
        shop days ``start``..``end`` (each straddles two UTC days, as the reader lists them);
        None when one of those days has events but no current index yet."""
        found: list[tuple[Path, Path]] = []
        for day in self.days():
            if not start - timedelta(days=1) <= day <= end + timedelta(days=1):
                continue
            paths = self.index_paths(day)
            if paths is None:
                continue
            if not all(p.is_file() for p in paths):
                return None
            found.append(paths)
        return found

    def build_index(self, day: date) -> bool:
        """Write the day's funnel index unless it is current; False for a day without events."""
        with self._write_lock:
            return self._build_index(day)

    def _build_index(self, day: date) -> bool:
        import duckdb

        paths = self.index_paths(day)
        folder = self._index_dir(day)
        if paths is None:
            shutil.rmtree(folder, ignore_errors=True)
            return False
        if all(p.is_file() for p in paths):
            return True
        rows_path, claims_path = paths
        source = "read_parquet([" + ", ".join(_quote(p) for p in self.files(day)) + "])"
        folder.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            with tempfile.TemporaryDirectory(dir=self.root, prefix=".tmp-") as scratch:
                rows_tmp = Path(scratch) / "rows.parquet"
                claims_tmp = Path(scratch) / "claims.parquet"
                con.execute(
                    f"COPY ({FUNNEL_ROWS_SQL.format(source=source)} ORDER BY p, ts) "
                    f"TO {_quote(rows_tmp)} (FORMAT parquet)"
                )
                con.execute(
                    f"COPY (SELECT a, arg_min(m, ts) AS m, min(ts) AS ts FROM "
                    f"({FUNNEL_CLAIMS_SQL.format(source=source)}) GROUP BY a ORDER BY a) "
                    f"TO {_quote(claims_tmp)} (FORMAT parquet)"
                )
                # Claims first: a reader that sees the rows file finds its claims beside it.
                os.replace(claims_tmp, claims_path)
                os.replace(rows_tmp, rows_path)
        finally:
            con.close()
        for stale in folder.glob("*.parquet"):
            if stale not in paths:
                stale.unlink(missing_ok=True)
        return True

    def drop_before(self, oldest_kept: date) -> list[date]:
        """Retention: remove the days before ``oldest_kept``."""
        dropped = []
        with self._write_lock:
            for day in self.days():
                if day < oldest_kept:
                    shutil.rmtree(self._day_dir(day), ignore_errors=True)
                    shutil.rmtree(self._index_dir(day), ignore_errors=True)
                    dropped.append(day)
        return dropped

    def delete_member(self, member_id: int) -> int:
        """A deletion request: rewrite every day holding the member's events (their own, and
        the anonymous events merged into them) without them; returns the events removed."""
        anonymous = self._anonymous_ids_of(member_id)
        removed = 0
        keep = (
            "member_id IS DISTINCT FROM ? "
            "AND NOT coalesce(list_contains(?::VARCHAR[], anonymous_id), false)"
        )
        with self._write_lock:
            for day in self.days():
                if self._day_holds(day, member_id, anonymous):
                    removed += self._rewrite_day(day, keep, [member_id, anonymous])
                    # The old index still holds the member's rows: replace it now.
                    if self._index_dir(day).is_dir():
                        self._build_index(day)
        return removed

    def _anonymous_ids_of(self, member_id: int) -> list[str]:
        with self.reader() as con:
            rows = con.execute(
                "SELECT DISTINCT anonymous_id FROM events "
                "WHERE member_id = ? AND anonymous_id IS NOT NULL",
                [member_id],
            ).fetchall()
        return [str(r[0]) for r in rows]

    def _day_holds(self, day: date, member_id: int, anonymous: list[str]) -> bool:
        import duckdb

        files = self.files(day)
        if not files:
            return False
        sources = "[" + ", ".join(_quote(p) for p in files) + "]"
        con = duckdb.connect()
        try:
            found = _scalar(
                con,
                f"SELECT count(*) FROM read_parquet({sources}) "
                "WHERE member_id = ? OR list_contains(?::VARCHAR[], anonymous_id)",
                [member_id, anonymous],
            )
        finally:
            con.close()
        return found > 0

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def reader(self, *, start: date | None = None, end: date | None = None) -> Iterator[Any]:
        """An in-memory DuckDB connection with the views ``events`` (the days around
        ``start..end``, or all) and ``person_events`` (with ``person``, identities merged)."""
        con = _open_reader(self, start, end)
        try:
            yield con
        finally:
            con.close()

    def read(
        self,
        query: Callable[[Any], T],
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> T:
        """Run ``query(con)`` over a reader; once more on a fresh file list if a compaction
        removed a file between the listing and the read."""
        import duckdb

        for attempt in range(3):
            try:
                with self.reader(start=start, end=end) as con:
                    return query(con)
            except duckdb.IOException:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    row = con.execute(sql, list(params)).fetchall()
    return int(row[0][0]) if row else 0


def _open_reader(store: EventStore, start: date | None, end: date | None) -> Any:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        # The funnel views read the footers of files the ``events`` view has read already.
        con.execute("SET parquet_metadata_cache = true")
        # Days are UTC partitions; a shop day (Asia/Shanghai) straddles two of them.
        files = [
            p
            for p in store.files()
            if (start is None or _file_day(p) >= start - timedelta(days=1))
            and (end is None or _file_day(p) <= end + timedelta(days=1))
        ]
        _funnel_views(con, store, sorted({_file_day(p) for p in files}))
        if files:
            sources = "[" + ", ".join(_quote(p) for p in files) + "]"
            # union_by_name: files written before a column was added read it as NULL.
            con.execute(
                "CREATE TEMP VIEW events AS SELECT "
                + ", ".join(COLUMNS)
                + f" FROM read_parquet({sources}, hive_partitioning=true, union_by_name=true)"
            )
        else:
            columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
            con.execute(f"CREATE TEMP TABLE events ({columns})")
        con.execute(PERSONS_SQL)
    except BaseException:
        con.close()
        raise
    return con


def _funnel_views(con: Any, store: EventStore, days: Sequence[date]) -> None:
    """``funnel_rows (p, ts, event)`` and ``funnel_claims (a, m, ts)`` over ``days``: each
    day's index when it is current, else the same columns computed from its events."""
    indexed: list[tuple[Path, Path]] = []
    raw: list[Path] = []
    for day in days:
        paths = store.index_paths(day)
        if paths is not None and all(p.is_file() for p in paths):
            indexed.append(paths)
        else:
            raw += store.files(day)
    parts_rows = [
        "SELECT NULL::BIGINT AS p, NULL::BIGINT AS ts, NULL::VARCHAR AS event WHERE false"
    ]
    parts_claims = ["SELECT NULL::BIGINT AS a, NULL::BIGINT AS m, NULL::BIGINT AS ts WHERE false"]
    if indexed:
        rows = "[" + ", ".join(_quote(r) for r, _c in indexed) + "]"
        claims = "[" + ", ".join(_quote(c) for _r, c in indexed) + "]"
        parts_rows.append(f"SELECT p, ts, event FROM read_parquet({rows})")
        parts_claims.append(f"SELECT a, m, ts FROM read_parquet({claims})")
    if raw:
        source = (
            "(SELECT member_id, anonymous_id, ts, event FROM read_parquet(["
            + ", ".join(_quote(p) for p in raw)
            + "], union_by_name=true))"
        )
        parts_rows.append(FUNNEL_ROWS_SQL.format(source=source))
        parts_claims.append(FUNNEL_CLAIMS_SQL.format(source=source))
    con.execute("CREATE TEMP VIEW funnel_rows AS " + " UNION ALL ".join(parts_rows))
    con.execute("CREATE TEMP VIEW funnel_claims AS " + " UNION ALL ".join(parts_claims))


def _file_day(path: Path) -> date:
    found = _DAY_DIR.match(path.parent.name)
    return date.fromisoformat(found.group(1)) if found else date.min
