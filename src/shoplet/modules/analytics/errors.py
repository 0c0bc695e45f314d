"""Typed errors of the analytics module (``analytics.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound, ServiceUnavailable, ShopletError


class HistoryInvalid(BadRequest):
    """A history file that cannot be imported: the first bad line (``line``) and why; nothing
    is written."""

    code = "analytics.history_invalid"
    title = "The history file cannot be imported"


class RunNotFound(NotFound):
    code = "analytics.run_not_found"
    title = "No such RFM computation"


class RfmNotFound(NotFound):
    code = "analytics.rfm_not_found"
    title = "No RFM for this member yet"


class EventBatchTooLarge(ShopletError):
    """More events in one batch than ``MAX_BATCH_EVENTS`` (a body over ``MAX_BATCH_BYTES`` is
    refused before the route runs, 413 ``request.body_too_large``)."""

    status = 413
    code = "analytics.batch_too_large"
    title = "Too many events in one batch"


class EventOutOfRange(ShopletError):
    """An event dated too far in the future (after the batch was sent) or too long ago; the
    whole batch is refused (``index`` names the first such event) and nothing is stored."""

    status = 422
    code = "analytics.event_out_of_range"
    title = "An event's time is out of range"


class InvalidFunnel(BadRequest):
    code = "analytics.invalid_query"
    title = "The analytics query is invalid"


class BreakdownTargetMissing(BadRequest):
    """A funnel by segment without ``segment_id``, by experiment without ``experiment_id``, or
    either id given with another breakdown."""

    code = "analytics.breakdown_target_missing"
    title = "The breakdown needs its segment or experiment, and only that one"


class BreakdownTargetUnknown(BadRequest):
    """A funnel by a segment or an experiment that does not exist."""

    code = "analytics.breakdown_target_unknown"
    title = "No such segment or experiment"


class AttributionModelUnknown(BadRequest):
    """归因分析 with a model other than ``last_touch``, ``first_touch``, ``linear`` and
    ``position_based``."""

    code = "analytics.attribution_model_unknown"
    title = "Unknown attribution model"


class LookbackOutOfRange(BadRequest):
    code = "analytics.lookback_out_of_range"
    title = "The lookback window must be 1 to 90 days"


class DateRangeInvalid(BadRequest):
    code = "analytics.date_range_invalid"
    title = "The date range is reversed or longer than 366 days"


class PathQueryInvalid(BadRequest):
    code = "analytics.path_query_invalid"
    title = "The path query is invalid"


class EventStoreUnavailable(ServiceUnavailable):
    """The ClickHouse server of the cluster path (``SHOPLET_ANALYTICS_CLICKHOUSE_URL``) did not
    answer a request that cannot be served without it (a deletion request); ``clickhouse_code``
    is the server's error code, 0 when it could not be reached."""

    code = "analytics.event_store_unavailable"
    title = "The event store is unavailable"
