"""Live sessions' use cases: operators schedule a session, fill its shelf, go live, present a
product (讲解中), push coupons, mute or ban shoppers and end it; shoppers browse 预告 / 直播中 /
回放, subscribe to the 开播提醒, watch, comment, like and claim the room's coupons.

Comments run in this order: the text is checked, the session and the shopper's restrictions are
read (a short read, closed before anything slow), one atomic step of the rate limit is taken
(``store.take_comment``: 1 per ``live_comment_gap_seconds`` and ``live_comment_per_minute``),
the text is screened (``moderation.screen``: sensitive words, then WeChat's msgSecCheck, with no
transaction open), and only then is the comment written and broadcast after commit. A blocked
comment is refused to its sender (``live.comment_blocked``) and never stored or broadcast.
"""

from __future__ import annotations

from shoplet.modules.live.service._common import (
    ATTRIBUTION_WINDOW,
    MAX_COMMENT,
    MAX_LIKES,
    PAGE,
    PERMISSION,
    RECENT_COMMENTS,
    REMIND_AHEAD,
    TABS,
    comment_out,
    get_session,
    list_sessions,
    session_out,
    shelf,
)
from shoplet.modules.live.service.attribution import handle_order_paid, send_reminders
from shoplet.modules.live.service.control import (
    control,
    create_session,
    end,
    explain,
    lift,
    metrics,
    push_coupon,
    restrict,
    restrictions,
    set_shelf,
    start,
    update_session,
)
from shoplet.modules.live.service.recording import (
    fetch_wechat_replays,
    finalise,
    poll,
    publish_replay,
    record,
    recording_of,
    replay_playlist,
)
from shoplet.modules.live.service.room import (
    Commenter,
    claim_coupon,
    comments,
    detail,
    join,
    leave,
    like,
    post_comment,
    subscribe,
    take_likes,
)

__all__ = [
    "ATTRIBUTION_WINDOW",
    "MAX_COMMENT",
    "MAX_LIKES",
    "PAGE",
    "PERMISSION",
    "RECENT_COMMENTS",
    "REMIND_AHEAD",
    "TABS",
    "Commenter",
    "claim_coupon",
    "comment_out",
    "comments",
    "control",
    "create_session",
    "detail",
    "end",
    "explain",
    "fetch_wechat_replays",
    "finalise",
    "get_session",
    "handle_order_paid",
    "join",
    "leave",
    "lift",
    "like",
    "list_sessions",
    "metrics",
    "poll",
    "post_comment",
    "publish_replay",
    "push_coupon",
    "record",
    "recording_of",
    "replay_playlist",
    "restrict",
    "restrictions",
    "send_reminders",
    "session_out",
    "set_shelf",
    "shelf",
    "start",
    "subscribe",
    "take_likes",
    "update_session",
]
