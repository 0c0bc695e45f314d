"""Small real HTTP/1.1 servers standing in for Shoplet replicas behind the gateway.

``python -m tests.deploy.upstreams api-blue edge-blue …`` listens on a free loopback port per
name and prints ``{"api-blue": port, …}`` as one line. Each answers with its name (so a test can
count where nginx sent a request), echoes the request id and trace context it was given, serves
``/media/…`` as an immutable image, ``/_stats`` as its request counts and ``/metrics`` as a
Shoplet replica's (``core.observability.Metrics``: requests by route and status, latency), and
keeps connections alive. A name with ``failing`` in it is a broken release: it answers 503.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

from prometheus_client import generate_latest

from shoplet.core.observability import Metrics


class Upstream(asyncio.Protocol):
    def __init__(self, name: str, counts: Counter[str], metrics: Metrics) -> None:
        self.name = name
        self.counts = counts
        self.metrics = metrics
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            method, target, _ = lines[0].split(" ", 2)
            self.respond(method, target, headers)

    def respond(self, method: str, target: str, headers: dict[str, str]) -> None:
        began = time.perf_counter()
        path = target.split("?", 1)[0]
        extra = ""
        status = "200 OK"
        if path == "/metrics":
            body = generate_latest(self.metrics.registry)
            kind = "text/plain; version=0.0.4"
        elif path == "/_stats":
            body = json.dumps(self.counts).encode()
            kind = "application/json"
        elif path.startswith("/media/"):
            self.counts[path] += 1
            body = b"\xff\xd8" + self.name.encode() + b"\x00" * 64
            kind = "image/jpeg"
            extra = "Cache-Control: public, max-age=31536000, immutable\r\n"
        else:
            self.counts["requests"] += 1
            answer = {
                "name": self.name,
                "method": method,
                "path": target,
                "request_id": headers.get("x-request-id"),
                "traceparent": headers.get("traceparent"),
                "tracestate": headers.get("tracestate"),
                "forwarded_for": headers.get("x-forwarded-for"),
                "forwarded_proto": headers.get("x-forwarded-proto"),
            }
            if path.endswith("/big"):
                answer["padding"] = "商品 product " * 400
            body = json.dumps(answer, ensure_ascii=False).encode()
            kind = "application/json"
            if "failing" in self.name:
                status = "503 Service Unavailable"
            role = self.name.split("-", 1)[0]
            self.metrics.requests.labels(method, path, status[:3], role).inc()
            self.metrics.latency.labels(method, path, role).observe(time.perf_counter() - began)
        assert self.transport is not None
        self.transport.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            f"X-Upstream: {self.name}\r\n{extra}\r\n".encode()
            + body
        )


async def main(names: list[str]) -> None:
    loop = asyncio.get_running_loop()
    ports = {}
    servers = []
    for name in names:
        counts: Counter[str] = Counter()
        metrics = Metrics()
        server = await loop.create_server(
            lambda name=name, counts=counts, metrics=metrics: Upstream(name, counts, metrics),
            "127.0.0.1",
            0,
            backlog=1024,
        )
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    print(json.dumps(ports), flush=True)
    # Until the test closes our stdin.
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
