"""Typed errors of the analytics module (``analytics.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound


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
