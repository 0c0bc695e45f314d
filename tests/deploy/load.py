"""Load for the blue-green test: wrk (Debian's package) when it is installed, otherwise an
asyncio generator over raw HTTP/1.1 connections. Both run until stopped (at most ``limit``
seconds) and report requests, failures and rate."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    non_2xx: int  # answers that were not 2xx or 3xx
    errors: int  # requests that got no answer (socket errors, timeouts)
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def parse_wrk(output: str) -> LoadResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    assert done is not None, output
    seconds = float(done.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[done.group(3)]
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(n) for n in socket.groups()) if socket is not None else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    bad = int(non_2xx.group(1)) if non_2xx is not None else 0
    return LoadResult("wrk", int(done.group(1)), bad, errors, seconds)


class Wrk:
    """``wrk`` until SIGINT, on which it prints its summary."""

    def __init__(
        self, wrk: str, url: str, connections: int, *, keepalive: bool, limit: float
    ) -> None:
        close = [] if keepalive else ["-H", "Connection: close"]
        self.process = subprocess.Popen(
            [wrk, "-t1", f"-c{connections}", f"-d{limit:g}s", "--timeout", "5s", *close, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    async def stop(self) -> LoadResult:
        self.process.send_signal(signal.SIGINT)
        output, _ = await asyncio.to_thread(self.process.communicate, timeout=30)
        return parse_wrk(output)


class AsyncioLoad:
    """``connections`` HTTP/1.1 loops; a request whose connection fails counts as an error and
    the loop reconnects (as wrk does)."""

    def __init__(
        self, host: str, port: int, path: str, connections: int, *, keepalive: bool, limit: float
    ) -> None:
        close = "" if keepalive else "Connection: close\r\n"
        self.request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{close}\r\n".encode()
        self.host, self.port = host, port
        self.deadline = time.monotonic() + limit
        self.stopping = False
        self.counts = {"requests": 0, "non_2xx": 0, "errors": 0}
        self.started = time.monotonic()
        self.tasks = [asyncio.ensure_future(self._loop()) for _ in range(connections)]

    async def _loop(self) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while not self.stopping and time.monotonic() < self.deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                assert reader is not None
                writer.write(self.request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
                status = int(head.split(b" ", 2)[1])
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                self.counts["requests"] += 1
                self.counts["non_2xx"] += not 200 <= status < 400
                if re.search(rb"(?i)connection: *close", head):
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                self.counts["requests"] += 1
                self.counts["errors"] += 1
                if writer is not None:
                    writer.close()
                writer = None
        if writer is not None:
            writer.close()

    async def stop(self) -> LoadResult:
        self.stopping = True
        await asyncio.gather(*self.tasks)
        c = self.counts
        seconds = time.monotonic() - self.started
        return LoadResult("asyncio", c["requests"], c["non_2xx"], c["errors"], seconds)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def fetch_all(
    port: int, requests: list[tuple[str, dict[str, str]]], connections: int
) -> list[Answer]:
    """GET each ``(path, headers)`` through ``connections`` keep-alive connections to loopback:
    a raw HTTP/1.1 client, a tenth of httpx's CPU per request (the split counts thousands).

    As any HTTP client does (RFC 9112, 9.3.1), a GET whose reused connection is closed before
    any byte of the answer arrives is sent again once on a new connection: an nginx worker that
    a reload retires closes its idle keep-alive connections, and one may be picked up by this
    client just before the reload took effect."""
    answers: list[Answer | None] = [None] * len(requests)

    async def worker(first: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in range(first, len(requests), connections):
                path, headers = requests[i]
                extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
                writer.write(request)
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                except (asyncio.IncompleteReadError, ConnectionResetError) as closed:
                    if isinstance(closed, asyncio.IncompleteReadError) and closed.partial:
                        raise
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(request)
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                lines = head.decode("latin-1").split("\r\n")
                fields = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, _, value = line.partition(":")
                        fields[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(fields.get("content-length", "0")))
                answers[i] = Answer(int(lines[0].split(" ", 2)[1]), fields, body)
        finally:
            writer.close()

    await asyncio.gather(*(worker(first) for first in range(connections)))
    return [a for a in answers if a is not None]
