"""The README's curl commands work when pasted: each is one line, and each answers 2xx from a real
server started as ``make run`` starts it (embedded, SQLite, simulators), with the demo catalog."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import ROOT, UvicornServer

README = ROOT / "README.md"
# `curl …` in inline code or on its own line in a code block.
CURL = re.compile(r"`(curl [^`]*)`|^\s*(curl .*)$", re.MULTILINE)


async def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, capture_output=True, text=True, timeout=120, check=False, **kwargs
    )


def readme_curl_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [m.group(1) or m.group(2) for m in CURL.finditer(text)]


def test_readme_has_curl_examples_that_paste_as_one_line() -> None:
    commands = readme_curl_commands()
    assert len(commands) >= 2
    for command in commands:
        assert "\n" not in command, f"line break inside a README command: {command!r}"
        shlex.split(command)  # balanced quotes


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_readme_curl_commands_answer_from_a_live_server(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SHOPLET_ENV": "embedded",
        "SHOPLET_DATA_DIR": str(tmp_path),
        "SHOPLET_LOG_LEVEL": "WARNING",
        "SHOPLET_ACCESS_LOG": "false",
        "SHOPLET_SERVE_FRONTENDS": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("SHOPLET_DATABASE_URL", "SHOPLET_REDIS_URL"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "shoplet.cli"]
    for step in (["migrate"], ["seed", "--no-history"]):
        done = await run([*cli, *step], env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    server = UvicornServer("shoplet.app:create_app", env, tmp_path / "server.log")
    try:
        async with httpx.AsyncClient() as client:
            await server.wait_ready(client)
        for command in readme_curl_commands():
            argv = [
                re.sub(r"^(https?://)?(localhost|127\.0\.0\.1):8000", server.base_url, arg)
                for arg in shlex.split(command)
            ]
            result = await run([argv[0], "-sS", "--fail-with-body", *argv[1:]])
            assert result.returncode == 0, (command, result.stdout, result.stderr)
            json.loads(result.stdout)
    finally:
        server.stop()
