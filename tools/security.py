"""``make security``: every security scanner, one line of result each, exit 1 when one fails.

Steps (docs/security.md):

- ``pip-audit``: the installed Python packages against PyPI's vulnerability data;
- ``npm audit --omit=dev`` for the console and the storefront, findings matched against
  ``security/npm-audit-allow.json`` (each entry has a reason and an expiry date; an expired entry
  fails the run even when nothing matches it any more);
- ``bandit`` over ``src`` with the project config (``[tool.bandit]`` in pyproject.toml);
- ``detect-secrets`` over every tracked file against ``security/secrets.baseline``;
- schemathesis over the whole OpenAPI (``tests/test_openapi_fuzz.py``).

A scanner whose advisory service cannot be reached (a machine that only sees a package mirror)
is SKIPPED loudly: a ``SKIPPED`` line and a summary that says so. A skip fails the run
(strict), except with ``--ci`` (``make security-ci``, what ``.ci/run`` calls after ``make
test``): CI runners here reach only package mirrors, so a skip is reported, not failed.
``SHOPLET_SECURITY_STRICT=1`` or ``=0`` decides either way.

``--ci`` also runs the steps side by side (they are separate processes: the secret scan and
schemathesis are the long ones, one core each) to stay inside CI's budget of
``SHOPLET_SECURITY_BUDGET_SECONDS`` (600); the summary says whether it did.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - runs the scanners, argument lists built here
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALLOW_FILE = ROOT / "security" / "npm-audit-allow.json"
BASELINE = ROOT / "security" / "secrets.baseline"
FRONTENDS = ("frontends/console", "frontends/storefront")


@dataclass
class Outcome:
    status: str  # "ok" | "failed" | "skipped"
    detail: str


def _run(args: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(  # noqa: S603  # nosec B603 - the scanners' own argument lists
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=900,
    )
    return done.returncode, done.stdout + done.stderr


def pip_audit() -> Outcome:
    code, out = _run(
        [str(BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable", "-f", "json"]
    )
    start = out.find('{"dependencies"')
    if start < 0:
        return Outcome("failed", f"pip-audit gave no report (exit {code}): {out[-300:]}")
    report = json.loads(out[start : out.rindex("}") + 1])
    deps = report["dependencies"]
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        return Outcome(
            "skipped",
            f"PyPI's vulnerability data could not be reached: all {len(deps)} packages unaudited",
        )
    if vulnerable:
        names = ", ".join(
            f"{d['name']} {d['version']} ({', '.join(v['id'] for v in d['vulns'])})"
            for d in vulnerable
        )
        return Outcome("failed", f"vulnerable: {names}")
    return Outcome("ok", f"{len(audited)} packages, no known vulnerability")


def load_allow_list(today: date) -> tuple[dict[tuple[str, str], str], list[str]]:
    """(package, advisory) -> reason of the live entries, and the problems of the file."""
    entries = json.loads(ALLOW_FILE.read_text(encoding="utf-8"))["allow"]
    live: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for entry in entries:
        key = (entry["package"], str(entry["advisory"]))
        expires = date.fromisoformat(entry["expires"])
        if not entry.get("reason"):
            problems.append(f"{key}: no reason given")
        elif expires < today:
            problems.append(f"{key}: allowed until {expires}, expired: fix it or decide again")
        else:
            live[key] = entry["reason"]
    return live, problems


def npm_audit(today: date | None = None) -> Outcome:
    live, problems = load_allow_list(today or datetime.now(UTC).date())
    if problems:
        return Outcome("failed", "npm-audit-allow.json: " + "; ".join(problems))
    found: list[str] = []
    for frontend in FRONTENDS:
        _, out = _run(["npm", "audit", "--omit=dev", "--json"], cwd=ROOT / frontend)
        try:
            report = json.loads(out[out.index("{") :])
        except ValueError:
            report = {}
        if "error" in report or "vulnerabilities" not in report:
            said = [line for line in out.splitlines() if line.startswith(("npm warn", "npm error"))]
            summary = (said[0] if said else out.strip()[:160]).removeprefix("npm ")
            return Outcome("skipped", f"the npm audit endpoint could not be used: {summary}")
        for name, vuln in report["vulnerabilities"].items():
            advisories = [v for v in vuln.get("via", ()) if isinstance(v, dict)]
            for advisory in advisories or [{"source": "transitive"}]:
                ident = str(advisory.get("url") or advisory.get("source"))
                if (name, ident) not in live:
                    found.append(f"{frontend}: {name} {vuln.get('severity')} {ident}")
    if found:
        return Outcome("failed", "not allowed: " + "; ".join(found))
    return Outcome("ok", f"{len(FRONTENDS)} front ends, nothing outside the allow-list")


def bandit() -> Outcome:
    code, out = _run([str(BIN / "bandit"), "-q", "-c", "pyproject.toml", "-r", "src"])
    if code != 0:
        return Outcome("failed", out[-2000:])
    return Outcome("ok", "no finding outside the project config")


def secrets() -> Outcome:
    files = _run(["git", "ls-files", "-z"])[1].split("\0")
    baseline = str(BASELINE.relative_to(ROOT))  # its hashes look like secrets themselves
    tracked = [f for f in files if f and f != baseline and (ROOT / f).is_file()]
    code, out = _run(
        [str(BIN / "detect-secrets-hook"), "--baseline", str(BASELINE.relative_to(ROOT)), *tracked]
    )
    if code != 0:
        return Outcome("failed", out[-2000:])
    return Outcome("ok", f"{len(tracked)} tracked files, nothing new beyond the baseline")


def schemathesis() -> Outcome:
    code, out = _run(
        [
            str(BIN / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-s",
            "tests/test_openapi_fuzz.py",
            "-k",
            "sqlite",
        ],
        env={"SHOPLET_SCHEMATHESIS": "1"},
    )
    summary = next((line for line in out.splitlines() if line.startswith("schemathesis:")), "")
    if code != 0:
        return Outcome("failed", f"{summary}\n{out[-3000:]}")
    return Outcome("ok", summary or "passed")


STEPS: dict[str, Callable[[], Outcome]] = {
    "pip-audit": pip_audit,
    "npm-audit": npm_audit,
    "bandit": bandit,
    "secrets": secrets,
    "schemathesis": schemathesis,
}


def _strict(ci: bool) -> bool:
    chosen = os.environ.get("SHOPLET_SECURITY_STRICT")
    if chosen in {"0", "1"}:
        return chosen == "1"
    return not ci


def _timed(name: str) -> tuple[str, Outcome, float]:
    started = time.monotonic()
    outcome = STEPS[name]()
    return name, outcome, time.monotonic() - started


def main(argv: list[str]) -> int:
    ci = "--ci" in argv
    names = [a for a in argv if a != "--ci"]
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        print(f"security: unknown step(s) {unknown}; steps: {list(STEPS)}")  # noqa: T201
        return 2
    strict = _strict(ci)
    chosen = names or list(STEPS)
    failed = skipped = 0
    total = time.monotonic()
    if ci:
        with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
            results = list(pool.map(_timed, chosen))
    else:
        results = (_timed(name) for name in chosen)
    for name, outcome, took in results:
        mark = {"ok": "ok", "failed": "FAILED", "skipped": "SKIPPED"}[outcome.status]
        print(f"security {name}: {mark} ({took:.0f} s) {outcome.detail}", flush=True)  # noqa: T201
        failed += outcome.status == "failed"
        skipped += outcome.status == "skipped"
    verdict = "FAILED" if failed or (strict and skipped) else "passed"
    elapsed = time.monotonic() - total
    budget = int(os.environ.get("SHOPLET_SECURITY_BUDGET_SECONDS", "600"))
    timing = f" in {elapsed:.0f} s"
    if ci:
        timing += f" ({'within' if elapsed <= budget else 'OVER'} the {budget} s budget)"
    print(  # noqa: T201
        f"security: {verdict}: {len(chosen) - failed - skipped} ok, {failed} failed,"
        f" {skipped} SKIPPED{' (strict: skips fail)' if strict and skipped else ''}{timing}"
    )
    return 1 if verdict == "FAILED" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
