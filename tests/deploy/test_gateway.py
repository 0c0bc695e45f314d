"""The gateway, on a real nginx: routing by role, request ids, W3C trace context, stub_status on
the internal listen, media from disk and from the API cache, the static front ends, compression,
rate limits at the edge and TLS. Without search servers, search stays with api (the gateway's
sample configuration)."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from opentelemetry import trace

from shoplet.core.tracing import parent_context
from shoplet.deploy import gateway
from tests.deploy.nginx import Gateway, Upstreams

BROTLI = gateway.brotli_module_dir()


def _config(up: Upstreams, tmp: Path, **options: object) -> gateway.Gateway:
    return gateway.Gateway(
        servers={
            "api": {"blue": [up.address("api-blue")], "green": []},
            "edge": {"blue": [up.address("edge-blue")], "green": []},
            "search": {"blue": [up.address("search-blue")], "green": []},
        },
        traffic_file=tmp / "unused",
        state_dir=tmp / "unused",
        brotli_modules=BROTLI,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def upstreams() -> Iterator[Upstreams]:
    up = Upstreams("api-blue", "edge-blue", "search-blue")
    yield up
    up.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built front end (storefront at /, console under console/) and a media volume."""
    root = tmp_path_factory.mktemp("site")
    static = root / "static"
    (static / "assets").mkdir(parents=True)
    (static / "console" / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>shop</title>")
    (static / "console" / "index.html").write_text("<!doctype html><title>console</title>")
    script = ("console.log('商品');\n" * 200).encode()
    (static / "assets" / "app.1a2b.js").write_bytes(script)
    (static / "assets" / "app.1a2b.js.gz").write_bytes(gzip.compress(script))
    (static / "assets" / "app.1a2b.js.br").write_bytes(b"not really brotli")
    media = root / "data" / "media" / "products"
    media.mkdir(parents=True)
    (media / "on-disk.jpg").write_bytes(b"\xff\xd8disk")
    return root


@pytest.fixture(scope="module")
def gw(
    upstreams: Upstreams, site: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("nginx")
    config = _config(
        upstreams,
        tmp,
        static_root=site / "static",
        media_root=site / "data" / "media",
        private_networks=("10.0.0.0/8",),
    )
    nginx = Gateway(tmp, config)
    yield nginx
    nginx.stop()


async def test_routes_each_role_to_its_replicas(gw: Gateway) -> None:
    await gw.wait_for()
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        routes = {
            "/api/v1/products?page=2": "api-blue",
            "/api/v1/flash-sales": "edge-blue",
            "/api/v1/flash-sales/7/buy": "edge-blue",
            "/api/v1/time": "edge-blue",
            "/api/v1/timeline": "api-blue",
            "/api/v1/search?q=%E5%A3%B6": "search-blue",
            "/api/v1/search/suggest?q=hu": "search-blue",
            "/api/v1/searches": "api-blue",
            "/api/v1/console/search/analytics": "search-blue",
            "/api/v1/console/searches": "api-blue",
            "/api/v1/console/flash-sales": "api-blue",
            "/api/v1/auth/wechat-login": "api-blue",
            "/api/v1/payments/wechat/notify": "api-blue",
        }
        for path, name in routes.items():
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.json()["name"] == name, path
            assert response.json()["path"] == path
            assert response.headers["x-shoplet-track"] == "blue"
        # Private: simulators never, metrics only from the private networks.
        assert (await client.get("/_sim/sms/last-code")).status_code == 404
        assert (await client.get("/metrics")).status_code == 403


async def test_request_ids_are_kept_or_created_and_returned(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        created = await client.get("/api/v1/products")
        rid = created.json()["request_id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
        assert created.headers["x-request-id"] == rid
        assert created.json()["forwarded_for"] == "127.0.0.1"
        assert created.json()["forwarded_proto"] == "http"
        kept = await client.get("/api/v1/products", headers={"X-Request-ID": "mp-7f3a-0001"})
        assert kept.json()["request_id"] == "mp-7f3a-0001"
        assert kept.headers["x-request-id"] == "mp-7f3a-0001"
        forged = await client.get("/api/v1/products", headers={"X-Request-ID": "a b;<script>"})
        assert re.fullmatch(r"[0-9a-f]{32}", forged.json()["request_id"])


CLIENT_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_a_valid_traceparent_reaches_the_api_unchanged(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        for sent in (
            CLIENT_TRACE,
            # not sampled: kept so
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            # a later version may add fields
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later-fields",
        ):
            answer = await client.get(
                "/api/v1/products", headers={"traceparent": sent, "tracestate": "congo=t61rcWkgMzE"}
            )
            assert answer.json()["traceparent"] == sent
            assert answer.json()["tracestate"] == "congo=t61rcWkgMzE"
        edge = await client.get("/api/v1/flash-sales", headers={"traceparent": CLIENT_TRACE})
        assert edge.json()["traceparent"] == CLIENT_TRACE


async def test_without_a_valid_traceparent_the_gateway_starts_the_trace(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        for headers in (
            {},
            {"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
            {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"},
            {"traceparent": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
            {"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
            {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"},
            {"traceparent": "garbage", "tracestate": "congo=t61rcWkgMzE"},
        ):
            answer = await client.get("/api/v1/products", headers=headers)
            body = answer.json()
            rid = body["request_id"]
            generated = body["traceparent"]
            assert generated == f"00-{rid}-{rid[16:]}-01", headers
            # A tracestate never travels without the traceparent it belongs to.
            assert body["tracestate"] is None
            # What the API's propagator makes of it: a remote parent in the request id's trace.
            context = parent_context(generated)
            assert context is not None
            parent = trace.get_current_span(context).get_span_context()
            assert parent.is_remote
            assert parent.trace_id == int(rid, 16)
            assert parent.span_id == int(rid[16:], 16)
            assert parent.trace_flags.sampled


async def test_the_access_log_names_request_trace_and_upstream_time(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        started = await client.get("/api/v1/products?log=1")
        passed = await client.get(
            "/api/v1/products?log=2", headers={"traceparent": CLIENT_TRACE, "X-Request-ID": "mp-1"}
        )
    rid = started.headers["x-request-id"]
    assert passed.status_code == 200
    lines = (gw.root / "access.log").read_text().splitlines()
    first = next(line for line in lines if "/api/v1/products?log=1" in line)
    second = next(line for line in lines if "/api/v1/products?log=2" in line)
    assert f"rid={rid} trace={rid} " in first
    assert "rid=mp-1 trace=4bf92f3577b34da6a3ce929d0e0e4736 " in second
    assert re.search(r" uct=\d+\.\d{3} urt=\d+\.\d{3}$", first), first


async def test_stub_status_answers_on_the_internal_listen_only(gw: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        status = await client.get(f"http://127.0.0.1:{gw.status_port}/nginx-status")
        assert status.status_code == 200
        assert status.text.startswith("Active connections: ")
        assert "server accepts handled requests" in status.text
        assert re.search(r"Reading: \d+ Writing: \d+ Waiting: \d+", status.text)
        assert (await client.get(f"http://127.0.0.1:{gw.status_port}/")).status_code == 404
        other = await client.get(f"http://127.0.0.1:{gw.status_port}/api/v1/products")
        assert other.status_code == 404
        public = await client.get(f"{gw.base_url}/nginx-status")
        assert public.status_code == 404
        assert "Active connections" not in public.text


def test_the_gateway_samples_the_share_of_traces_it_starts(tmp_path: Path) -> None:
    def render(percent: float) -> str:
        return gateway.render(
            gateway.Gateway(
                servers={"api": {"blue": ["api:8000"]}},
                traffic_file=tmp_path / "traffic.conf",
                state_dir=tmp_path,
                trace_sample_percent=percent,
                status_listen=None,
            )
        )

    assert "    * 01;\n" in render(100)
    assert "    * 00;\n" in render(0)
    assert "    12.5% 01;\n        * 00;\n" in render(12.5)
    assert "stub_status" not in render(100)
    with pytest.raises(ValueError, match="between 0 and 100"):
        render(101)


async def test_media_from_disk_then_from_the_cached_api(gw: Gateway, upstreams: Upstreams) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        disk = await client.get("/media/products/on-disk.jpg")
        assert disk.status_code == 200
        assert disk.content == b"\xff\xd8disk"
        assert disk.headers["x-cache-status"] == "DISK"
        assert disk.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "x-request-id" in disk.headers
        statuses = []
        for _ in range(3):
            origin = await client.get("/media/products/uploaded-elsewhere.jpg")
            assert origin.status_code == 200
            assert origin.content.startswith(b"\xff\xd8api-blue")
            statuses.append(origin.headers["x-cache-status"])
    assert statuses == ["MISS", "HIT", "HIT"]
    assert upstreams.stats("api-blue").get("/media/products/uploaded-elsewhere.jpg") == 1
    assert "/media/products/on-disk.jpg" not in upstreams.stats("api-blue")


async def test_static_front_ends_with_spa_fallback_and_precompressed_files(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        deep = await client.get("/pages/product/detail?id=3")
        assert deep.status_code == 200
        assert "<title>shop</title>" in deep.text
        assert deep.headers["cache-control"] == "no-cache"
        console = await client.get("/console/orders/42")
        assert "<title>console</title>" in console.text
        asset = await client.get("/assets/app.1a2b.js", headers={"Accept-Encoding": "gzip"})
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.text.startswith("console.log")
        if BROTLI is not None:
            raw = await client.get("/assets/app.1a2b.js", headers={"Accept-Encoding": "br"})
            assert raw.headers["content-encoding"] == "br"
        missing = await client.get("/assets/gone.js")
        assert missing.status_code == 404


async def test_api_answers_are_compressed(gw: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gw.base_url) as client:
        zipped = await client.get("/api/v1/products/big", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.json()["name"] == "api-blue"
        if BROTLI is not None:
            stream = client.stream("GET", "/api/v1/products/big", headers={"Accept-Encoding": "br"})
            async with stream as brotli:
                assert brotli.headers["content-encoding"] == "br"
                assert brotli.headers["vary"] == "Accept-Encoding"
        small = await client.get("/api/v1/time", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in small.headers


async def test_flash_sale_bursts_are_limited_per_client(
    upstreams: Upstreams, tmp_path: Path
) -> None:
    nginx = Gateway(tmp_path, _config(upstreams, tmp_path, flash_rate="2r/s", flash_burst=5))
    try:
        await nginx.wait_for()
        async with httpx.AsyncClient(base_url=nginx.base_url) as client:
            codes = [(await client.get("/api/v1/flash-sales/1")).status_code for _ in range(30)]
            others = [(await client.get("/api/v1/products")).status_code for _ in range(30)]
    finally:
        nginx.stop()
    # A burst of 5 past the first, a few more as the bucket refills at 2/s; the rest refused.
    assert 6 <= codes.count(200) <= 9
    assert codes.count(429) == 30 - codes.count(200)
    assert set(others) == {200}


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_terminates_at_the_gateway(upstreams: Upstreams, tmp_path: Path) -> None:
    import ssl

    cert, key = _certificate(tmp_path)
    nginx = Gateway(tmp_path, _config(upstreams, tmp_path, tls_cert=cert, tls_key=key))
    try:
        await nginx.wait_for()
        context = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(verify=context) as client:
            secure = await client.get(f"https://127.0.0.1:{nginx.tls_port}/api/v1/products")
            assert secure.json()["forwarded_proto"] == "https"
            assert secure.extensions["http_version"] == b"HTTP/1.1"
            plain = await client.get(f"{nginx.base_url}/api/v1/products?x=1")
            assert plain.status_code == 301
            assert plain.headers["location"] == "https://127.0.0.1/api/v1/products?x=1"
    finally:
        nginx.stop()


@pytest.mark.slow
async def test_a_real_shoplet_replica_behind_the_gateway(tmp_path: Path) -> None:
    """Shoplet itself as the edge replica (``--role edge``: the flash-sale routes only, so it
    starts quickly; embedded SQLite, no Redis): it keeps the request id nginx forwards, answers
    it once, and trusts nginx for the client's address."""
    import os

    from tests.servers import ROOT, UvicornServer

    env = {
        **os.environ,
        "SHOPLET_ENV": "test",
        "SHOPLET_DATA_DIR": str(tmp_path / "data"),
        "SHOPLET_LOG_LEVEL": "WARNING",
        "SHOPLET_ACCESS_LOG": "false",
        "SHOPLET_RUN_WORKER_IN_PROCESS": "false",
        "SHOPLET_SERVE_FRONTENDS": "false",
        "SHOPLET_SEARCH_SEMANTIC": "false",
        "SHOPLET_TRUSTED_PROXIES": "127.0.0.1",
        "SHOPLET_ROLE": "edge",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("SHOPLET_DATABASE_URL", "SHOPLET_REDIS_URL"):
        env.pop(name, None)
    server = UvicornServer("shoplet.app:create_app", env, tmp_path / "shoplet.log")
    replica = server.base_url.removeprefix("http://")
    config = gateway.Gateway(
        servers={"api": {"blue": [replica]}, "edge": {"blue": [replica]}},
        traffic_file=tmp_path,
        state_dir=tmp_path,
    )
    nginx = Gateway(tmp_path / "nginx", config)
    try:
        async with httpx.AsyncClient(base_url=nginx.base_url) as client:
            await server.wait_ready(client, within=90)
            await nginx.wait_for()
            kept = await client.get("/api/v1/time", headers={"X-Request-ID": "mp-0001"})
            assert kept.status_code == 200
            assert kept.headers["content-type"].startswith("application/json")
            assert kept.headers.get_list("x-request-id") == ["mp-0001"]
            created = await client.get("/healthz")
            assert created.status_code == 200
            (rid,) = created.headers.get_list("x-request-id")
            assert re.fullmatch(r"[0-9a-f]{32}", rid)
            # /metrics answers the resolved client (loopback, through the trusted gateway).
            assert (await client.get("/metrics")).status_code == 200
            assert (await client.get("/_sim/sms/last-code")).status_code == 404
    finally:
        nginx.stop()
        server.stop()


def test_without_search_servers_search_stays_with_api(tmp_path: Path) -> None:
    config = gateway.Gateway(
        servers={"api": {"blue": ["10.0.1.11:8000"], "green": []}},
        traffic_file=tmp_path / "traffic.conf",
        state_dir=tmp_path,
    )
    assert config.roles == ("api", "edge")
    conf = gateway.render(config)
    assert "shoplet_search" not in conf
    assert gateway.SEARCH_PATHS not in conf
    with pytest.raises(ValueError, match="unknown role"):
        gateway.Gateway(
            servers={"api": {"blue": ["a:1"]}, "reco": {"blue": ["b:1"]}},
            traffic_file=tmp_path / "traffic.conf",
            state_dir=tmp_path,
        )
