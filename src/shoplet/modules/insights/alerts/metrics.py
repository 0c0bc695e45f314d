"""The metric registry: what a monitor can watch. A metric is one entry: a code, its Chinese
name, its unit and how to read its series for a window, bucketed by hour or by shop day.

Counts and sums come from where they live (``analytics.public.traffic`` for UV and PV from the
event store, ``orders.public.paid_order_amounts``, ``payments.public``); ratios are computed
from those per bucket. ``stock_outs`` is a gauge (how many SKUs are sold out *now*): it has no
past in its source, so its history is the monitor's own stored checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.analytics import public as analytics
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments

from .rules import GRAIN_STEP, Grain, bucket_start

# Shop days are Asia/Shanghai days (UTC+8, no daylight saving).
SHOP_DAY_OFFSET = timedelta(hours=8)
Series = dict[datetime, float]


@dataclass(frozen=True, slots=True)
class Window:
    """Buckets of ``grain`` from ``since`` (a bucket start) up to ``until`` (exclusive)."""

    since: datetime
    until: datetime
    grain: Grain

    def buckets(self) -> list[datetime]:
        out = []
        moment = self.since
        while moment < self.until:
            out.append(moment)
            moment += GRAIN_STEP[self.grain]
        return out

    @property
    def seconds(self) -> int:
        return int(GRAIN_STEP[self.grain].total_seconds())

    @property
    def offset_seconds(self) -> int:
        return int(SHOP_DAY_OFFSET.total_seconds()) if self.grain == "day" else 0

    def bucket_of(self, moment: datetime) -> datetime:
        return bucket_start(moment.astimezone(UTC), self.grain, SHOP_DAY_OFFSET)


Reader = Callable[[AppContext, AsyncSession, Window], Awaitable[Series]]


@dataclass(frozen=True, slots=True)
class Metric:
    code: str
    name: str
    unit: str
    read: Reader
    # A gauge is read for the current bucket only; its history is the stored checks.
    is_gauge: bool = False
    description: str = ""


def _count(window: Window, moments: Iterable[datetime]) -> Series:
    counts = Counter(window.bucket_of(m) for m in moments)
    return {b: float(counts.get(b, 0)) for b in window.buckets()}


async def _traffic(ctx: AppContext, window: Window) -> dict[datetime, tuple[int, int]]:
    return await analytics.traffic(
        ctx,
        since=window.since,
        until=window.until,
        bucket_seconds=window.seconds,
        offset_seconds=window.offset_seconds,
    )


async def read_uv(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    found = await _traffic(ctx, window)
    return {b: float(found.get(b, (0, 0))[0]) for b in window.buckets()}


async def read_pv(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    found = await _traffic(ctx, window)
    return {b: float(found.get(b, (0, 0))[1]) for b in window.buckets()}


async def _paid(session: AsyncSession, window: Window) -> list[tuple[datetime, int]]:
    return await orders.paid_order_amounts(session, since=window.since, until=window.until)


async def read_orders(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    return _count(window, (paid_at for paid_at, _ in await _paid(session, window)))


async def read_gmv(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    sums: dict[datetime, float] = dict.fromkeys(window.buckets(), 0.0)
    for paid_at, total in await _paid(session, window):
        bucket = window.bucket_of(paid_at)
        if bucket in sums:
            sums[bucket] += total
    return sums


async def read_conversion(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    """Paid orders per 100 UV; buckets without visitors have no value."""
    paid = await read_orders(ctx, session, window)
    uv = await read_uv(ctx, session, window)
    return {b: paid[b] / uv[b] * 100 for b in window.buckets() if uv.get(b)}


async def read_payment_failures(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    failed = await payments.failed_payment_times(session, since=window.since, until=window.until)
    return _count(window, failed)


async def read_refund_rate(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    """Refunds that succeeded per 100 orders paid in the same bucket (no orders: no value)."""
    refunds = _count(
        window, await payments.refund_times(session, since=window.since, until=window.until)
    )
    paid = await read_orders(ctx, session, window)
    return {b: refunds[b] / paid[b] * 100 for b in window.buckets() if paid.get(b)}


async def read_stock_outs(ctx: AppContext, session: AsyncSession, window: Window) -> Series:
    """The SKUs sold out now, as the value of the window's last bucket."""
    buckets = window.buckets()
    if not buckets:
        return {}
    return {buckets[-1]: float(await inventory.count_out_of_stock(session))}


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric("uv", "访客数 UV", "人", read_uv, description="有任一事件的去重访客（身份合并后）"),
        Metric("pv", "浏览量 PV", "次", read_pv, description="page_view 事件数"),
        Metric("orders", "支付订单数", "单", read_orders),
        Metric("gmv", "支付金额 GMV", "分", read_gmv, description="已支付订单应付总额（分）"),
        Metric("conversion", "支付转化率", "%", read_conversion, description="支付订单数 / UV"),
        Metric("payment_failures", "支付失败数", "笔", read_payment_failures),
        Metric("refund_rate", "退款率", "%", read_refund_rate, description="退款成功 / 支付订单"),
        Metric(
            "stock_outs",
            "售罄 SKU 数",
            "个",
            read_stock_outs,
            is_gauge=True,
            description="可售库存为 0 的 SKU（仅能读当前值，历史来自已存的检查）",
        ),
    )
}
