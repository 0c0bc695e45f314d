"""Seeded traffic for the risk engine: a day of ordinary shoppers, and three scripted attacks.

Ordinary traffic is meant to look like a real shop's, including what trips naive rules: carrier
NATs that put dozens of shoppers behind one address, families sharing one phone, shoppers who
mistype a login code, new accounts that claim a coupon on day one, friends who help a bargain
or join a group buy from the same office network.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shoplet.modules.risk.public import RiskRequest

UAS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MicroMessenger/8.0.54",
    "Mozilla/5.0 (Linux; Android 14; V2309A) MicroMessenger/8.0.53",
    "Mozilla/5.0 (Linux; Android 13; 23049RAD8C) MicroMessenger/8.0.54",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) MicroMessenger/8.0.50",
    "Mozilla/5.0 (Linux; Android 14; PJZ110) MicroMessenger/8.0.54",
)


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    request: RiskRequest
    fails: bool = False
    """A login whose code was wrong (reported to the engine after the decision)."""


@dataclass(frozen=True, slots=True)
class Shopper:
    member_id: int
    device: str
    ua: str
    ip: str
    created_at: datetime


def _device(rng: random.Random) -> str:
    return "dev" + "".join(rng.choices("abcdef0123456789", k=16))


def _shoppers(rng: random.Random, n: int, start: datetime) -> list[Shopper]:
    nat = [f"117.136.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(12)]
    shoppers: list[Shopper] = []
    for i in range(n):
        # 30 % behind one of a dozen carrier NATs; 8 % share a family phone with the previous.
        if shoppers and rng.random() < 0.08:
            device, ua = shoppers[-1].device, shoppers[-1].ua
        else:
            device, ua = _device(rng), rng.choice(UAS)
        ip = (
            rng.choice(nat)
            if rng.random() < 0.3
            else f"36.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        )
        age = (
            timedelta(hours=rng.uniform(1, 6))
            if rng.random() < 0.1
            else timedelta(days=rng.uniform(3, 900))
        )
        shoppers.append(Shopper(i + 1, device, ua, ip, start - age))
    return shoppers


def normal_day(seed: int, start: datetime, shoppers: int = 300) -> list[Event]:
    """About ten events per shopper over a day, in time order."""
    rng = random.Random(seed)
    people = _shoppers(rng, shoppers, start)
    events: list[Event] = []

    def at() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, 86_000))

    def req(s: Shopper, action: str, **extra: object) -> RiskRequest:
        return RiskRequest(
            action=action,  # type: ignore[arg-type]
            subject=f"member:{s.member_id}",
            ip=s.ip,
            device_id=s.device,
            user_agent=s.ua,
            member_id=s.member_id,
            account_created_at=s.created_at,
            **extra,  # type: ignore[arg-type]
        )

    bargains = [rng.choice(people) for _ in range(25)]
    for s in people:
        when = at()
        # Login, sometimes after a mistyped code or two.
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2))):
            events.append(Event(when, req(s, "login"), fails=True))
            when += timedelta(seconds=20)
        events.append(Event(when, req(s, "login")))
        for template in rng.sample(range(1, 9), rng.randrange(0, 4)):
            events.append(Event(at(), req(s, "coupon_claim", scope=f"coupon:{template}")))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            events.append(Event(at(), req(s, "checkout", amount=rng.randrange(990, 60_000))))
        if rng.random() < 0.04:
            events.append(Event(at(), req(s, "refund", amount=rng.randrange(990, 30_000))))
        if rng.random() < 0.3:
            owner = rng.choice(bargains)
            if owner is not s:
                events.append(
                    Event(at(), req(s, "bargain_cut", scope=f"bargain:{owner.member_id}"))
                )
    events += _group_buys(random.Random(seed + 1), people, req, start)
    events.sort(key=lambda e: e.at)
    return events


def _group_buys(
    rng: random.Random,
    people: list[Shopper],
    req: Callable[..., RiskRequest],
    start: datetime,
    groups: int = 60,
) -> list[Event]:
    """Group buys (拼团) of an ordinary day, from their own random stream (the rest of the day
    stays as it was): a leader opens a group of 2 to 5 and friends, anyone of the day's
    shoppers (carrier NATs and new accounts included), join it within a few hours. The leader
    counts within the group, as on the API (``group:<share id>``)."""
    events: list[Event] = []
    for g in range(groups):
        leader = rng.choice(people)
        opened = start + timedelta(seconds=rng.uniform(0, 70_000))
        events.append(Event(opened, req(leader, "group_join", scope=f"group:g{g}")))
        friends = [p for p in rng.sample(people, 6) if p is not leader]
        for friend in friends[: rng.randrange(1, 5)]:
            joined = opened + timedelta(seconds=rng.uniform(30, 14_000))
            events.append(Event(joined, req(friend, "group_join", scope=f"group:g{g}")))
    return events


def credential_stuffing(
    seed: int, start: datetime, accounts: int = 30, tries: int = 20
) -> list[Event]:
    """Login attempts on ``accounts`` phone numbers, every attempt from a fresh IP of a botnet,
    half with no device id and half with a throw-away one; every attempt fails."""
    rng = random.Random(seed)
    events: list[Event] = []
    for a in range(accounts):
        for t in range(tries):
            ip = (
                ".".join(
                    str(n) for n in (rng.randrange(1, 223), rng.randrange(256), rng.randrange(256))
                )
                + f".{rng.randrange(1, 255)}"
            )
            events.append(
                Event(
                    start + timedelta(seconds=a * 2 + t * 61),
                    RiskRequest(
                        action="login",
                        subject=f"phone:victim{a}",
                        ip=ip,
                        device_id=_device(rng) if rng.random() < 0.5 else None,
                        user_agent=rng.choice(UAS),
                    ),
                    fails=True,
                )
            )
    events.sort(key=lambda e: e.at)
    return events


def coupon_farm(seed: int, start: datetime, accounts: int = 40) -> list[Event]:
    """``accounts`` accounts registered an hour ago claim one coupon from 4 phones on 2 IPs."""
    rng = random.Random(seed)
    devices = [_device(rng) for _ in range(4)]
    ips = ["183.14.2.9", "183.14.2.10"]
    return [
        Event(
            start + timedelta(seconds=i * 7),
            RiskRequest(
                action="coupon_claim",
                subject=f"member:{9000 + i}",
                ip=ips[i % 2],
                device_id=devices[i % 4],
                user_agent=UAS[0],
                scope="coupon:77",
                member_id=9000 + i,
                account_created_at=start - timedelta(hours=1),
            ),
        )
        for i in range(accounts)
    ]


def bargain_ring(seed: int, start: datetime, helpers: int = 12) -> list[Event]:
    """Fresh accounts cut one bargain from 3 phones, then (other phones) from one IP."""
    rng = random.Random(seed)
    shared = [_device(rng) for _ in range(3)]
    base = RiskRequest(
        action="bargain_cut",
        subject="",
        ip="120.229.5.5",
        user_agent=UAS[1],
        scope="bargain:501",
        account_created_at=start - timedelta(hours=2),
    )
    events = []
    for i in range(helpers):
        device = shared[i % 3] if i < helpers // 2 else _device(rng)
        events.append(
            Event(
                start + timedelta(seconds=i * 30),
                replace(base, subject=f"member:{7000 + i}", member_id=7000 + i, device_id=device),
            )
        )
    return events


def group_ring(seed: int, start: datetime, joiners: int = 8) -> list[Event]:
    """A fake group-buy ring: a leader (an old account, its own phone) opens a group, then
    fresh accounts fill it: four from one phone, then four from fresh phones on one IP."""
    rng = random.Random(seed)
    shared = _device(rng)
    base = RiskRequest(
        action="group_join",
        subject="",
        ip="120.229.8.8",
        user_agent=UAS[2],
        scope="group:ring0001",
        account_created_at=start - timedelta(hours=3),
    )
    events = [
        Event(
            start,
            replace(
                base,
                subject="member:8000",
                member_id=8000,
                ip="36.7.7.7",
                device_id=_device(rng),
                account_created_at=start - timedelta(days=400),
            ),
        )
    ]
    for i in range(1, joiners + 1):
        device = shared if i <= joiners // 2 else _device(rng)
        events.append(
            Event(
                start + timedelta(seconds=i * 20),
                replace(base, subject=f"member:{8000 + i}", member_id=8000 + i, device_id=device),
            )
        )
    return events
