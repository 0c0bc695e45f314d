"""``shoplet analytics``: RFM of a transactions CSV (both conventions, CLV, P(alive)), the
history import, a computation of the shop's RFM now (docs/analytics.md), and the forecast of
a ``date,value`` series (docs/forecasting.md).

A bad row stops ``rfm`` and ``import-history`` with its line number and exit code 2; ``rfm``
writes its output to a temporary file renamed into place only when everything succeeded, so a
failed run leaves no output file.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from shoplet.core.settings import Settings
    from shoplet.modules.analytics.public import HistoryImport

analytics_app = typer.Typer(help="Analytics: RFM, CLV, purchase history.", no_args_is_help=True)

EXIT_BAD_INPUT = 2
OUTPUT_COLUMNS = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "days_since_last",
    "orders",
    "spend",
    "r_score",
    "f_score",
    "m_score",
    "class",
    "class_name",
    "p_alive",
    "expected_purchases_365",
    "clv",
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _read(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(f"{file}: line 1: the file is neither UTF-8 nor GBK text")


@analytics_app.command("rfm")
def rfm_command(
    transactions: Annotated[
        Path, typer.Option("--transactions", help="CSV with header customer_id,date,amount")
    ],
    observation_end: Annotated[
        str, typer.Option("--observation-end", help="last day observed, YYYY-MM-DD")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV to write, one row per customer")],
    with_clv: Annotated[
        bool, typer.Option("--clv/--no-clv", help="fit BG/NBD + Gamma-Gamma (CLV, P(alive))")
    ] = True,
) -> None:
    """RFM per customer in the BTYD/lifetimes convention (frequency, recency, T,
    monetary_value, in days) and the marketing one (R/F/M scores 1-5 and the class), with
    CLV over 12 months and P(alive). Amounts in yuan."""
    from shoplet.modules.analytics import public as analytics

    try:
        end = date.fromisoformat(observation_end)
    except ValueError:
        raise _fail(f"--observation-end {observation_end!r} is not YYYY-MM-DD") from None
    try:
        rows = analytics.parse_transactions(_read(transactions))
    except analytics.TransactionsInvalid as exc:
        raise _fail(f"{transactions}: line {exc.line}: {exc.message}") from None
    customers = analytics.summarize(rows, end)
    bgnbd = gamma = None
    if with_clv:
        try:
            bgnbd = analytics.fit_bgnbd(
                [c.frequency for c in customers],
                [c.recency for c in customers],
                [c.T for c in customers],
            )
            gamma = analytics.fit_gamma_gamma(
                [c.frequency for c in customers], [c.monetary_value for c in customers]
            )
        except analytics.FitFailed as exc:
            typer.echo(f"warning: no CLV: {exc}", err=True)
            bgnbd = gamma = None
    folder = out.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=".rfm-", suffix=".csv", dir=folder)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(OUTPUT_COLUMNS)
            for c in customers:
                alive, expected, fen = analytics.predict(
                    bgnbd, gamma, c.frequency, c.recency, c.T, c.monetary_value
                )
                writer.writerow(
                    [
                        c.customer_id,
                        c.frequency,
                        c.recency,
                        c.T,
                        analytics.fen_to_yuan(c.monetary_value),
                        c.days_since_last,
                        c.orders,
                        analytics.fen_to_yuan(c.spend),
                        c.r_score,
                        c.f_score,
                        c.m_score,
                        c.rfm_class,
                        analytics.CLASS_NAMES[c.rfm_class],
                        "" if alive is None else repr(alive),
                        "" if expected is None else repr(expected),
                        "" if fen is None else analytics.fen_to_yuan(fen),
                    ]
                )
        Path(tmp).replace(out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    counts: dict[str, int] = {}
    for c in customers:
        counts[c.rfm_class] = counts.get(c.rfm_class, 0) + 1
    typer.echo(f"{len(rows)} transactions, {len(customers)} customers written to {out}")
    for code in analytics.CLASS_CODES:
        typer.echo(f"  {analytics.CLASS_NAMES[code]}: {counts.get(code, 0)}")
    if bgnbd is not None and gamma is not None:
        typer.echo(
            f"BG/NBD r={bgnbd.r:.4f} alpha={bgnbd.alpha:.4f} a={bgnbd.a:.4f} b={bgnbd.b:.4f}; "
            f"Gamma-Gamma p={gamma.p:.4f} q={gamma.q:.4f} v={gamma.v:.4f}"
        )


@analytics_app.command("import-history")
def import_history_command(
    file: Annotated[Path, typer.Argument(help="CSV with header customer_id,date,amount")],
) -> None:
    """Add purchase history from another platform (every row checked first: a bad row exits
    2 with its line number and nothing is imported)."""
    from shoplet.core.settings import Settings
    from shoplet.modules.analytics import public as analytics

    data = _read(file).encode()
    try:
        result = asyncio.run(_import(Settings(), data, f"cli:{file.name}"))
    except analytics.HistoryInvalid as exc:
        raise _fail(f"{file}: {exc.detail}") from None
    typer.echo(
        f"imported {result.rows} purchases of {result.customers} customers; the history now "
        f"holds {result.total_rows} purchases of {result.total_customers} customers"
    )


async def _import(settings: Settings, data: bytes, source: str) -> HistoryImport:
    from shoplet.core.context import AppContext
    from shoplet.core.db import unit_of_work
    from shoplet.modules.analytics import public as analytics

    ctx = AppContext.build(settings)
    try:
        async with unit_of_work(ctx.sessionmaker) as session:
            return await analytics.import_history(session, data, source=source)
    finally:
        await ctx.close()


@analytics_app.command("compute")
def compute_command() -> None:
    """Compute every customer's RFM, CLV and P(alive) now (what the daily job does)."""
    from shoplet.core.settings import Settings

    asyncio.run(_compute(Settings()))


