"""A ClickHouse server for the tests of the cluster path: ClickHouse's HTTP interface in front
of chDB, the embedded ClickHouse, so every statement is run by ClickHouse's own engine
(MergeTree tables, TTLs, mutations, deduplication) with its data in a folder.

What it speaks, as the server does: ``POST /`` (or ``GET /?query=``); the statement in the
``query`` parameter with the body as the statement's data (``INSERT … FORMAT JSONEachRow``
followed by rows), or the body as the statement; the account in ``X-ClickHouse-User`` /
``X-ClickHouse-Key`` (or HTTP basic, or ``user`` / ``password`` parameters); answers in the
statement's ``FORMAT`` (TabSeparated when it names none); an error as a non-200 status
(401 authentication, 404 unknown table or database, 400 a bad statement, else 500) with
``X-ClickHouse-Exception-Code`` and the ``Code: N. DB::Exception: …`` text.

Run as a process of its own (chDB allows one data folder per process): ``start`` (the tests'
fixture, the analytics bench), or ``python clickhouse_http.py DATA_DIR USER PASSWORD``, which
prints the port it listens on.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_CODE = re.compile(r"Code:\s*(\d+)")
_STATUS = {516: 401, 60: 404, 81: 404, 62: 400, 47: 400, 43: 400, 27: 400, 117: 400}


def start(data_dir: Path, user: str, password: str) -> tuple[subprocess.Popen[str], int]:
    """The server in a process of its own, on a free port: the process and the port (stop it
    with ``terminate``)."""
    process = subprocess.Popen(
        [sys.executable, __file__, str(data_dir), user, password],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def serve(data_dir: str, user: str, password: str) -> None:
    from chdb import session

    engine: Any = session.Session(data_dir)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _account(self, params: dict[str, list[str]]) -> tuple[str, str]:
            if "X-ClickHouse-User" in self.headers:
                return self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", "")
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                name, _, key = base64.b64decode(basic[6:]).decode().partition(":")
                return name, key
            return params.get("user", ["default"])[0], params.get("password", [""])[0]

        def _answer(self, status: int, body: bytes, code: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            if code is not None:
                self.send_header("X-ClickHouse-Exception-Code", str(code))
            self.end_headers()
            self.wfile.write(body)

        def _run(self, body: bytes) -> None:
            params = parse_qs(urlsplit(self.path).query)
            if self._account(params) != (user, password):
                message = (
                    f"Code: 516. DB::Exception: {self._account(params)[0]}: Authentication "
                    "failed: password is incorrect, or there is no user with such name. "
                    "(AUTHENTICATION_FAILED)"
                )
                self._answer(401, message.encode(), 516)
                return
            query = params.get("query", [""])[0]
            sql = f"{query}\n{body.decode()}" if query and body else query or body.decode()
            try:
                with lock:
                    result = engine.query(sql, "TabSeparated")
            except Exception as exc:  # chDB raises its errors with ClickHouse's text
                text = str(exc)
                found = _CODE.search(text)
                code = int(found[1]) if found else 1002
                self._answer(_STATUS.get(code, 500), text.encode(), code)
                return
            self._answer(200, result.bytes() if hasattr(result, "bytes") else bytes(result))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._run(self.rfile.read(length) if length else b"")

        def do_GET(self) -> None:
            self._run(b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], sys.argv[3])
