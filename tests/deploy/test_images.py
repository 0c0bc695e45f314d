"""The images and the compose file, checked without a Docker engine: the Dockerfile is parsed and
linted, the compose file is validated against the Compose Specification's JSON schema (vendored
by check-jsonschema) and then against Shoplet itself: commands, settings, healthchecks, files."""

from __future__ import annotations

import fnmatch
import importlib.resources
import ipaddress
import itertools
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import typer
import yaml

from shoplet.cli import app as cli_app
from shoplet.core.settings import Settings
from tests.deploy.nginx import shoplet
from tests.servers import ROOT

DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
# Read by Shoplet outside Settings (core/migrate.py).
EXTRA_ENV = {"SHOPLET_MIGRATIONS_DIR"}


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        values = [arg for key, arg in self.instructions if key == keyword]
        return values[-1] if values else None


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs and the stages, each with its instructions (continuations joined)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            assert len(parts) == 3, f"every stage is named: FROM image AS name ({line})"
            assert parts[1].upper() == "AS"
            stages.append(Stage(parts[0], parts[2]))
        elif not stages:
            assert keyword == "ARG", line
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest.strip()))
    return args, stages


ARGS, STAGES = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
BY_NAME = {stage.name: stage for stage in STAGES}


def _image(base: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], base)


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, from ``env``."""

    def one(match: re.Match[str]) -> str:
        name, op, word = match.group(1), match.group(2), match.group(3)
        if name in env:
            return env[name]
        assert op != ":?", f"${{{name}}} is required: {word}"
        return word or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def _final_user(stage: Stage) -> str | None:
    while True:
        user = stage.last("USER")
        if user is not None or stage.base not in BY_NAME:
            return user
        stage = BY_NAME[stage.base]


def test_dockerfile_is_multi_stage_with_pinned_bases() -> None:
    assert len(STAGES) >= 4
    assert len(BY_NAME) == len(STAGES), "stage names are unique"
    for stage in STAGES:
        if stage.base in BY_NAME:
            continue
        image = _image(stage.base)
        name, _, tag = image.partition(":")
        assert tag, f"{image} has no tag"
        assert tag != "latest", image
        assert re.match(r"\d+\.\d+\.\d+", tag), f"{image}: pin a full version"
        if name == "python":
            assert "slim" in tag, "the runtime is slim"
    earlier: set[str] = set()
    for stage in STAGES:
        for keyword, arg in stage.instructions:
            assert keyword != "ADD", "COPY, never ADD"
            source = re.match(r"--from=(\S+)", arg)
            if keyword == "COPY" and source:
                assert source.group(1) in earlier, f"{stage.name} copies from a later stage"
        earlier.add(stage.name)


@pytest.mark.parametrize("target", ["app", "gateway"])
def test_images_run_as_a_user_with_a_healthcheck_and_exec_form_commands(target: str) -> None:
    stage = BY_NAME[target]
    user = _final_user(stage)
    assert user is not None, f"{target} has no USER"
    assert user.split(":")[0] not in {"root", "0"}, f"{target} runs as root"
    healthcheck = stage.last("HEALTHCHECK")
    assert healthcheck is not None
    assert "CMD [" in healthcheck, "healthcheck in exec form"
    for keyword in ("ENTRYPOINT", "CMD"):
        arg = stage.last(keyword)
        if arg is not None:
            json.loads(arg)  # exec form: signals reach the process


def _dockerignore() -> list[str]:
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
    return False


def test_every_copied_file_is_in_the_build_context() -> None:
    patterns = _dockerignore()
    copied = 0
    for stage in STAGES:
        for keyword, arg in stage.instructions:
            if keyword != "COPY" or arg.startswith("--from="):
                continue
            *sources, _destination = shlex.split(arg)
            for source in sources:
                path = source.rstrip("/")
                assert (ROOT / path).exists(), f"COPY {source}: no such file"
                assert not _ignored(path, patterns), f"COPY {source} is excluded by .dockerignore"
                copied += 1
    assert copied >= 6
    assert _ignored("frontends/console/node_modules/x", patterns)
    assert _ignored(".venv/bin/python", patterns)
    assert not _ignored("src/shoplet/cli.py", patterns)


def test_the_gateway_configuration_renders_as_the_image_builds_it(tmp_path: Path) -> None:
    run = next(arg for key, arg in BY_NAME["gateway-config"].instructions if key == "RUN")
    argv = shlex.split(run.split("&&", 1)[1])
    assert argv[:3] == ["shoplet", "deploy", "nginx-config"]
    moved = {"--out": tmp_path / "nginx.conf", "--traffic-file": tmp_path / "traffic.conf"}
    args = [str(moved.get(previous, arg)) for previous, arg in itertools.pairwise(argv)]
    done = shoplet(*args)
    assert done.exit_code == 0, done.output
    conf = (tmp_path / "nginx.conf").read_text()
    assert "listen 8080;" in conf
    assert "location = /nginx-health" in conf
    assert "server api:8000" in conf
    assert "server edge:8000" in conf
    assert "root /usr/share/shoplet;" in conf
    assert "load_module" not in conf  # the official nginx image has no Brotli module
    assert "http://127.0.0.1:8080/nginx-health" in (BY_NAME["gateway"].last("HEALTHCHECK") or "")


def test_compose_file_follows_the_compose_specification() -> None:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    broken = _compose()
    broken["services"]["api"]["depends_on"] = {"migrate": {"condition": "when_ready"}}
    assert list(validator.iter_errors(broken)), "the schema check catches a wrong condition"


def test_compose_brings_up_every_role_with_images_that_exist() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "api",
        "edge",
        "search",
        "worker",
        "gateway",
    }
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if "build" in service:
            build = service["build"]
            context = (COMPOSE.parent / build["context"]).resolve()
            assert context == ROOT
            assert (context / build["dockerfile"]).resolve() == DOCKERFILE
            assert build["target"] in BY_NAME, f"{name}: no stage {build['target']}"
        else:
            tag = service["image"].partition(":")[2]
            assert re.match(r"\d+\.\d+", tag), f"{name}: pin a version (major.minor at least)"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    for name in ("migrate", "api", "edge", "search", "worker", "gateway"):
        assert services[name]["read_only"] is True, f"{name}: read-only root filesystem"
        assert services[name]["cap_drop"] == ["ALL"]


def _cli_accepts(argv: list[str]) -> None:
    """Parses ``shoplet ARGV`` as the CLI would, without running it."""
    group: Any = typer.main.get_command(cli_app)
    ctx = group.make_context("shoplet", list(argv), resilient_parsing=False)
    command = group.get_command(ctx, argv[0])
    assert command is not None, f"no command {argv[0]}"
    command.make_context(argv[0], list(argv[1:]))


def test_compose_commands_and_settings_are_shoplets(tmp_path: Path) -> None:
    services = _compose()["services"]
    settings_env = {f"SHOPLET_{name.upper()}" for name in Settings.model_fields}
    env_in_image = dict(
        re.findall(
            r"(SHOPLET_\w+)=(\S+)",
            " ".join(a for k, a in BY_NAME["app"].instructions if k == "ENV"),
        )
    )
    assert (ROOT / "src/shoplet/core/migrate.py").read_text().count("SHOPLET_MIGRATIONS_DIR")
    roles = {}
    for name in ("migrate", "api", "edge", "worker"):
        service = services[name]
        _cli_accepts(service["command"])
        roles[name] = service["command"]
        environment = {**env_in_image, **service["environment"]}
        for key in environment:
            assert key in settings_env | EXTRA_ENV, f"{name}: {key} is not a Shoplet setting"
        values = {
            key: _interpolate(
                str(value),
                {
                    "POSTGRES_PASSWORD": "pw",
                    "SHOPLET_SECRET_KEY": "k" * 48,
                    "SHOPLET_PII_KEY": "0123456789abcdef0123456789abcdef",
                },
            )
            for key, value in environment.items()
            if key not in EXTRA_ENV
        }
        settings = Settings(
            **{key.removeprefix("SHOPLET_").lower(): v for key, v in values.items()}
        )
        assert settings.database_url is not None
        assert "@postgres:5432/" in settings.database_url
        assert settings.redis_url == "redis://redis:6379/0"
        gateway_ip = services["gateway"]["networks"]["shoplet"]["ipv4_address"]
        assert any(ipaddress.ip_address(gateway_ip) in net for net in settings.trusted_proxies)
    assert roles["api"][:3] == ["serve", "--role", "api"]
    assert roles["edge"][:3] == ["serve", "--role", "edge"]
    assert roles["worker"] == ["worker"]
    assert roles["migrate"] == ["migrate"]


def _healthcheck_url(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/\S*?)['\"]", " ".join(test))
    assert match is not None, test
    return match.group(0)[:-1]


async def test_compose_healthchecks_point_at_real_endpoints(client: httpx.AsyncClient) -> None:
    services = _compose()["services"]
    for name in ("api", "edge"):
        url = httpx.URL(_healthcheck_url(services[name]))
        assert url.port == 8000  # SHOPLET_PORT in the image
        assert (await client.get(url.path)).status_code == 200, f"{name}: {url}"
    worker = services["worker"]
    url = httpx.URL(_healthcheck_url(worker))
    assert url.port == int(worker["environment"]["SHOPLET_WORKER_METRICS_PORT"])
    assert url.path == "/metrics"
    image_check = BY_NAME["app"].last("HEALTHCHECK") or ""
    path = re.search(r"http://127\.0\.0\.1:8000(/\w+)", image_check)
    assert path is not None
    assert (await client.get(path.group(1))).status_code == 200


# deploy/nginx.conf is this command's output (deploy/README.md shows it).
SAMPLE_ARGS = (
    "deploy nginx-config --api 10.0.1.11:8000 --api 10.0.1.12:8000 --edge 10.0.2.11:8000 "
    "--traffic-file /etc/nginx/shoplet/traffic.conf --state-dir /var/cache/nginx/shoplet "
    "--server-name shop.example.com --listen 80 --tls-listen 443 "
    "--tls-cert /etc/ssl/shoplet/fullchain.pem --tls-key /etc/ssl/shoplet/privkey.pem "
    "--static-root /usr/share/shoplet --media-root /srv/shoplet/media --brotli on "
    "--access-log /var/log/nginx/shoplet.log --no-write-traffic"
)


def test_the_sample_gateway_configuration_is_up_to_date(tmp_path: Path) -> None:
    done = shoplet(*shlex.split(SAMPLE_ARGS), "--out", str(tmp_path / "nginx.conf"))
    assert done.exit_code == 0, done.output
    assert (tmp_path / "nginx.conf").read_text() == (DEPLOY / "nginx.conf").read_text(), (
        f"regenerate it: shoplet {SAMPLE_ARGS} --out deploy/nginx.conf"
    )
