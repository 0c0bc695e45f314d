"""SMS senders behind one interface. Embedded mode logs the message and keeps the last ones in
memory (for the operator's terminal and for tests); nothing reaches an API response."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

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
