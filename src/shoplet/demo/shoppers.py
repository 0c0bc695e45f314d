"""The demo shopper simulation: shoppers sign in, buy, pay (WeChat Pay simulator), cancel, confirm
receipt and ask for refunds through the real storefront API; staff ship and handle after-sales
through ``orders.public``. ``plan_history`` decides what happens to each order, and when."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.demo.accounts import DEMO_OWNER_USERNAME
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_SHOPPERS = 20
DEMO_ORDERS = 150
DEMO_PENDING = 3
HISTORY_DAYS = 30
HISTORY_SEED = 20240619
STAFF_ACTOR = DEMO_OWNER_USERNAME
CARRIERS = (("顺丰速运", "SF"), ("中通快递", "ZT"), ("圆通速递", "YT"), ("京东物流", "JD"))
NICKNAMES = (
    "小鹿乱撞", "阿杰", "橘子汽水", "老王", "晴天", "Momo", "一只猫", "山河", "糖糖", "大熊",
    "柠檬不酸", "Kevin", "南风", "小雨点", "咖啡续命", "阿花", "追风少年", "木木", "栗子", "Lily",
)  # fmt: skip
RECIPIENTS = (
    "王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴倩",
    "徐明", "孙丽", "马超", "朱婷", "胡军", "郭晶", "何伟", "林琳", "高峰", "罗兰",
)  # fmt: skip
PLACES = (
    ("北京市", "北京市", "朝阳区", "110105", "建国路88号SOHO现代城2号楼1203室"),
    ("上海市", "上海市", "浦东新区", "310115", "世纪大道100号环球金融中心45层"),
    ("广东省", "广州市", "天河区", "440106", "天河路385号太古汇一座2801"),
    ("广东省", "深圳市", "南山区", "440305", "科苑南路2666号中国华润大厦18楼"),
    ("浙江省", "杭州市", "西湖区", "330106", "文三路90号东部软件园3号楼502"),
    ("江苏省", "南京市", "鼓楼区", "320106", "中山北路30号城市名人酒店旁小区5栋"),
    ("四川省", "成都市", "武侯区", "510107", "人民南路四段12号华西坝小区3-2-601"),
    ("湖北省", "武汉市", "洪山区", "420111", "珞喻路1037号华中科技大学紫菘公寓"),
    ("陕西省", "西安市", "雁塔区", "610113", "高新路52号高科大厦1501"),
    ("重庆市", "重庆市", "渝中区", "500103", "解放碑民权路28号英利国际金融中心"),
    ("福建省", "厦门市", "思明区", "350203", "环岛南路3088号曾厝垵社区18号"),
    ("山东省", "青岛市", "市南区", "370202", "香港中路76号颐中皇冠假日公寓1802"),
    ("湖南省", "长沙市", "岳麓区", "430104", "麓山南路932号湖南大学教工宿舍"),
    ("天津市", "天津市", "和平区", "120101", "南京路189号津汇广场2座2206"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102", "解放北路166号小区2栋1单元"),
)
REMARKS = ("请尽快发货", "送人的，请不要放发票", "周末再送", "放门口快递柜", "谢谢老板")
CANCEL_REASONS = ("不想要了", "地址填错了", "拍错规格了", "找到更便宜的了")
AFTERSALE_REASONS = ("尺码不合适", "颜色和图片有色差", "收到时外包装破损", "七天无理由退货")
REJECT_REASON = "商品已拆封使用，不符合七天无理由退货条件"
# Business grows: recent days weigh more (today counts less: it is not over yet).
DAY_WEIGHTS = [0.6] + [math.exp(-d / 18) for d in range(1, HISTORY_DAYS)]


@dataclass
class DemoOrder:
    """What should happen to one demo order, and when (aware UTC)."""

    member: int  # index into the shoppers
    items: list[tuple[int, int]]  # (sku_id, quantity)
    remark: str | None
    placed_at: datetime
    cancelled_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    received_at: datetime | None = None
    received_by_shopper: bool = True
    completed_at: datetime | None = None
    aftersale: str | None = None  # requested | rejected | refunded
    aftersale_kind: str = "refund_only"
    aftersale_at: datetime | None = None
    order_no: str = ""
    payable_total: int = 0

    def times(self) -> dict[str, datetime]:
        steps = {
            "pending_payment": self.placed_at,
            "cancelled": self.cancelled_at,
            "paid": self.paid_at,
            "shipped": self.shipped_at,
            "received": self.received_at,
            "completed": self.completed_at,
        }
        return {status: at for status, at in steps.items() if at is not None}


def plan_history(
    rng: random.Random, skus: Sequence[tuple[int, int]], *, now: datetime
) -> list[DemoOrder]:
    """Deterministic plans for the demo orders, oldest first. ``skus``: (sku id, price)."""
    plans: list[DemoOrder] = []
    for index in range(DEMO_ORDERS):
        member = rng.randrange(DEMO_SHOPPERS)
        lines = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        chosen = rng.sample(list(skus), lines)
        items = [(sku_id, 1 if rng.random() < 0.8 else 2) for sku_id, _ in chosen]
        remark = rng.choice(REMARKS) if rng.random() < 0.15 else None
        if index < DEMO_PENDING:
            # Placed in the last minutes and not paid yet: still within their payment window
            # (15 minutes by default) when the seed ends, also when a loaded machine makes
            # placing the month of orders take ten minutes.
            placed = now - timedelta(minutes=rng.randint(1, 4))
            plans.append(DemoOrder(member, items, remark, placed))
            continue
        # More orders lately, more in the evening (Asia/Shanghai).
        days_ago = rng.choices(range(HISTORY_DAYS), weights=DAY_WEIGHTS)[0]
        hour = rng.choice((9, 10, 11, 12, 13, 14, 15, 16, 19, 20, 20, 21, 21, 22, 22, 23))
        local_day = (now.astimezone(SHANGHAI) - timedelta(days=days_ago)).date()
        placed = datetime.combine(local_day, datetime.min.time(), SHANGHAI) + timedelta(
            hours=hour, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
        )
        if placed > now - timedelta(minutes=40):
            placed = now - timedelta(minutes=rng.randint(40, 120))
        plan = DemoOrder(member, items, remark, placed.astimezone(now.tzinfo))
        if rng.random() < 0.09:
            plan.cancelled_at = plan.placed_at + timedelta(minutes=rng.randint(3, 29))
        else:
            plan.paid_at = plan.placed_at + timedelta(minutes=rng.randint(1, 12))
            _plan_fulfilment(rng, plan, now=now)
        plans.append(plan)
    plans.sort(key=lambda p: p.placed_at)
    _plan_aftersales(rng, plans, now=now)
    return plans


def _plan_fulfilment(rng: random.Random, plan: DemoOrder, *, now: datetime) -> None:
    if plan.paid_at is None:
        return
    shipped = plan.paid_at + timedelta(hours=rng.randint(3, 30))
    if shipped > now - timedelta(minutes=10):
        return
    plan.shipped_at = shipped
    plan.received_by_shopper = rng.random() < 0.8
    received = shipped + (
        timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 12))
        if plan.received_by_shopper
        else timedelta(days=10, minutes=rng.randint(1, 600))
    )
    if received > now:
        return
    plan.received_at = received
    completed = received + timedelta(days=7, minutes=rng.randint(1, 600))
    if completed <= now:
        plan.completed_at = completed


def _plan_aftersales(rng: random.Random, plans: Sequence[DemoOrder], *, now: datetime) -> None:
    # Recent deliveries (not completed yet): waiting for the merchant, refused, refunded.
    candidates = [p for p in plans if p.shipped_at is not None and p.completed_at is None]
    outcomes = ["requested"] * 4 + ["rejected"] * 2 + ["refunded"] * 2
    chosen = rng.sample(candidates, min(len(outcomes), len(candidates)))
    for plan, outcome in zip(chosen, outcomes[: len(chosen)], strict=True):
        start = plan.received_at or plan.shipped_at or plan.placed_at
        plan.aftersale = outcome
        plan.aftersale_kind = (
            "return_refund" if outcome == "requested" and rng.random() < 0.5 else "refund_only"
        )
        plan.aftersale_at = min(
            now - timedelta(minutes=5), start + timedelta(hours=rng.randint(2, 30))
        )


def _demo_address(rng: random.Random, index: int) -> dict[str, str]:
    province, city, district, region_code, detail = PLACES[index % len(PLACES)]
    return {
        "recipient": RECIPIENTS[index],
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        "province": province,
        "city": city,
        "district": district,
        "region_code": region_code,
        "detail": detail,
    }


class ShopperApi:
    """The storefront API, called in-process as a shopper's phone would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body


