"""The columnar event store: immutable Parquet files in daily partitions, read with DuckDB.

Layout: ``<root>/date=YYYY-MM-DD/<name>.parquet`` (UTC days of the event's corrected time). One
DuckDB file would allow one writer process only, and API processes must read while the worker
writes; Parquet files written once (to a temporary name, then renamed) let any number of
readers open an in-memory DuckDB over ``read_parquet(…, hive_partitioning=true)`` while the
writer appends. Compaction merges a day's files into one (dropping duplicate ``event_id``s, so
an at-least-once delivery counts once); retention drops whole days; a member's deletion request
rewrites the days holding their events without them.

Everything here is synchronous (DuckDB is); callers run it in a thread. ``duckdb`` is imported
inside the functions so an API process that never reads events never loads it.
"""

from __future__ import annotations

import contextlib
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
        """Merge a day's files into one, duplicates (same ``event_id``) dropped; returns the
        number of duplicates. A day with one file is left alone."""
        with self._write_lock:
            if len(self.files(day)) <= 1:
                return 0
            return self._rewrite_day(day, "TRUE")

    def drop_before(self, oldest_kept: date) -> list[date]:
        """Retention: remove the days before ``oldest_kept``."""
        dropped = []
        with self._write_lock:
            for day in self.days():
                if day < oldest_kept:
                    shutil.rmtree(self._day_dir(day), ignore_errors=True)
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
        # Days are UTC partitions; a shop day (Asia/Shanghai) straddles two of them.
        files = [
            p
            for p in store.files()
            if (start is None or _file_day(p) >= start - timedelta(days=1))
            and (end is None or _file_day(p) <= end + timedelta(days=1))
        ]
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


def _file_day(path: Path) -> date:
    found = _DAY_DIR.match(path.parent.name)
    return date.fromisoformat(found.group(1)) if found else date.min
