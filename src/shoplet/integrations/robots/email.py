"""E-mail over SMTP with the standard library's ``smtplib``, run in a thread (one message per
alert; no extra dependency). STARTTLS when asked; login when a username is set."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from . import RobotError


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_starttls: bool = False
    timeout: float = 10.0


def build(sender: str, recipients: Sequence[str], subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(text)
    return message


def _send(config: SmtpConfig, message: EmailMessage) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.use_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)


async def send(config: SmtpConfig, recipients: Sequence[str], subject: str, text: str) -> None:
    """Send one message; :class:`RobotError` with the SMTP reply code on failure (4xx replies
    and network errors are retryable, 5xx are not)."""
    message = build(config.sender, recipients, subject, text)
    try:
        await asyncio.to_thread(_send, config, message)
    except smtplib.SMTPResponseException as exc:
        reply = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise RobotError(f"smtp_{exc.smtp_code}", reply, 400 <= exc.smtp_code < 500) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise RobotError("smtp_recipients", str(exc), False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise RobotError("network", str(exc) or type(exc).__name__, True) from exc
