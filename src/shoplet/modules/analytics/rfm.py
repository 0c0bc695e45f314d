"""RFM in both conventions, pure (no I/O, no database): the same code serves the CLI on a CSV
of transactions and the nightly job on members' paid orders plus imported history.

Input: transactions ``(customer_id, day, amount_fen)``. Transactions after the observation end
are left out (as lifetimes does). Per customer:

- **BTYD / lifetimes convention** (``summary_data_from_transaction_data`` with ``freq="D"``):
  purchases on one day count once (their amounts summed); ``frequency`` = distinct purchase
  days − 1, ``recency`` = last − first purchase day in days, ``T`` = observation end − first
  purchase day in days, ``monetary_value`` = the mean spend of the repeat purchase days (the
  first day left out), 0 when ``frequency`` is 0.
- **Marketing convention**: R = days since the last purchase, F = the number of transactions
  (orders), M = the total spend in fen; each scored 1–5 by quintile of rank (R: fewer days is
  better): a customer's score is ``1 + floor(5 × share of customers strictly worse)``, so equal
  values always get equal scores. R, F and M are *high* when the score is at least the **mean**
  score over all customers (the common Chinese RFM convention; the median would put every
  one-order shopper of a young shop on the same side), and the eight classes follow from the
  three high/low flags (:data:`CLASSES`).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

# (R high, F high, M high) -> class code; names in Chinese in CLASS_NAMES (labels.ts too).
CLASSES: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important_value",
    (True, False, True): "important_develop",
    (False, True, True): "important_keep",
    (False, False, True): "important_retain",
    (True, True, False): "general_value",
    (True, False, False): "general_develop",
    (False, True, False): "general_keep",
    (False, False, False): "general_retain",
}
CLASS_NAMES: dict[str, str] = {
    "important_value": "重要价值客户",
    "important_develop": "重要发展客户",
    "important_keep": "重要保持客户",
    "important_retain": "重要挽留客户",
    "general_value": "一般价值客户",
    "general_develop": "一般发展客户",
    "general_keep": "一般保持客户",
    "general_retain": "一般挽留客户",
}
CLASS_CODES: tuple[str, ...] = tuple(CLASS_NAMES)

HEADER = ("customer_id", "date", "amount")
MAX_CUSTOMER_ID = 64
MAX_AMOUNT_FEN = 10**12  # ten billion yuan: anything above is a typo, not a purchase


@dataclass(frozen=True, slots=True)
class Transaction:
    customer_id: str
    day: date
    amount: int  # fen


@dataclass(frozen=True, slots=True)
class CustomerRfm:
    customer_id: str
    # BTYD / lifetimes convention (days)
    frequency: int
    recency: int
    T: int
    monetary_value: float  # fen, mean of repeat purchase days
    # marketing convention
    days_since_last: int
    orders: int
    spend: int  # fen
    r_score: int
    f_score: int
    m_score: int
    rfm_class: str
    first_day: date
    last_day: date


class TransactionsInvalid(ValueError):
    """A row of a transactions CSV that cannot be read: its line number (the header is line 1)
    and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_amount(text: str) -> int:
    """Yuan with at most two decimals (``12``, ``12.5``, ``12.50``) to fen; ``ValueError``
    otherwise (negative, more decimals, not a number)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"amount {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"amount {text!r} is not a number")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {text!r} has more than two decimals")
    if fen < 0:
        raise ValueError(f"amount {text!r} is negative")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError(f"amount {text!r} is too large")
    return int(fen)


def parse_transactions(text: str) -> list[Transaction]:
    """Rows of a CSV whose header starts ``customer_id,date,amount`` (further columns are
    ignored; dates ``YYYY-MM-DD``, amounts in yuan). The first bad row raises
    :class:`TransactionsInvalid` with its line number; customer ids stay strings."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise TransactionsInvalid(1, "the file is empty") from None
    except csv.Error as exc:
        raise TransactionsInvalid(1, f"not CSV: {exc}") from None
    if tuple(h.strip() for h in header[:3]) != HEADER:
        raise TransactionsInvalid(1, f"the header must start with {','.join(HEADER)}")
    rows: list[Transaction] = []
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            rows.append(_row(line, fields))
    except csv.Error as exc:
        raise TransactionsInvalid(reader.line_num, f"not CSV: {exc}") from None
    return rows


