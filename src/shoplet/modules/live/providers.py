"""Stream providers: where the anchor pushes and where viewers play, per session.

``PushPullProvider`` signs URLs the way Tencent Cloud CSS (and most Chinese CDNs copying it)
checks them: ``txTime`` is the expiry as upper-case hex Unix seconds and ``txSecret`` is
``md5(key + stream_name + txTime)``; the CDN refuses a URL past its time or with another
secret. The anchor's push URL is RTMP, viewers play HLS (``<stream>.m3u8``; the mini program's
``live-player`` and hls.js on H5 both take it).

``WechatLiveProvider`` serves rooms of WeChat's 小程序直播 plugin: the room is created in the
WeChat console and its id entered on the session; the storefront opens the plugin's player
page with it, and nothing is pushed through Shoplet.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Protocol

from shoplet.core.settings import Settings


@dataclass(frozen=True, slots=True)
class PlayInfo:
    provider: str
    play_url: str | None
    room_id: int | None
    expires_at: int | None


@dataclass(frozen=True, slots=True)
class PushInfo:
    push_url: str | None
    expires_at: int | None


class StreamProvider(Protocol):
    name: str

    def play(self, stream_name: str, room_id: int | None) -> PlayInfo: ...

    def push(self, stream_name: str) -> PushInfo: ...


def sign(key: str, stream_name: str, expires_at: int) -> tuple[str, str]:
    """(txSecret, txTime) for ``stream_name`` valid until ``expires_at`` (Unix seconds)."""
    tx_time = f"{expires_at:X}"
    secret = hashlib.md5((key + stream_name + tx_time).encode(), usedforsecurity=False)
    return secret.hexdigest(), tx_time


def verify(key: str, stream_name: str, tx_secret: str, tx_time: str, *, now: float) -> bool:
    """What the CDN checks: the secret matches and the time has not passed."""
    try:
        expires_at = int(tx_time, 16)
    except ValueError:
        return False
    expected, _ = sign(key, stream_name, expires_at)
    return expires_at > now and expected == tx_secret.lower()


class PushPullProvider:
    name = "pushpull"

    def __init__(self, *, push_base: str, play_base: str, key: str, ttl: int) -> None:
        self.push_base = push_base.rstrip("/")
        self.play_base = play_base.rstrip("/")
        self.key = key
        self.ttl = ttl

    def _expiry(self) -> int:
        return int(time.time()) + self.ttl

    def play(self, stream_name: str, room_id: int | None) -> PlayInfo:
        expires_at = self._expiry()
        secret, tx_time = sign(self.key, stream_name, expires_at)
        url = f"{self.play_base}/{stream_name}.m3u8?txSecret={secret}&txTime={tx_time}"
        return PlayInfo(self.name, url, None, expires_at)

    def push(self, stream_name: str) -> PushInfo:
        expires_at = self._expiry()
        secret, tx_time = sign(self.key, stream_name, expires_at)
        return PushInfo(
            f"{self.push_base}/{stream_name}?txSecret={secret}&txTime={tx_time}", expires_at
        )


class WechatLiveProvider:
    name = "wechat"

    def play(self, stream_name: str, room_id: int | None) -> PlayInfo:
        return PlayInfo(self.name, None, room_id, None)

    def push(self, stream_name: str) -> PushInfo:
        # The anchor pushes from WeChat's own 直播 app; there is no URL to hand out.
        return PushInfo(None, None)


def provider_for(settings: Settings, name: str) -> StreamProvider:
    if name == "wechat":
        return WechatLiveProvider()
    return PushPullProvider(
        push_base=settings.live_push_base_url,
        play_base=settings.live_play_base_url,
        key=settings.live_stream_key.get_secret_value(),
        ttl=settings.live_url_ttl_seconds,
    )
