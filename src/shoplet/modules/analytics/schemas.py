"""Schemas of the analytics console routes (money in fen; RFM classes by stable code, named in
Chinese by the console's glossary)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from shoplet.core.schemas import ResponseModel

RfmClass = Literal[
    "important_value",
    "important_develop",
    "important_keep",
    "important_retain",
    "general_value",
    "general_develop",
    "general_keep",
    "general_retain",
]
RunStatus = Literal["queued", "running", "done", "failed"]


class RfmRun(ResponseModel):
    id: int
    status: RunStatus
    trigger: str
    progress: int
    total: int
    observation_end: date | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RfmClassFigure(ResponseModel):
    code: RfmClass
    customers: int
    share_permille: int
    spend: int
    clv: int


class RfmPoint(ResponseModel):
    days_since_last: int
    orders: int
    spend: int
    rfm_class: RfmClass


class RfmSummary(ResponseModel):
    """Class tiles, the scatter's points (the 1000 biggest spenders) and the last runs."""

    customers: int
    spend: int
    classes: list[RfmClassFigure]
    points: list[RfmPoint]
    last_run: RfmRun | None
    last_done_run: RfmRun | None


class RfmCustomer(ResponseModel):
    """A customer's RFM in both conventions (days), CLV over 12 months and P(alive)."""

    id: int
    customer_key: str
    member_id: int | None
    external_customer_id: str | None
    frequency: int
    recency: int
    t_days: int
    monetary_value: int
    days_since_last: int
    orders: int
    spend: int
    r_score: int
    f_score: int
    m_score: int
    rfm_class: RfmClass
    p_alive: float | None
    expected_purchases: float | None
    clv: int | None
    last_purchase_on: date
    computed_at: datetime


class HistoryImport(ResponseModel):
    """What an import added, and the history held after it."""

    rows: int
    customers: int
    total_rows: int
    total_customers: int