def _row(line: int, fields: Sequence[str]) -> Transaction:
    if len(fields) < len(HEADER):
        raise TransactionsInvalid(line, f"expected {len(HEADER)} columns, found {len(fields)}")
    customer, day_text, amount_text = (f.strip() for f in fields[:3])
    if not customer:
        raise TransactionsInvalid(line, "customer_id is empty")
    if len(customer) > MAX_CUSTOMER_ID or not customer.isprintable():
        raise TransactionsInvalid(
            line, f"customer_id must be 1..{MAX_CUSTOMER_ID} printable characters"
        )
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise TransactionsInvalid(line, f"date {day_text!r} is not YYYY-MM-DD") from None
    if len(day_text) != len("YYYY-MM-DD"):
        raise TransactionsInvalid(line, f"date {day_text!r} is not YYYY-MM-DD")
    try:
        amount = parse_amount(amount_text)
    except ValueError as exc:
        raise TransactionsInvalid(line, str(exc)) from None
    return Transaction(customer, day, amount)


@dataclass(slots=True)
class _Customer:
    orders: int = 0
    spend: int = 0
    by_day: dict[date, int] = field(default_factory=dict)


def summarize(transactions: Iterable[Transaction], observation_end: date) -> list[CustomerRfm]:
    """Both conventions per customer, in customer-id order (see the module's docstring)."""
    customers: dict[str, _Customer] = {}
    for t in transactions:
        if t.day > observation_end:
            continue
        c = customers.setdefault(t.customer_id, _Customer())
        c.orders += 1
        c.spend += t.amount
        c.by_day[t.day] = c.by_day.get(t.day, 0) + t.amount
    ids = sorted(customers)
    base: list[tuple[str, date, date, int, float, _Customer]] = []
    for cid in ids:
        c = customers[cid]
        days = sorted(c.by_day)
        first, last = days[0], days[-1]
        repeat = [c.by_day[d] for d in days[1:]]
        monetary = sum(repeat) / len(repeat) if repeat else 0.0
        base.append((cid, first, last, len(days) - 1, monetary, c))
    recencies = [(observation_end - last).days for _, _, last, _, _, _ in base]
    r_scores = quintile_scores([-r for r in recencies])
    f_scores = quintile_scores([c.orders for *_, c in base])
    m_scores = quintile_scores([c.spend for *_, c in base])
    classes = classify(r_scores, f_scores, m_scores)
    return [
        CustomerRfm(
            customer_id=cid,
            frequency=frequency,
            recency=(last - first).days,
            T=(observation_end - first).days,
            monetary_value=monetary,
            days_since_last=since_last,
            orders=c.orders,
            spend=c.spend,
            r_score=r,
            f_score=f,
            m_score=m,
            rfm_class=cls,
            first_day=first,
            last_day=last,
        )
        for (cid, first, last, frequency, monetary, c), since_last, r, f, m, cls in zip(
            base, recencies, r_scores, f_scores, m_scores, classes, strict=True
        )
    ]


def quintile_scores(values: Sequence[float]) -> list[int]:
    """1..5 per value, higher for larger values: ``1 + floor(5 × (values strictly smaller) /
    n)``, capped at 5; equal values get equal scores."""
    n = len(values)
    if n == 0:
        return []
    ordered = sorted(values)
    return [min(5, 1 + (5 * bisect_left(ordered, v)) // n) for v in values]


def classify(r: Sequence[int], f: Sequence[int], m: Sequence[int]) -> list[str]:
    """The class of each customer: each score high when at least the mean of its scores."""
    if not r:
        return []
    means = [sum(s) / len(s) for s in (r, f, m)]
    return [
        CLASSES[(a >= means[0], b >= means[1], c >= means[2])]
        for a, b, c in zip(r, f, m, strict=True)
    ]


def fen_to_yuan(fen: float) -> str:
    """A fen amount as yuan text: exact for whole fen, full precision for a mean."""
    if isinstance(fen, int) or float(fen).is_integer():
        whole = int(fen)
        return f"{whole // 100}.{whole % 100:02d}" if whole >= 0 else f"-{fen_to_yuan(-whole)}"
    return repr(fen / 100)
