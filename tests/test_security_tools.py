"""`make security` (tools/security.py): the npm audit allow-list expires, and a scanner whose
advisory service cannot be reached is SKIPPED loudly (strict mode fails it)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _security() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "shoplet_security_tool", ROOT / "tools/security.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_allow_list_is_valid_today() -> None:
    live, problems = _security().load_allow_list(date.today())  # noqa: DTZ011
    assert problems == []
    assert all(reason for reason in live.values())


def test_expired_or_unexplained_allowances_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    security = _security()
    allow = tmp_path / "allow.json"
    allow.write_text(
        json.dumps(
            {
                "allow": [
                    {
                        "package": "a",
                        "advisory": "GHSA-1",
                        "reason": "dev only",
                        "expires": "2026-12-31",
                    },
                    {
                        "package": "b",
                        "advisory": "GHSA-2",
                        "reason": "waiting",
                        "expires": "2026-11-30",
                    },
                    {"package": "c", "advisory": "GHSA-3", "reason": "", "expires": "2027-01-31"},
                ]
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(security, "ALLOW_FILE", allow)
    live, problems = security.load_allow_list(date(2026, 12, 5))
    assert live == {("a", "GHSA-1"): "dev only"}
    assert problems == [
        "('b', 'GHSA-2'): allowed until 2026-11-30, expired: fix it or decide again",
        "('c', 'GHSA-3'): no reason given",
    ]
    # An expired entry fails before npm is even asked.
    outcome = security.npm_audit(date(2026, 12, 5))
    assert outcome.status == "failed"
    assert "expired" in outcome.detail


def test_skips_are_loud_and_fail_in_strict_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    security = _security()
    skipped = security.Outcome("skipped", "the advisory service could not be reached")
    monkeypatch.setattr(security, "STEPS", {"pip-audit": lambda: skipped})
    monkeypatch.delenv("SHOPLET_SECURITY_STRICT", raising=False)
    # CI (`make security-ci`) reports the skip and passes …
    assert security.main(["--ci"]) == 0
    out = capsys.readouterr().out
    assert "security pip-audit: SKIPPED" in out
    assert "0 ok, 0 failed, 1 SKIPPED" in out
    assert "within the 600 s budget" in out
    # … everywhere else a skip fails, unless told otherwise.
    assert security.main([]) == 1
    assert "security: FAILED" in capsys.readouterr().out
    monkeypatch.setenv("SHOPLET_SECURITY_STRICT", "0")
    assert security.main([]) == 0
    monkeypatch.setenv("SHOPLET_SECURITY_STRICT", "1")
    assert security.main(["--ci"]) == 1


def test_ci_runs_the_steps_side_by_side_and_reports_them_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    security = _security()
    both_running = threading.Barrier(2, timeout=30)

    def step(name: str) -> object:
        def run() -> object:
            both_running.wait()  # only passes when the other step runs at the same time
            return security.Outcome("ok", name)

        return run

    monkeypatch.setattr(security, "STEPS", {"bandit": step("b"), "secrets": step("s")})
    monkeypatch.delenv("SHOPLET_SECURITY_STRICT", raising=False)
    assert security.main(["--ci"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["security bandit", "security secrets"]
    assert security.main(["--ci", "nmap"]) == 2
