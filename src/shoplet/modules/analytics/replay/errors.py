"""Typed errors of session replay (``analytics.replay_*``)."""

from __future__ import annotations

from shoplet.core.errors import Conflict, NotFound, ShopletError


class ReplayConflict(Conflict):
    """A chunk naming a recording another device started; nothing is stored."""

    code = "analytics.replay_conflict"
    title = "This recording belongs to another device"


class ReplayFull(ShopletError):
    """A chunk that would take its recording past ``SHOPLET_ANALYTICS_REPLAY_MAX_SESSION_BYTES``
    (compressed); nothing of it is stored, the recorder stops."""

    status = 413
    code = "analytics.replay_full"
    title = "The recording is full"


class ReplayOutOfRange(ShopletError):
    """A chunk with an event or click dated after the chunk was sent (beyond the tolerance) or
    older than the recording window; nothing is stored."""

    status = 422
    code = "analytics.replay_out_of_range"
    title = "A recorded event's time is out of range"


class ReplayNotFound(NotFound):
    code = "analytics.replay_not_found"
    title = "No such recording"
