"""Front-end budgets: what a shopper's phone loads, and how soon it shows the page.

``python -m bench.frontend`` (also the last step of ``python -m bench``) serves the demo shop
with the built front ends (embedded mode, SQLite, a scratch data dir under ``var/bench``),
opens the H5 home page in Debian's Chromium with a phone viewport and a throttled 4G profile,
and measures:

- the JavaScript of the first load: files, raw bytes, gzip bytes (level 9, the budget's unit)
  and the bytes actually transferred (the server sends the Brotli siblings);
- Largest Contentful Paint (median of several cold loads, empty cache each time), with the
  element that was largest;
- the WeChat mini program build: the main package, each subpackage and the total, against
  WeChat's limits (2 MB the main package, 2 MB each subpackage, 20 MB all packages);
- the console's sign-in page JavaScript, for the record.

Targets (see docs/benchmarks.md): H5 home JS ≤ 200 KB gzip, LCP ≤ 2.5 s, main package ≤ 2 MB,
each subpackage ≤ 2 MB, all packages ≤ 20 MB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from bench.runner import DATA_DIR, REPORT, ROOT
from bench.sections import replace_section
from bench.servers import free_port

BEGIN, END = "<!-- frontend:begin -->", "<!-- frontend:end -->"
STOREFRONT_H5 = ROOT / "frontends" / "storefront" / "dist" / "build" / "h5"
STOREFRONT_MP = ROOT / "frontends" / "storefront" / "dist" / "build" / "mp-weixin"
CONSOLE_DIST = ROOT / "frontends" / "console" / "dist"
CHROMIUM = os.environ.get("SHOPLET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The network of Lighthouse's mobile profile ("Slow 4G"): 150 ms round trip, 1.6 Mbit/s down,
# 750 kbit/s up. The LCP target is on this network at this machine's CPU speed; Lighthouse also
# slows the CPU four times, measured too (fewer runs) and reported beside it.
PROFILE = "4G (Lighthouse mobile network): 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up"
LATENCY_MS = 150
DOWN_BYTES_S = 1_638_400 / 8
UP_BYTES_S = 750_000 / 8
CPU_SLOWDOWN = 4
CPU_SLOW_RUNS = 2
PHONE = {"width": 390, "height": 844}
LCP_RUNS = 5

TARGET_JS_GZIP_KB = 200.0
TARGET_LCP_S = 2.5
TARGET_MAIN_PACKAGE_MB = 2.0
TARGET_SUBPACKAGE_MB = 2.0
TARGET_TOTAL_PACKAGES_MB = 20.0


@dataclass
class PageLoad:
    js_files: int = 0
    js_raw_kb: float = 0.0
    js_gzip_kb: float = 0.0
    js_transferred_kb: float = 0.0
    all_transferred_kb: float = 0.0
    lcp_s: list[float] = field(default_factory=list)
    lcp_element: str = ""
    lcp_cpu_slow_s: list[float] = field(default_factory=list)

    @property
    def lcp_median_s(self) -> float | None:
        return round(statistics.median(self.lcp_s), 3) if self.lcp_s else None


@dataclass
class FrontendResult:
    profile: str = PROFILE
    home: PageLoad | None = None
    console: PageLoad | None = None
    mp_main_kb: float | None = None
    mp_subpackages_kb: dict[str, float] = field(default_factory=dict)
    mp_total_kb: float | None = None
    problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0


# -- the server --------------------------------------------------------------------------------


@contextmanager
def demo_server() -> Iterator[str]:
    """The demo shop (catalog only) served on a free port, as `make run` serves it."""
    data_dir = DATA_DIR / "frontend"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env.update(
        {
            "SHOPLET_DATA_DIR": str(data_dir),
            "SHOPLET_PORT": str(port),
            "SHOPLET_ENV": "embedded",
            "SHOPLET_ACCESS_LOG": "false",
            "SHOPLET_LOG_LEVEL": "WARNING",
        }
    )
    shoplet = [sys.executable, "-m", "shoplet.cli"]
    subprocess.run([*shoplet, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run(
        [*shoplet, "seed", "--no-history"], env=env, check=True, capture_output=True, cwd=ROOT
    )
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*shoplet, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()[-2000:])
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=15)


# -- measuring a page --------------------------------------------------------------------------

LCP_JS = """() => new Promise((resolve) => {
  let last = null
  new PerformanceObserver((list) => { for (const e of list.getEntries()) last = e })
    .observe({ type: 'largest-contentful-paint', buffered: true })
  setTimeout(() => resolve(last && {
    time: last.startTime,
    element: last.element ? last.element.tagName.toLowerCase()
      + (last.element.className ? '.' + String(last.element.className).split(' ')[0] : '') : '',
    url: last.url || '',
  }), 0)
})"""

RESOURCES_JS = """() => performance.getEntriesByType('resource').map((e) => ({
  name: e.name, type: e.initiatorType, transfer: e.transferSize, encoded: e.encodedBodySize,
}))"""


def _local_file(url: str, base: str, dist: Path, prefix: str) -> Path | None:
    path = urlparse(url).path
    if not url.startswith(base) or not path.startswith(prefix):
        return None
    candidate = dist / path.removeprefix(prefix).lstrip("/")
    return candidate if candidate.is_file() else None


def measure_page(
    browser: Any, base: str, path: str, dist: Path, prefix: str, *, runs: int, wait_for: str
) -> PageLoad:
    result = PageLoad()
    for run in range(runs):
        lcp = _load(browser, base + path, wait_for=wait_for, cpu_slowdown=1)
        if lcp:
            result.lcp_s.append(lcp[0])
            result.lcp_element = lcp[1]
        if run == 0:
            _script_sizes(result, lcp[2] if lcp else [], base, dist, prefix)
    for _ in range(CPU_SLOW_RUNS if runs > 1 else 0):
        lcp = _load(browser, base + path, wait_for=wait_for, cpu_slowdown=CPU_SLOWDOWN)
        if lcp:
            result.lcp_cpu_slow_s.append(lcp[0])
    return result


def _load(
    browser: Any, url: str, *, wait_for: str, cpu_slowdown: int
) -> tuple[float, str, list[dict[str, Any]]] | None:
    """One cold load: (LCP seconds, LCP element, resource entries), or None without an LCP."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": DOWN_BYTES_S,
            "uploadThroughput": UP_BYTES_S,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_selector(wait_for, timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        lcp = page.evaluate(LCP_JS)
        resources: list[dict[str, Any]] = page.evaluate(RESOURCES_JS)
    finally:
        context.close()
    if not lcp:
        return None
    element = lcp["element"] + (f" {urlparse(lcp['url']).path}" if lcp["url"] else "")
    return round(lcp["time"] / 1000, 3), element, resources


def _script_sizes(
    result: PageLoad, resources: list[dict[str, Any]], base: str, dist: Path, prefix: str
) -> None:
    scripts = [r for r in resources if urlparse(r["name"]).path.endswith((".js", ".mjs"))]
    raw = gz = 0
    for script in scripts:
        local = _local_file(script["name"], base, dist, prefix)
        if local is not None:
            data = local.read_bytes()
            raw += len(data)
            gz += len(gzip.compress(data, compresslevel=9))
    result.js_files = len(scripts)
    result.js_raw_kb = round(raw / 1024, 1)
    result.js_gzip_kb = round(gz / 1024, 1)
    result.js_transferred_kb = round(sum(r["transfer"] for r in scripts) / 1024, 1)
    result.all_transferred_kb = round(sum(r["transfer"] for r in resources) / 1024, 1)


# -- the mini program ---------------------------------------------------------------------------


def mp_packages(dist: Path) -> tuple[float, dict[str, float], float]:
    """(main package KB, {subpackage root: KB}, total KB) of a mini program build."""
    app = json.loads((dist / "app.json").read_text())
    roots = [sub["root"].strip("/") for sub in app.get("subPackages", app.get("subpackages", []))]
    sizes = dict.fromkeys(roots, 0)
    main = total = 0
    for path in dist.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        relative = path.relative_to(dist).as_posix()
        root = next((r for r in roots if relative.startswith(r + "/")), None)
        if root is None:
            main += size
        else:
            sizes[root] += size
    return (
        round(main / 1024, 1),
        {root: round(size / 1024, 1) for root, size in sizes.items()},
        round(total / 1024, 1),
    )


def mp_over_budget(main_kb: float, subpackages_kb: dict[str, float], total_kb: float) -> list[str]:
    """Every WeChat package limit the build breaks, one line each (empty when it fits)."""
    over = []
    if main_kb / 1024 > TARGET_MAIN_PACKAGE_MB:
        over.append(f"main package {main_kb:.1f} KB > {TARGET_MAIN_PACKAGE_MB:.0f} MB")
    for root, size in subpackages_kb.items():
        if size / 1024 > TARGET_SUBPACKAGE_MB:
            over.append(f"subpackage {root} {size:.1f} KB > {TARGET_SUBPACKAGE_MB:.0f} MB")
    if total_kb / 1024 > TARGET_TOTAL_PACKAGES_MB:
        over.append(f"all packages {total_kb:.1f} KB > {TARGET_TOTAL_PACKAGES_MB:.0f} MB")
    return over


# -- the run -----------------------------------------------------------------------------------


def run_frontend(*, runs: int = LCP_RUNS) -> FrontendResult:
    began = time.monotonic()
    result = FrontendResult()
    if (STOREFRONT_MP / "app.json").is_file():
        result.mp_main_kb, result.mp_subpackages_kb, result.mp_total_kb = mp_packages(STOREFRONT_MP)
    else:
        result.problems.append("mini program not built (make storefront-mp)")
    if not (STOREFRONT_H5 / "index.html").is_file():
        result.problems.append("H5 storefront not built (make frontends)")
        return result
    if not Path(CHROMIUM).exists():
        result.problems.append(f"no Chromium at {CHROMIUM} (make e2e-deps)")
        return result
    from playwright.sync_api import sync_playwright

    with demo_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            result.home = measure_page(
                browser, base, "/", STOREFRONT_H5, "/", runs=runs, wait_for="uni-image, img"
            )
            if (CONSOLE_DIST / "index.html").is_file():
                result.console = measure_page(
                    browser, base, "/console/", CONSOLE_DIST, "/console", runs=1, wait_for="form"
                )
        finally:
            browser.close()
    result.elapsed_s = round(time.monotonic() - began, 1)
    return result


# -- the report --------------------------------------------------------------------------------


def _status(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "**missed**"


def render_section(
    result: FrontendResult | dict[str, Any] | None, add: Callable[[str], None]
) -> None:
    add(BEGIN)
    add("## Front-end budgets (H5 store, mini program, console)")
    add("")
    add("```sh")
    add("make bench    # or alone, after make frontends storefront-mp: python -m bench.frontend")
    add("```")
    add("")
    if result is None:
        add("Not measured in this run.")
        add(END)
        add("")
        return
    data = asdict(result) if isinstance(result, FrontendResult) else result
    add(
        f"Debian Chromium, phone viewport {PHONE['width']}×{PHONE['height']} @3x, cold cache each "
        f"load, throttled to {data['profile']}; the shop served by `shoplet serve` (embedded) with "
        "the demo catalog."
    )
    add("")
    add("| measure | value | target | status |")
    add("| --- | ---: | --- | --- |")
    home = data.get("home")
    if home:
        lcps = home["lcp_s"]
        median = round(statistics.median(lcps), 3) if lcps else None
        add(
            f"| H5 home: JavaScript, first load ({home['js_files']} files) | "
            f"{home['js_gzip_kb']:.1f} KB gzip ({home['js_raw_kb']:.1f} KB raw, "
            f"{home['js_transferred_kb']:.1f} KB sent as Brotli) | <= {TARGET_JS_GZIP_KB:.0f} KB "
            f"gzip | {_status(home['js_gzip_kb'] <= TARGET_JS_GZIP_KB)} |"
        )
        runs = ", ".join(f"{v:.2f}" for v in lcps)
        add(
            f"| H5 home: Largest Contentful Paint, median of {len(lcps)} ({runs} s; "
            f"{home['lcp_element'] or '—'}) | "
            f"{median if median is not None else '—'} s | <= {TARGET_LCP_S} s | "
            f"{_status(None if median is None else median <= TARGET_LCP_S)} |"
        )
        slow = home.get("lcp_cpu_slow_s") or []
        if slow:
            add(
                f"| H5 home: LCP with the CPU {CPU_SLOWDOWN}x slower too (Lighthouse's CPU "
                f"throttle), median of {len(slow)} | {statistics.median(slow):.2f} s | — | — |"
            )
        add(f"| H5 home: everything transferred | {home['all_transferred_kb']:.1f} KB | — | — |")
    if data.get("mp_main_kb") is not None:
        main_mb = data["mp_main_kb"] / 1024
        add(
            f"| Mini program: main package | {data['mp_main_kb']:.1f} KB | <= "
            f"{TARGET_MAIN_PACKAGE_MB:.0f} MB | {_status(main_mb <= TARGET_MAIN_PACKAGE_MB)} |"
        )
        for root, size in data["mp_subpackages_kb"].items():
            add(
                f"| Mini program: subpackage `{root}` | {size:.1f} KB | <= "
                f"{TARGET_SUBPACKAGE_MB:.0f} MB | {_status(size / 1024 <= TARGET_SUBPACKAGE_MB)} |"
            )
        total_mb = data["mp_total_kb"] / 1024
        add(
            f"| Mini program: all packages | {data['mp_total_kb']:.1f} KB | <= "
            f"{TARGET_TOTAL_PACKAGES_MB:.0f} MB | {_status(total_mb <= TARGET_TOTAL_PACKAGES_MB)} |"
        )
    console = data.get("console")
    if console:
        add(
            f"| Console sign-in: JavaScript ({console['js_files']} files) | "
            f"{console['js_gzip_kb']:.1f} KB gzip ({console['js_transferred_kb']:.1f} KB sent); "
            f"LCP {console['lcp_s'][0] if console['lcp_s'] else '—'} s | — | — |"
        )
    for problem in data.get("problems", []):
        add(f"| not measured | {problem} | — | — |")
    add("")
    add(END)
    add("")


def write_section(result: FrontendResult, output: Path) -> None:
    """Replaces the front-end section of the report (or appends it)."""
    replace_section(output, BEGIN, END, lambda add: render_section(result, add))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.frontend", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=LCP_RUNS, help="cold loads for LCP")
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    result = run_frontend(runs=args.runs)
    write_section(result, args.output)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "frontend.json").write_text(json.dumps(asdict(result), indent=2))
    home = result.home
    if home:
        print(
            f"H5 home: {home.js_gzip_kb} KB JS gzip, LCP median {home.lcp_median_s} s "
            f"({home.lcp_s})"
        )
    if result.mp_main_kb is not None and result.mp_total_kb is not None:
        subs = ", ".join(f"{root} {kb} KB" for root, kb in result.mp_subpackages_kb.items())
        print(
            f"mini program: main package {result.mp_main_kb} KB; subpackages: {subs or 'none'}; "
            f"all {result.mp_total_kb} KB"
        )
        for line in mp_over_budget(result.mp_main_kb, result.mp_subpackages_kb, result.mp_total_kb):
            print(f"  over budget: {line}")
    print(f"problems: {result.problems}")
    print(f"Wrote the front-end section of {args.output}")


if __name__ == "__main__":
    main()