async def sign_up_shoppers(api: ShopperApi, rng: random.Random) -> list[tuple[str, int]]:
    """WeChat sign-in (the simulator's ``test-<name>`` codes), a nickname and an address each:
    (access token, default address id)."""
    shoppers = []
    for index in range(DEMO_SHOPPERS):
        tokens = await api.call(
            "POST", "/auth/wechat-login", json={"code": f"test-demo-shopper-{index + 1:02d}"}
        )
        token = tokens["access_token"]
        await api.call("PATCH", "/me", token, json={"nickname": NICKNAMES[index]})
        address = await api.call(
            "POST",
            "/me/addresses",
            token,
            json={**_demo_address(rng, index), "is_default": True},
        )
        shoppers.append((token, int(address["id"])))
    return shoppers


async def place(
    api: ShopperApi,
    simulator: WeChatPaySimulator,
    shoppers: Sequence[tuple[str, int]],
    plan: DemoOrder,
) -> None:
    token, address_id = shoppers[plan.member]
    order = await api.call(
        "POST",
        "/orders",
        token,
        json={
            "address_id": address_id,
            "items": [{"sku_id": sku_id, "quantity": n} for sku_id, n in plan.items],
            "remark": plan.remark,
        },
        headers={"Idempotency-Key": hashlib.sha256(repr(plan).encode()).hexdigest()[:32]},
    )
    plan.order_no = order["order_no"]
    plan.payable_total = order["payable_total"]
    if plan.cancelled_at is not None:
        reason = CANCEL_REASONS[len(plan.order_no) % len(CANCEL_REASONS)]
        await api.call("POST", f"/orders/{plan.order_no}/cancel", token, json={"reason": reason})
    elif plan.paid_at is not None:
        payment = await api.call(
            "POST", f"/orders/{plan.order_no}/pay", token, json={"channel": "wechat_jsapi"}
        )
        await simulator.pay(payment["prepay_id"])


