"""Schemas of session replay and click heatmaps: what the H5 recorder sends (rrweb events and
clicks of one page), what the console reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.analytics.schemas import ClientId, EpochMs

MAX_REPLAY_BYTES = 512 * 1024  # one chunk's body
MAX_TAP_BYTES = 32 * 1024  # one mini-program chunk's body (200 taps are about 12 KB)
MAX_REPLAY_EVENTS = 2000  # rrweb events in one chunk
MAX_REPLAY_CLICKS = 200
MAX_REPLAY_ERRORS = 20  # JavaScript errors in one chunk
MAX_SEQ = 100_000
PageRoute = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RrwebEvent(RequestModel):
    """One rrweb event (``eventWithTime``): its ``type`` (0–6: DomContentLoaded, Load,
    FullSnapshot, IncrementalSnapshot, Meta, Custom, Plugin), ``data`` as rrweb wrote it and its
    time on the client's clock. Inputs arrive masked (``maskAllInputs``)."""

    type: Annotated[int, Field(ge=0, le=6)]
    timestamp: EpochMs
    data: dict[str, Any]
    delay: int | None = None


class Click(RequestModel):
    """A click for the heatmap: the page coordinates (CSS px, ``pageX``/``pageY``) and the
    viewport's CSS width then; the server keeps ``x`` in permille of the width."""

    x: Annotated[int, Field(ge=0, le=100_000)]
    y: Annotated[int, Field(ge=0, le=1_000_000)]
    width: Annotated[int, Field(ge=1, le=10_000)]
    ts: EpochMs


class PageError(RequestModel):
    """A JavaScript error the page raised (``error`` or ``unhandledrejection``): its message,
    masked as page text is, and where it was thrown (``file:line:column``, no query)."""

    message: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    source: Annotated[str, StringConstraints(max_length=300)] = ""
    ts: EpochMs


class ScrollDepth(RequestModel):
    """How far down the page the shopper has scrolled so far: the lowest the viewport's bottom
    edge reached (``depth``, CSS px from the top of the document), the document's height then,
    and the viewport's size."""

    depth: Annotated[int, Field(ge=0, le=1_000_000)]
    height: Annotated[int, Field(ge=1, le=1_000_000)]
    viewport: Annotated[int, Field(ge=1, le=10_000)]
    width: Annotated[int, Field(ge=1, le=10_000)]


class ReplayChunkIn(RequestModel):
    """What ``POST /replays`` takes: the events one H5 page recorded since the last flush.
    ``replay_id`` names the recording (one per tab visit), ``seq`` the chunk in it (a retried
    chunk is stored once)."""

    replay_id: ClientId
    anonymous_id: ClientId
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    page: PageRoute
    sent_at: EpochMs
    events: list[RrwebEvent] = Field(min_length=1, max_length=MAX_REPLAY_EVENTS)
    clicks: list[Click] = Field(default_factory=list, max_length=MAX_REPLAY_CLICKS)
    errors: list[PageError] = Field(default_factory=list, max_length=MAX_REPLAY_ERRORS)
    scroll: ScrollDepth | None = None


class TapChunkIn(RequestModel):
    """What ``POST /replays/taps`` takes from the mini program, which has no DOM to record:
    the taps on one page since the last flush (page coordinates, as the tap event's
    ``detail.x``/``detail.y``) and how far down it has been scrolled. ``visit_id`` names the
    visit (one per app launch), ``seq`` the chunk in it (a retried chunk is stored once)."""

    visit_id: ClientId
    anonymous_id: ClientId
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    page: PageRoute
    sent_at: EpochMs
    taps: list[Click] = Field(default_factory=list, max_length=MAX_REPLAY_CLICKS)
    scroll: ScrollDepth | None = None


class ReplayAccepted(ResponseModel):
    recorded: bool = Field(description="False when the device is not sampled: stop recording")
    duplicate: bool = False


class ReplayConfig(ResponseModel):
    """Whether this device records (by a hash of its id against the sample rate) and the
    recorder's limits."""

    record: bool
    sample_rate: float
    max_events: int
    max_bytes: int
    flush_interval_ms: int


class ReplaySessionOut(ResponseModel):
    id: int
    replay_id: str
    anonymous_id: str
    member_id: int | None
    first_page: str
    pages: list[str]
    started_at: datetime
    last_at: datetime
    duration_ms: int
    chunks: int
    events: int
    clicks: int
    errors: int = Field(description="JavaScript errors the recorded pages raised")
    stored_bytes: int
    raw_bytes: int


class PageStart(ResponseModel):
    page: str
    timestamp: int = Field(description="The page's first recorded event (ms, client clock)")


class ReplayErrorOut(ResponseModel):
    page: str
    message: str
    source: str
    timestamp: int = Field(description="When it was thrown (ms, client clock: the events')")


class ReplayDetail(ResponseModel):
    session: ReplaySessionOut
    events: list[dict[str, Any]] = Field(description="rrweb events in order, for the replayer")
    page_starts: list[PageStart] = Field(description="Where each page begins in the events")
    errors: list[ReplayErrorOut] = Field(description="The JavaScript errors, in time order")


class ErrorSummary(ResponseModel):
    """One error message and how often recordings met it (会话回放's 页面错误)."""

    message: str
    recordings: int
    occurrences: int
    last_at: datetime


class HeatmapCell(ResponseModel):
    x: int = Field(description="Cell's left edge, permille of the page width")
    y: int = Field(description="Cell's top edge, CSS px from the top at the reference width")
    count: int


class Heatmap(ResponseModel):
    page: str
    clicks: int
    reference_width: int = Field(description="y is scaled to this viewport width (375)")
    cell_x: int
    cell_y: int
    cells: list[HeatmapCell]
    max_count: int


class HeatmapPage(ResponseModel):
    page: str
    clicks: int


class ScrollBand(ResponseModel):
    y: int = Field(description="The band's top, CSS px from the top at the reference width")
    reached: int = Field(description="Visits whose viewport reached this band")
    share: float = Field(description="reached / visits")


class ScrollMap(ResponseModel):
    """滚动深度: of the visits to a page, how many saw each band of it (depths scaled to a
    375 px wide viewport, as clicks are)."""

    page: str
    visits: int
    reference_width: int
    band: int = Field(description="Each band's height (px at the reference width)")
    fold: int = Field(description="The first screen's average bottom (px at the reference width)")
    bands: list[ScrollBand]
