"""SMS senders behind one interface.

``LogSmsSender`` (``SHOPLET_SMS_PROVIDER=log``, embedded and test) logs the message and keeps the
last ones in memory for the operator's terminal and for tests; nothing reaches an API response.
``integrations.tencent_sms.TencentSmsSender`` (``tencent``) sends through Tencent Cloud SMS.
Senders raise :class:`SmsError` when a message is not sent.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, Protocol

import structlog

from shoplet.core.security import mask_phone

log = structlog.get_logger("shoplet.sms")


@dataclass(frozen=True, slots=True)
class SmsMessage:
    phone: str
    template: str
    params: dict[str, str]


class SmsSender(Protocol):
    async def send(self, message: SmsMessage) -> None: ...


class LogSmsSender:
    def __init__(self, keep: int = 100) -> None:
        self.sent: deque[SmsMessage] = deque(maxlen=keep)

    async def send(self, message: SmsMessage) -> None:
        self.sent.append(message)
        # Embedded/test sender: the code is logged so a developer can sign in; the phone is not.
        log.info(
            "sms_sent", phone=mask_phone(message.phone), template=message.template, **message.params
        )

    def last_code(self, phone: str) -> str | None:
        for message in reversed(self.sent):
            if message.phone == phone and "code" in message.params:
                return message.params["code"]
        return None


SmsFailure = Literal["phone_rejected", "rate_limited", "unavailable", "misconfigured"]


class SmsError(Exception):
    """The provider did not send the message. ``kind`` says whose fault it is:

    - ``phone_rejected``: the number cannot receive it (malformed, unsubscribed);
    - ``rate_limited``: the provider's per-number limits (e.g. daily) are reached;
    - ``unavailable``: the provider failed or could not be reached;
    - ``misconfigured``: the provider refused our credentials, app, signature or template.
    """

    def __init__(self, kind: SmsFailure, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.kind: SmsFailure = kind
        self.code = code
        self.message = message