async def fulfil(
    ctx: AppContext,
    api: ShopperApi,
    shoppers: Sequence[tuple[str, int]],
    plans: Sequence[DemoOrder],
) -> None:
    for index, plan in enumerate(plans):
        if plan.shipped_at is None:
            continue
        carrier, prefix = CARRIERS[index % len(CARRIERS)]
        async with unit_of_work(ctx.sessionmaker) as session:
            await orders.ship_order(
                session,
                order_no=plan.order_no,
                carrier=carrier,
                tracking_no=f"{prefix}{7_300_000_000 + index * 7919:012d}",
                actor=STAFF_ACTOR,
                pii=ctx.pii,
                settings=ctx.settings,
            )
        if plan.received_at is not None and plan.received_by_shopper:
            token = shoppers[plan.member][0]
            await api.call("POST", f"/orders/{plan.order_no}/confirm-receipt", token)
    await payments.settle(ctx)


async def aftersales(
    ctx: AppContext,
    api: ShopperApi,
    simulator: WeChatPaySimulator,
    shoppers: Sequence[tuple[str, int]],
    plans: Sequence[DemoOrder],
) -> None:
    refunds = []
    for index, plan in enumerate(plans):
        if plan.aftersale is None:
            continue
        amount = (
            plan.payable_total if plan.aftersale == "refunded" else max(1, plan.payable_total // 2)
        )
        created = await api.call(
            "POST",
            f"/orders/{plan.order_no}/aftersales",
            shoppers[plan.member][0],
            json={
                "kind": plan.aftersale_kind,
                "reason": AFTERSALE_REASONS[index % len(AFTERSALE_REASONS)],
                "amount": amount,
            },
        )
        aftersale_no = created["aftersale_no"]
        async with unit_of_work(ctx.sessionmaker) as session:
            if plan.aftersale == "rejected":
                await orders.reject_aftersale(
                    session, aftersale_no=aftersale_no, reason=REJECT_REASON, actor=STAFF_ACTOR
                )
            elif plan.aftersale == "refunded":
                refunds.append(
                    await orders.approve_aftersale(
                        session, aftersale_no=aftersale_no, actor=STAFF_ACTOR
                    )
                )
    await payments.settle(ctx)
    # The simulator answers refunds PROCESSING; WeChat settles them a little later.
    async with ctx.sessionmaker() as session:
        for aftersale in refunds:
            for refund in await payments.refunds_for_order(session, aftersale.order_no):
                if refund.status != "succeeded":
                    await simulator.complete_refund(refund.refund_no)
    await payments.settle(ctx)
