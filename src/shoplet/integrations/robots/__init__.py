"""Group robots and other alert channels: one client per provider, and in-repo simulators that
speak their protocols (``simulator.py`` for the HTTP robots and webhooks, ``smtp_simulator.py``
for e-mail).

- WeCom (企业微信) group robot: ``POST {base}/cgi-bin/webhook/send?key=KEY`` (``wecom.py``);
- DingTalk (钉钉) custom robot with 加签: ``POST {base}/robot/send?access_token=T&timestamp=ms
  &sign=S`` (``dingtalk.py``);
- a generic webhook signed with HMAC-SHA256 over ``timestamp.body`` (``webhook.py``);
- e-mail over SMTP, stdlib ``smtplib`` in a thread (``email.py``).

Every client raises :class:`RobotError` with the provider's own code and whether a retry may
help; the caller retries with backoff and logs each attempt.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RobotError(Exception):
    """A send that failed: the provider's code (``errcode``, HTTP status or SMTP reply),
    its message, and whether trying again later may succeed."""

    code: str
    message: str
    is_retryable: bool

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
