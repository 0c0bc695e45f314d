"""Logging writes to the stderr of the moment, so a swapped-and-closed stream breaks nothing."""

from __future__ import annotations

import io
import sys

import pytest
import structlog

from shoplet.core.observability import configure_logging


def test_logging_configured_under_a_runner_outlives_its_closed_buffer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command run by a test runner configures logging while stderr is the runner's buffer."""
    log = structlog.get_logger("shoplet.test_logging")
    buffer = io.StringIO()
    try:
        with monkeypatch.context() as swapped:
            swapped.setattr(sys, "stderr", buffer)
            configure_logging("INFO", json=True)
            log.info("inside")
        assert '"event":"inside"' in buffer.getvalue()
        buffer.close()

        log.warning("after")

        assert '"event":"after"' in capsys.readouterr().err
    finally:
        configure_logging("WARNING", json=False)