async def _compute(settings: Settings) -> None:
    from shoplet.core.context import AppContext
    from shoplet.core.db import read_session, unit_of_work
    from shoplet.modules.analytics import public as analytics

    ctx = AppContext.build(settings)
    try:
        async with unit_of_work(ctx.sessionmaker) as session:
            run, _ = await analytics.request_run(session, trigger="cli", staff_id=None)
        await analytics.run_rfm(ctx, run.id)
        async with read_session(ctx.sessionmaker) as session:
            done = await analytics.get_run(session, run.id)
        typer.echo(f"run {done.id}: {done.status}, {done.progress}/{done.total} customers")
        if done.status != "done":
            sys.exit(1)
    finally:
        await ctx.close()


@analytics_app.command("forecast")
def forecast_command(
    series: Annotated[Path, typer.Option("--series", help="CSV with header date,value")],
    season_length: Annotated[
        int, typer.Option("--season-length", help="periods per season: 7, 52, 12…")
    ],
    horizon: Annotated[int, typer.Option("--horizon", help="periods to forecast")],
    level: Annotated[int, typer.Option("--level", help="interval level, %: 80, 90 or 95")] = 95,
    calendar: Annotated[
        bool,
        typer.Option("--calendar/--no-calendar", help="holidays and 618/双11 as regressors"),
    ] = True,
) -> None:
    """Forecast a daily, weekly or monthly series: the model chosen by a rolling-origin
    backtest (MASE) beside the seasonal naive. The last line printed is JSON with ``forecast``,
    ``lower``, ``upper``, ``model``, ``dates`` and the backtest's accuracy. A bad line: its
    number on stderr, exit code 2, nothing on stdout."""
    import orjson

    from shoplet.modules.insights import public as insights

    if level not in (80, 90, 95):
        raise _fail("--level must be 80, 90 or 95")
    rows = _series_rows(series)
    try:
        result = insights.forecast_rows(
            rows,
            season_length=season_length,
            horizon=horizon,
            level=level,
            calendar=calendar,
            unit="line",
        )
    except insights.ForecastInputError as exc:
        raise _fail(f"{series}: {exc.detail}") from None
    out = {
        "forecast": result.forecast,
        "lower": result.lower,
        "upper": result.upper,
        "model": result.model,
        "level": result.level,
        "dates": [d.isoformat() for d in result.dates],
        "frequency": result.frequency,
        "mape": result.accuracy.mape,
        "smape": result.accuracy.smape,
        "mase": result.accuracy.mase,
        "baseline_mase": result.baseline.accuracy.mase,
    }
    typer.echo(orjson.dumps(out).decode())


def _series_rows(file: Path) -> list[tuple[int, str, str]]:
    """``(line, date, value)`` of the CSV's rows; a wrong header or row shape stops here."""
    reader = csv.reader(_read(file).splitlines())
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["date", "value"]:
        raise _fail(f"{file}: line 1: the header must be date,value")
    rows = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise _fail(f"{file}: line {line}: expected 2 columns (date,value), got {len(row)}")
        rows.append((line, row[0], row[1]))
    return rows
