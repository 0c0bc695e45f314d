"""The cluster path: the events in a ClickHouse server, named by one URL
(``SHOPLET_ANALYTICS_CLICKHOUSE_URL=http(s)://user:password@host:8123/database``).

Set, the event writer inserts each batch into the server's ``analytics_events`` table before it
writes the batch's Parquet file (``ingest.write_pending``), and the funnels the embedded engine
would answer with ``windowFunnel`` (``funnels_clickhouse.answers``) run there, with the same
SQL: each person's longest chain of steps within the window, identities merged by the first
claim (``argMin``) of each device. A member's deletion request removes their rows there too.
The other readers (explorer, breakdowns, retention, paths, heatmaps, profiles) keep reading
the Parquet store.

The table (``SCHEMA_SQL``): a ``ReplacingMergeTree`` partitioned by (UTC) day, ordered by
``(person, ts, event_id)`` so that a person's events lie together in time order, expired by a
TTL of ``SHOPLET_ANALYTICS_EVENTS_RETENTION_DAYS`` that drops a day's parts whole (as the
Parquet store drops a day's folder). It is created when missing; on a cluster create it
beforehand as ``ReplicatedReplacingMergeTree`` behind a ``Distributed`` table of the same name
and columns, and Shoplet uses it as it is. ``person`` is the member (``m:<id>``), else the
device (``a:<anonymous id>``); a device's later sign-in merges it at query time, so nothing is
rewritten.

Delivery stays at least once: a batch retried after a failure carries the same
``insert_deduplication_token`` (its queue entry ids), which the table's deduplication window
drops, and the ``event_id`` in the sorting key lets merges drop what is left.

The wire is ClickHouse's HTTP interface (``POST /`` with the statement in ``query`` and the rows
in the body as ``JSONEachRow``, ``X-ClickHouse-User`` / ``X-ClickHouse-Key``; an error answers
a non-200 status with ``X-ClickHouse-Exception-Code``), spoken through httpx. What goes into
the SQL is an integer, the database name the settings checked (an identifier) or a string
quoted by ``funnels_clickhouse.literal``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from shoplet.core.context import AppContext
from shoplet.modules.analytics import funnels, funnels_clickhouse
from shoplet.modules.analytics.errors import EventStoreUnavailable
from shoplet.modules.analytics.eventstore import COLUMNS

TABLE = "analytics_events"
_SERVER = "analytics.clickhouse"
_CODE = re.compile(r"Code:\s*(\d+)")
UNKNOWN_TABLE = 60
UNKNOWN_DATABASE = 81

# name -> ClickHouse type, in the Parquet store's column order, with ``person`` after the ids.
TYPES: dict[str, str] = {
    "event_id": "String",
    "event": "LowCardinality(String)",
    "ts": "DateTime64(6, 'UTC')",
    "client_ts": "Nullable(DateTime64(6, 'UTC'))",
    "received_at": "DateTime64(6, 'UTC')",
    "source": "LowCardinality(String)",
    "anonymous_id": "Nullable(String)",
    "member_id": "Nullable(Int64)",
    "person": "String",
    "session_id": "Nullable(String)",
    "page": "Nullable(String)",
    "referrer": "Nullable(String)",
    "scene": "Nullable(Int32)",
    "share_ticket": "Nullable(String)",
    "share_code": "Nullable(String)",
    "platform": "LowCardinality(Nullable(String))",
    "app_version": "Nullable(String)",
    "properties": "String",
}

SCHEMA_SQL = (
    "CREATE TABLE IF NOT EXISTS {table} ({columns}) "
    "ENGINE = ReplacingMergeTree "
    "PARTITION BY toDate(ts) "
    "ORDER BY (person, ts, event_id) "
    "TTL toDateTime(ts) + INTERVAL {days} DAY "
    "SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1"
)


class ClickHouseError(Exception):
    """What the server answered instead of a result (``code`` is ClickHouse's error code, 0
    when the server could not be reached at all)."""

    def __init__(self, message: str, *, code: int = 0, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Target:
    """Where the server is: the base URL without credentials, the database, the account."""

    base: str
    database: str
    user: str
    password: str

    @property
    def table(self) -> str:
        return f"{self.database}.{TABLE}"


def parse_url(url: str) -> Target:
    """``http(s)://user:password@host:port/database`` (as the settings check it) → a
    ``Target``."""
    parts = urlsplit(url)
    hostname = parts.hostname or "localhost"
    netloc = hostname if ":" not in hostname else f"[{hostname}]"
    database = parts.path.strip("/")
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return Target(
        base=f"{parts.scheme}://{netloc}/",
        database=database,
        user=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
    )


def _moment(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def person_of(row: Mapping[str, Any]) -> str:
    """The row's person key before identity merging: ``m:<member>``, else ``a:<device>``
    (empty for a row with neither, which no funnel counts)."""
    member = row.get("member_id")
    if member is not None:
        return f"m:{int(member)}"
    anonymous = row.get("anonymous_id")
    return f"a:{anonymous}" if anonymous else ""


def json_rows(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as ``JSONEachRow`` lines in the table's columns."""
    lines = []
    for row in rows:
        out = {name: row.get(name) for name in COLUMNS}
        for name in ("ts", "client_ts", "received_at"):
            out[name] = _moment(out[name])
        out["person"] = person_of(row)
        out["properties"] = out["properties"] or "{}"
        lines.append(json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


class ClickHouseServer:
    """One ClickHouse server (or a cluster's load balancer) over its HTTP interface."""

    def __init__(self, target: Target, *, retention_days: int, timeout: float = 30.0) -> None:
        self.target = target
        self.retention_days = retention_days
        self.timeout = timeout
        self._schema_ready = False

    async def execute(self, sql: str, data: bytes | None = None) -> str:
        """Run one statement; with ``data``, the statement goes in ``query`` and the data is
        the body (an ``INSERT … FORMAT``). Returns the answer's text."""
        headers = {
            "X-ClickHouse-User": self.target.user,
            "X-ClickHouse-Key": self.target.password,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                if data is None:
                    answer = await client.post(
                        self.target.base, content=sql.encode(), headers=headers
                    )
                else:
                    answer = await client.post(
                        self.target.base, params={"query": sql}, content=data, headers=headers
                    )
        except httpx.HTTPError as exc:
            raise ClickHouseError(f"ClickHouse unreachable: {exc!r}") from exc
        if answer.status_code != 200:
            code = answer.headers.get("X-ClickHouse-Exception-Code")
            found = _CODE.search(answer.text)
            number = int(code) if code and code.isdigit() else int(found[1]) if found else 0
            raise ClickHouseError(answer.text.strip()[:500], code=number, status=answer.status_code)
        return answer.text

    async def ensure_schema(self) -> None:
        """The database and the events table, when missing (once per process)."""
        if self._schema_ready:
            return
        await self.execute(f"CREATE DATABASE IF NOT EXISTS {self.target.database}")
        columns = ", ".join(f"{name} {kind}" for name, kind in TYPES.items())
        await self.execute(
            SCHEMA_SQL.format(
                table=self.target.table, columns=columns, days=int(self.retention_days)
            )
        )
        self._schema_ready = True

    async def _with_schema(self, sql: str, data: bytes | None = None) -> str:
        """``execute`` after ``ensure_schema``; a table dropped since is created again once."""
        await self.ensure_schema()
        try:
            return await self.execute(sql, data)
        except ClickHouseError as exc:
            if exc.code not in (UNKNOWN_TABLE, UNKNOWN_DATABASE):
                raise
            self._schema_ready = False
            await self.ensure_schema()
            return await self.execute(sql, data)

    async def insert(self, rows: Sequence[Mapping[str, Any]], *, token: str) -> int:
        """Insert a batch; the same ``token`` again (a retried batch) inserts nothing."""
        if not rows:
            return 0
        sql = (
            f"INSERT INTO {self.target.table} ({', '.join(TYPES)}) "
            f"SETTINGS insert_deduplication_token = {funnels_clickhouse.literal(token)} "
            "FORMAT JSONEachRow"
        )
        await self._with_schema(sql, json_rows(rows))
        return len(rows)

    async def count(self, where: str = "1") -> int:
        text = await self._with_schema(
            f"SELECT count() FROM {self.target.table} WHERE {where} FORMAT TabSeparated"  # noqa: S608
        )
        return int(text.strip() or 0)

    async def delete_member(self, member_id: int) -> int:
        """A deletion request: the member's rows and those of the devices they signed in on
        (as the Parquet store's ``delete_member``); returns the rows removed."""
        member = int(member_id)
        devices = await self._with_schema(
            f"SELECT DISTINCT anonymous_id FROM {self.target.table} "  # noqa: S608
            f"WHERE member_id = {member} AND anonymous_id IS NOT NULL FORMAT JSONEachRow"
        )
        ids = [json.loads(line)["anonymous_id"] for line in devices.splitlines() if line]
        listed = ", ".join(funnels_clickhouse.literal(i) for i in ids) or "''"
        where = f"member_id = {member} OR anonymous_id IN ({listed})"
        removed = await self.count(where)
        if removed:
            await self.execute(
                f"ALTER TABLE {self.target.table} DELETE WHERE {where} SETTINGS mutations_sync = 2"
            )
        return removed

    def funnel_sql(
        self, steps: Sequence[funnels.Step], window_seconds: int, *, first: date, last: date
    ) -> str:
        start_us, end_us = funnels_clickhouse.bounds_us(first, last)
        table = self.target.table
        # The range on the column (the inner query), the µs under another name: an alias ``ts``
        # in the same query would be what its WHERE compares.
        rows = (
            "(SELECT person AS p, toUnixTimestamp64Micro(at) AS ts, event FROM "  # noqa: S608
            f"(SELECT person, ts AS at, event FROM {table} "
            f"WHERE ts >= fromUnixTimestamp64Micro({start_us}, 'UTC') "
            f"AND ts < fromUnixTimestamp64Micro({end_us}, 'UTC') AND person != ''))"
        )
        claims = (
            f"(SELECT concat('a:', assumeNotNull(anonymous_id)) AS a, "  # noqa: S608
            f"concat('m:', toString(assumeNotNull(member_id))) AS m, "
            f"toUnixTimestamp64Micro(ts) AS ts FROM {table} "
            "WHERE member_id IS NOT NULL AND anonymous_id IS NOT NULL)"
        )
        return funnels_clickhouse.funnel_sql(
            steps, window_seconds, start_us=start_us, end_us=end_us, rows=rows, claims=claims
        )

    async def funnel(
        self, steps: Sequence[funnels.Step], *, window_seconds: int, first: date, last: date
    ) -> list[funnels.StepCount]:
        """The funnel's step counts (only funnels ``funnels_clickhouse.answers``)."""
        sql = self.funnel_sql(steps, window_seconds, first=first, last=last)
        text = await self._with_schema(f"{sql} FORMAT TabSeparated")
        levels: dict[int, int] = {}
        for line in text.splitlines():
            if line.strip():
                level, persons = line.split("\t")
                levels[int(level)] = int(persons)
        return funnels.step_counts(steps, levels)


def server_of(ctx: AppContext) -> ClickHouseServer | None:
    """The configured server (one object per context), or None without the URL."""
    secret = ctx.settings.analytics_clickhouse_url
    if secret is None:
        return None
    server: ClickHouseServer | None = ctx.extras.get(_SERVER)
    if server is None:
        server = ctx.extras[_SERVER] = ClickHouseServer(
            parse_url(secret.get_secret_value()),
            retention_days=ctx.settings.analytics_events_retention_days,
            timeout=ctx.settings.analytics_clickhouse_timeout_seconds,
        )
    return server


def unavailable(exc: ClickHouseError) -> EventStoreUnavailable:
    """The API's answer when a request needs the server and it fails (503)."""
    return EventStoreUnavailable(f"ClickHouse: {exc}", clickhouse_code=exc.code)
