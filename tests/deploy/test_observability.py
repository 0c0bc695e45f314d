"""Prometheus rules and Grafana dashboards (deploy/observability): promtool checks and unit-tests
the rules; every dashboard is a well-formed Grafana model; every metric a dashboard or a rule
names is one Shoplet exports (scraped from a live app) or a recording rule defined here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from shoplet.core.context import AppContext
from shoplet.core.events.relay import drain_outbox, observe_stream
from shoplet.core.replicas import ReplicaMetrics
from tests.deploy.nginx import require
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    flash,
    go_live,
    make_campaign,
    make_sku,
    shopper,
)
from tests.servers import ROOT

OBSERVABILITY = ROOT / "deploy" / "observability"
PROMETHEUS = OBSERVABILITY / "prometheus"
RULE_FILES = sorted(PROMETHEUS.glob("shoplet-*.yml"))
DASHBOARDS = sorted((OBSERVABILITY / "grafana").glob("*.json"))
PROMTOOL = shutil.which("promtool")

__all__ = ["flash"]  # the flash-sale settings fixture, used by the scrape below


def promtool(*args: str) -> str:
    tool = require(PROMTOOL, "prometheus")
    done = subprocess.run(
        [tool, *args], capture_output=True, text=True, timeout=120, cwd=PROMETHEUS, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_rules_and_config_pass_promtool_check() -> None:
    assert [path.name for path in RULE_FILES] == ["shoplet-alerts.yml", "shoplet-rules.yml"]
    out = promtool("check", "rules", *(path.name for path in RULE_FILES))
    assert out.count("SUCCESS") == 2
    promtool("check", "config", "prometheus.yml")


def test_rules_unit_tests_pass() -> None:
    assert "SUCCESS" in promtool("test", "rules", "tests/shoplet.test.yml")


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules += group["rules"]
    return rules


def test_slo_alerts_pair_a_long_and_a_short_window_per_burn_rate() -> None:
    """The workbook's four (long, short, burn) pairs, for each SLO."""
    exprs = " ".join(rule["expr"] for rule in _rules() if "alert" in rule)
    for sli, budget in (("slo_availability_errors", "0.001"), ("slo_latency_slow", "0.01")):
        for long, short, burn in (
            ("1h", "5m", "14.4 * "),
            ("6h", "30m", "6 * "),
            ("1d", "2h", "3 * "),
        ):
            for window in (long, short):
                assert f"shoplet:{sli}:ratio_rate{window} > ({burn}{budget})" in exprs
        for window in ("3d", "6h"):
            assert f"shoplet:{sli}:ratio_rate{window} > {budget}" in exprs


# -- dashboards -------------------------------------------------------------------------------


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        panels.append(panel)
        panels += panel.get("panels", [])
    return panels


@pytest.mark.parametrize("path", DASHBOARDS, ids=[path.stem for path in DASHBOARDS])
def test_dashboard_is_a_grafana_model(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36
    assert 0 < len(dashboard["uid"]) <= 40
    assert dashboard["title"].startswith("Shoplet")
    assert "id" not in dashboard or dashboard["id"] is None  # importable into any Grafana
    panels = _panels(dashboard)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0
        assert grid["x"] + grid["w"] <= 24
        assert grid["h"] > 0
        if panel["type"] == "row":
            continue
        assert panel["title"], panel
        assert panel["targets"], f"panel {panel['title']!r} has no queries"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs))
        assert all(target["expr"].strip() for target in panel["targets"])
    variables = {var["name"] for var in dashboard["templating"]["list"]}
    assert "datasource" in variables
    for expr in _exprs(dashboard):
        for used in re.findall(r"\$(\w+)", expr):
            assert used in variables or used.startswith("__"), (path.name, used)


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in _panels(dashboard)
        for target in panel.get("targets", [])
        if "expr" in target
    ]


_FUNCTIONS_AND_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
}


def metric_names(expr: str) -> set[str]:
    """The metric (and recording-rule) names a PromQL expression reads."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values, regexes)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\w+", " ", text)  # Grafana variables
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _FUNCTIONS_AND_KEYWORDS:
            continue
        names.add(name)
    return names


def test_metric_names_are_read_from_promql() -> None:
    assert metric_names(
        'sum by (role, le) (rate(shoplet_x_bucket{role=~"$role",le="0.25"}[5m])) '
        "/ on (role) group_left shoplet:y:ratio > 0.5 and shoplet_z"
    ) == {"shoplet_x_bucket", "shoplet:y:ratio", "shoplet_z"}


def _exported(text: str) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {sample.name for sample in family.samples}
        suffixes = {
            "counter": ("_total",),
            "histogram": ("_bucket", "_count", "_sum"),
            "summary": ("_count", "_sum"),
        }.get(family.type, ("",))
        names |= {family.name + suffix for suffix in suffixes}
    return names


async def test_every_metric_on_the_dashboards_and_in_the_rules_is_exported(
    client: httpx.AsyncClient, ctx: AppContext, backend: str, flash: Any
) -> None:
    if backend != "postgres":
        pytest.skip("the flash-sale and stream metrics need Redis (the PostgreSQL backend)")
    # A catalog read (cache, pool), a flash-sale buy (edge metrics, a job), events relayed onto
    # the stream and consumed, the stream's consumer groups read.
    assert (await client.get("/api/v1/products")).status_code == 200
    assert (await client.get("/api/v1/products")).status_code == 200
    sku = await make_sku(ctx, stock=10)
    campaign_id = await make_campaign(ctx, [sku], stock=3)
    await go_live(ctx, campaign_id)
    who = await shopper(client, "watched")
    token = buy_token(ctx, campaign_id, who.id)
    assert (await buy(client, who, campaign_id, sku, token)).status_code in (200, 202)
    await drain_outbox(ctx)
    await observe_stream(ctx)
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    exported = _exported(scraped.text)
    # The replica router's metrics exist only with SHOPLET_DATABASE_REPLICA_URLS (a real
    # replica exports them in tests/deploy/test_data_tier.py): take their names from its class.
    replica_registry = CollectorRegistry()
    ReplicaMetrics(replica_registry)
    exported |= _exported(generate_latest(replica_registry).decode())
    # The stream gauges have a series per handler's consumer group.
    assert 'shoplet_stream_lag_entries{group="' in scraped.text
    assert 'shoplet_stream_pending_entries{group="' in scraped.text

    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    used: dict[str, set[str]] = {}
    for path in DASHBOARDS:
        for expr in _exprs(json.loads(path.read_text())):
            for name in metric_names(expr):
                used.setdefault(name, set()).add(path.name)
    for rule in _rules():
        for name in metric_names(rule["expr"]):
            used.setdefault(name, set()).add(rule.get("record") or rule["alert"])
    unknown = {name: where for name, where in used.items() if name not in exported | recorded}
    assert not unknown, f"not exported by Shoplet nor recorded: {unknown}"
    # And the rules' own inputs cover what the brief of each dashboard promises.
    for needed in (
        "shoplet_http_requests_total",
        "shoplet_db_pool_waiting",
        "shoplet_db_slow_queries_total",
        "shoplet_stream_lag_entries",
        "shoplet_cache_requests_total",
        "shoplet_flashsale_stock_remaining",
        "shoplet_db_replica_lag_seconds",
        "shoplet_db_replica_up",
        "shoplet_db_reads_total",
        "shoplet_db_read_your_writes_pins_total",
    ):
        assert needed in used, needed
        assert needed in exported, needed
