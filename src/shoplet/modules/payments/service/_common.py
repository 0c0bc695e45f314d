"""What the payments use cases share: limits, grace periods and payment numbers."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Literal

import structlog

from shoplet.core.db import utcnow

log = structlog.get_logger("shoplet.payments")

Channel = Literal["wechat_jsapi", "wechat_h5"]
DESCRIPTION_MAX = 127
REASON_MAX = 80
# Sync jobs: how long a notify may take before we ask WeChat ourselves.
NOTIFY_GRACE = timedelta(seconds=60)
REFUND_SUBMIT_GRACE = timedelta(seconds=30)
REFUND_NOTIFY_GRACE = timedelta(seconds=60)
SYNC_HORIZON = timedelta(days=2)
REFUND_SYNC_HORIZON = timedelta(days=30)
SYNC_BATCH = 100
# Refund errors worth retrying later with the same out_refund_no (the money is still ours).
RETRY_LATER_CODES = {"NOT_ENOUGH", "FREQUENCY_LIMITED", "USER_ACCOUNT_ABNORMAL"}


def new_number(prefix: str) -> str:
    """``P20240520123456`` + 8 random digits: readable, sortable by time, unique in practice
    (and enforced unique by the table)."""
    return prefix + utcnow().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"
