"""Feature-flag evaluation per call: ``python -m bench.flags [CALLS]``.

In process, no server, no database (evaluation never touches one): a ruleset of 20 flags is
compiled as every process holds it, then one flag is evaluated ``CALLS`` times (default
200 000) per case, against two baselines measured in the same run, interleaved in ``ROUNDS``
rounds so a busy machine slows every case alike:

- **dict lookup**: ``flags.get(key)``, the floor of any in-memory answer;
- **function call**: a bare Python call returning a constant;
- **FlagStore.evaluate**: the new_checkout flag (deny list, allow list, platform, app version,
  then a 25 % rollout hashed on the unit), for a guest falling through to the rollout;
- **OpenFeature client**: the same through ``api.get_client().get_boolean_value`` with the
  Shoplet provider (the SDK's hooks, context merge and details on top);
- **bootstrap**: every one of the 20 flags for one caller (``GET /flags/bootstrap``'s work).

Target: one flag through OpenFeature <= 20 µs. The figures go to their own section of
docs/benchmarks.md (``bench/sections.py``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext

from bench.sections import replace_section
from shoplet.modules.experiments.flags.evaluate import FlagContext, Ruleset, compile_flag
from shoplet.modules.experiments.flags.provider import ShopletProvider
from shoplet.modules.experiments.flags.runtime import FlagBus, FlagStore

BEGIN = "<!-- flags:begin -->"
END = "<!-- flags:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGET_US = 20.0
ROUNDS = 7
FLAGS = 20


def ruleset() -> Ruleset:
    rules: list[dict[str, Any]] = [
        {"type": "deny", "member_ids": list(range(1000, 1100))},
        {"type": "allow", "member_ids": list(range(1, 50))},
        {"type": "platform", "platforms": ["app"], "variant": "on"},
        {"type": "app_version", "min": "9.0", "variant": "on"},
        {"type": "percentage", "percent": 25, "variant": "on"},
    ]
    rules[1]["variant"] = "on"
    flags = {}
    for i in range(FLAGS):
        key = "new_checkout" if i == 0 else f"flag_{i}"
        flags[key] = compile_flag(
            key=key,
            kind="boolean",
            variants={"on": True, "off": False},
            default_variant="off",
            off_variant="off",
            is_enabled=True,
            rules=rules,
        )
    return Ruleset(version=1, flags=flags)


def _per_call_us(func: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls * 1e6


def measure(calls: int) -> dict[str, float]:
    store = FlagStore(None, FlagBus(None, "bench:flags"))  # type: ignore[arg-type]
    store.ruleset = ruleset()
    api.set_provider(ShopletProvider(store))
    client = api.get_client()
    table = {"new_checkout": True}
    guest = FlagContext(unit="device-7f3a9c", platform="h5", app_version="2.4.1")
    of_ctx = EvaluationContext("device-7f3a9c", {"platform": "h5", "app_version": "2.4.1"})

    def bare() -> bool:
        return True

    cases: dict[str, Callable[[], object]] = {
        "dict": lambda: table.get("new_checkout"),
        "call": bare,
        "store": lambda: store.evaluate("new_checkout", guest),
        "openfeature": lambda: client.get_boolean_value("new_checkout", False, of_ctx),
    }
    samples: dict[str, list[float]] = {name: [] for name in [*cases, "bootstrap"]}
    for _ in range(ROUNDS):
        for name, func in cases.items():
            samples[name].append(_per_call_us(func, calls))
        samples["bootstrap"].append(_per_call_us(lambda: store.evaluate_all(guest), calls // 20))
    api.clear_providers()
    return {name: statistics.median(values) for name, values in samples.items()}


def render(result: dict[str, float], calls: int, add: Any) -> None:
    base = result["dict"]
    add(BEGIN)
    add("## Feature-flag evaluation (`python -m bench.flags`)")
    add("")
    add("```sh")
    add("python -m bench.flags    # in process, no server, no database")
    add("```")
    add("")
    add(
        f"One flag of a {FLAGS}-flag ruleset (five rules: deny list, allow list, platform, app "
        f"version, 25 % rollout) evaluated {calls:,} times per case for a guest who falls "
        f"through to the rollout, in {ROUNDS} interleaved rounds; medians of the rounds. The "
        "ratio is to a dict lookup measured in the same run."
    )
    add("")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    add(f"Load average at the end: {load} on {os.cpu_count()} CPUs.")
    add("")
    add("| case | µs per call | ratio to dict lookup | target | status |")
    add("| --- | ---: | ---: | --- | --- |")
    rows = [
        ("baseline: dict lookup", "dict", None),
        ("baseline: bare function call", "call", None),
        ("`FlagStore.evaluate` (pure function over the cached ruleset)", "store", TARGET_US),
        ("OpenFeature `client.get_boolean_value` (Shoplet provider)", "openfeature", TARGET_US),
        (f"bootstrap: all {FLAGS} flags for one caller", "bootstrap", None),
    ]
    for title, key, target in rows:
        value = result[key]
        verdict = "—" if target is None else ("met" if value <= target else "**missed**")
        goal = "—" if target is None else f"<= {target:g} µs"
        add(f"| {title} | {value:.3f} | {value / base:.1f} | {goal} | {verdict} |")
    add("")
    add(
        "No call reaches the database or the network: a process reloads its ruleset when a "
        "change is announced (Redis pub/sub, or polling every `SHOPLET_FLAGS_POLL_SECONDS`). "
        "Most of the OpenFeature figure is the SDK's own work per call (hooks, context merge, "
        "evaluation details), not the rules."
    )
    add("")
    add(END)


def main(argv: list[str]) -> None:
    calls = int(argv[0]) if argv else 200_000
    result = measure(calls)
    replace_section(REPORT, BEGIN, END, lambda add: render(result, calls, add))
    print(
        "flags: "
        + ", ".join(f"{k} {v:.3f} µs" for k, v in result.items())
        + f" (target <= {TARGET_US:g} µs per flag)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
