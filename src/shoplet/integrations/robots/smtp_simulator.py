"""A minimal SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on an asyncio
socket, for tests and demos: it keeps every message it accepts. Start it on port 0 and read
``port`` (no fixed port). ``refuse_recipients`` answers 550 to those addresses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class SmtpSimulator:
    host: str = "127.0.0.1"
    refuse_recipients: set[str] = field(default_factory=set)
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._session, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _session(  # noqa: PLR0912 - one branch per SMTP verb
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        sender = ""
        recipients: list[str] = []
        await reply("220 shoplet-smtp-simulator ESMTP")
        try:
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb in {"EHLO", "HELO"}:
                    await reply("250 shoplet-smtp-simulator")
                elif verb == "MAIL":
                    sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                    await reply("250 OK")
                elif verb == "RCPT":
                    address = command.split(":", 1)[1].strip(" <>")
                    if address in self.refuse_recipients:
                        await reply("550 mailbox unavailable")
                    else:
                        recipients.append(address)
                        await reply("250 OK")
                elif verb == "DATA":
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    chunks: list[bytes] = []
                    while (chunk := await reader.readline()) not in {b".\r\n", b".\n", b""}:
                        chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    parsed = message_from_bytes(b"".join(chunks), policy=policy.default)
                    if isinstance(parsed, EmailMessage):
                        self.messages.append(parsed)
                    self.envelopes.append((sender, recipients))
                    await reply("250 OK queued")
                elif verb == "QUIT":
                    await reply("221 Bye")
                    break
                elif verb in {"RSET", "NOOP"}:
                    await reply("250 OK")
                else:
                    await reply("502 command not implemented")
        finally:
            writer.close()
