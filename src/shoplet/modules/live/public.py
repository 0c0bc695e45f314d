"""What other modules may use from live sessions: its start-up hook, which registers the
sessions' live prices with checkout (``activity: {"kind": "live"}``, 直播价) and with the cart
(加入购物车 from the room: lines priced ``live:<session>``), and starts this
process's ``LiveHub`` (the Redis subscription that fans room events out to the sockets it
holds, and the tick that batches likes and presence), stopped on shutdown, and gives the replay
jobs their clients (the recorder's HTTP client, WeChat's get_replay); and the orders each
session brought (``session_order_facts``: insights' campaign drill)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.integrations.setup import Integrations
from shoplet.modules.cart import public as cart
from shoplet.modules.checkout import public as checkout
from shoplet.modules.live import merge_hook as _merge
from shoplet.modules.members import public as members

from .hub import hub_of
from .repository import session_order_facts
from .service import recording
from .service.pricing import KIND, LiveCartPrices, LivePrices

__all__ = ["session_order_facts", "startup"]


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    members.register_merge_hook(ctx, "live", _merge.move_member, tables=_merge.TABLES)
    checkout.register_price_source(ctx, KIND, LivePrices())
    cart.register_price_source(ctx, KIND, LiveCartPrices())
    integrations: Integrations | None = getattr(app.state, "integrations", None)
    if integrations is not None:
        ctx.extras[recording.REPLAY_CLIENT_KEY] = integrations.live_replay
    http = recording.recorder_http(ctx.settings.live_play_base_url.startswith("http"), app)
    ctx.extras[recording.HTTP_KEY] = http
    hub = hub_of(ctx)
    await hub.start()

    async def stop() -> None:
        await hub.stop()
        await http.aclose()

    return stop
