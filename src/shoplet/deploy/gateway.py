"""The nginx gateway's configuration (``shoplet deploy nginx-config``), rendered from a few facts.

One file for the whole nginx (main, events and http contexts), so a test or a container starts
nginx on it directly. What it does, per request:

- routes by path to an upstream per role and colour: flash-sale routes to ``edge``, search to
  ``search`` (when search servers are given: the role that holds the index), the rest of the API,
  media misses and (without a static root) the front ends to ``api``; the colour comes
  from the traffic include (``traffic.render_traffic``), or is pinned by an ``X-Shoplet-Track``
  header or a ``shoplet_track`` cookie (``blue`` / ``green``);
- keeps or creates a request id (``X-Request-ID``), forwards it and returns it;
- passes a valid W3C ``traceparent`` through unchanged, or starts one from the request id
  (trace id = the request id, so a log line and its trace share an id), so the API's spans join
  the request; the access log names the request id, the trace id and the upstream's time;
- answers nginx's ``stub_status`` on an internal listen only (``status_listen``, loopback by
  default), for the Prometheus exporter beside it;
- limits flash-sale and sign-in bursts per client address (429);
- serves media from disk when the media volume is mounted, and caches what it fetches from the
  API (``X-Cache-Status``): the origin of a CDN;
- serves the built front ends with their precompressed siblings, compresses the rest (gzip, and
  Brotli when the module is there);
- terminates TLS when a certificate is given (plain HTTP then redirects);
- keeps ``/_sim`` and ``/metrics`` private.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shoplet.deploy.traffic import COLOURS, Colour

ROLES = ("api", "edge", "search")
# Flash-sale routes (modules/flashsale/api.py): the edge role serves only these.
EDGE_PATHS = r"^/api/v1/(flash-sales|time)(/|$)"
# Search (modules/search: the storefront's API and the console's pages, whose index status and
# dictionary are the index's): the search role's.
SEARCH_PATHS = r"^/api/v1/(console/)?search(/|$)"
BROTLI_MODULES = ("ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so")
COMPRESSIBLE = (
    "application/json application/problem+json application/javascript text/css text/plain "
    "text/xml image/svg+xml application/manifest+json"
)
# Mozilla's "intermediate" TLS profile.
TLS_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
_SERVER = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
# W3C Trace Context: version 00 is exactly four fields; a later version (not ff) may append
# more. Trace and parent ids are lower-case hex and never all zeros.
TRACEPARENT = (
    r"^(00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}"
    r"|(?!ff)(?!00)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-.*)?)$"
)
STATUS_PATH = "/nginx-status"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Gateway:
    """What the gateway needs to know. ``servers[role][colour]`` lists ``host:port`` replicas;
    a colour with no replicas of a role sends that role to the other colour's replicas."""

    servers: Mapping[str, Mapping[Colour, Sequence[str]]]
    traffic_file: Path
    state_dir: Path
    listen: str = "8080"
    tls_listen: str = "8443"
    server_name: str = "_"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    static_root: Path | None = None
    media_root: Path | None = None
    brotli_modules: Path | None = None
    access_log: str = "/dev/stdout"
    worker_processes: str = "auto"
    flash_rate: str = "20r/s"
    flash_burst: int = 40
    auth_rate: str = "5r/s"
    auth_burst: int = 10
    private_networks: Sequence[str] = field(default=("10.0.0.0/8", "127.0.0.1/32"))
    split_key: str = "$shoplet_request_id"
    media_cache_size: str = "1g"
    # The proxies in front (a cloud load balancer, a Kubernetes ingress controller): their
    # X-Forwarded-For names the client, for the rate limits, the logs and X-Real-IP.
    real_ip_from: Sequence[str] = ()
    # nginx's stub_status (connections, requests) for the Prometheus exporter beside it, on a
    # listen of its own that the public server never answers for; None: off.
    status_listen: str | None = "127.0.0.1:8081"
    # Share of the traces the gateway starts (requests without a traceparent) marked sampled;
    # the API's ParentBased sampler follows the flag.
    trace_sample_percent: float = 100.0

    def __post_init__(self) -> None:
        for role, colours in self.servers.items():
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} (api, edge, search)")
            for server in (s for c in colours.values() for s in c):
                if not _SERVER.match(server):
                    raise ValueError(f"{role} server {server!r} is not host:port")
        if not any(self.servers.get("api", {}).values()):
            raise ValueError("at least one api server is needed")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both a certificate and its key")
        if self.media_root is not None and self.media_root.name != "media":
            raise ValueError("the media root is Shoplet's <data dir>/media directory")
        for network in self.real_ip_from:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise ValueError(f"real IP source {network!r} is not an address or CIDR") from None
        if not 0 <= self.trace_sample_percent <= 100:
            raise ValueError("the trace sample percentage is between 0 and 100")
        if self.status_listen is not None and not re.fullmatch(
            r"([A-Za-z0-9.\-\[\]:]+:)?\d{1,5}", self.status_listen
        ):
            raise ValueError(f"status listen {self.status_listen!r} is not a port or addr:port")

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles with an upstream: api and edge always (edge falls back to api's servers),
        search when it has servers (otherwise the api upstream answers search)."""
        return tuple(r for r in ROLES if r != "search" or any(self.servers.get(r, {}).values()))

    def replicas(self, role: str, colour: Colour) -> Sequence[str]:
        colours = self.servers.get(role) or self.servers["api"]
        other = COLOURS[1] if colour == COLOURS[0] else COLOURS[0]
        return colours.get(colour) or colours.get(other) or ()


def render(gw: Gateway) -> str:
    """The whole nginx.conf."""
    parts = [_main(gw), "http {", _indent(_http(gw)), _indent(_server(gw)), "}", ""]
    return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def _main(gw: Gateway) -> str:
    lines = ["# Shoplet gateway, rendered by `shoplet deploy nginx-config` (docs/deploy.md)."]
    if gw.brotli_modules is not None:
        lines += [f"load_module {gw.brotli_modules / name};" for name in BROTLI_MODULES]
    lines += [
        f"worker_processes {gw.worker_processes};",
        f"pid {gw.state_dir / 'nginx.pid'};",
        "events { worker_connections 4096; }",
    ]
    return "\n".join(lines)


def _http(gw: Gateway) -> str:
    state = gw.state_dir
    out = [
        "include /etc/nginx/mime.types;",
        "default_type application/octet-stream;",
        "server_tokens off;",
        "sendfile on;",
        "tcp_nopush on;",
        "keepalive_timeout 65s;",
        "client_max_body_size 6m;  # console image uploads are capped at 5 MB by the API",
        *(
            f"{kind}_temp_path {state / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        "",
        "# Request ids: a well-formed X-Request-ID from the client is kept (what Shoplet keeps),",
        "# otherwise nginx's own; forwarded, returned once (the replica's echo hidden), logged.",
        "map $http_x_request_id $shoplet_request_id {",
        '    "~^[A-Za-z0-9._-]{1,64}$" $http_x_request_id;',
        "    default $request_id;",
        "}",
        *_trace_maps(gw),
        "log_format shoplet '$remote_addr [$time_iso8601] \"$request\" $status $body_bytes_sent '",
        "                   'rid=$shoplet_request_id trace=$shoplet_trace_id '",
        "                   'track=$shoplet_track upstream=$upstream_addr rt=$request_time '",
        "                   'uct=$upstream_connect_time urt=$upstream_response_time';",
        f"access_log {gw.access_log} shoplet;",
        "",
        "# Blue-green and canary: the traffic include splits requests by $shoplet_split_key;",
        "# a header or cookie pins a request to one colour (header first).",
        f'map $host $shoplet_split_key {{ default "{gw.split_key}"; }}',
        f"include {gw.traffic_file};",
        'map $http_x_shoplet_track $shoplet_header_track { blue blue; green green; default ""; }',
        'map $cookie_shoplet_track $shoplet_cookie_track { blue blue; green green; default ""; }',
        'map "$shoplet_header_track$shoplet_cookie_track" $shoplet_track {',
        '    "" $shoplet_split_track;',
        "    ~^blue blue;",
        "    ~^green green;",
        "}",
        "",
    ]
    for role in gw.roles:
        for colour in COLOURS:
            servers = " ".join(
                f"server {s} max_fails=3 fail_timeout=5s;" for s in gw.replicas(role, colour)
            )
            out.append(f"upstream shoplet_{role}_{colour} {{ {servers} keepalive 64; }}")
    if gw.real_ip_from:
        out += [
            "",
            "# The client is the last address in X-Forwarded-For not set by a trusted proxy: the",
            "# rate limits below count shoppers, not the proxy in front.",
            *(f"set_real_ip_from {network};" for network in gw.real_ip_from),
            "real_ip_header X-Forwarded-For;",
            "real_ip_recursive on;",
        ]
    out += [
        "",
        f"limit_req_zone $binary_remote_addr zone=flash_ip:20m rate={gw.flash_rate};",
        f"limit_req_zone $binary_remote_addr zone=auth_ip:10m rate={gw.auth_rate};",
        "limit_req_status 429;",
        "",
        f"proxy_cache_path {state / 'media-cache'} levels=1:2 keys_zone=shoplet_media:10m",
        f"                 max_size={gw.media_cache_size} inactive=30d use_temp_path=off;",
        "",
        "gzip on;",
        "gzip_vary on;",
        "gzip_proxied any;",
        "gzip_comp_level 5;",
        "gzip_min_length 1024;",
        f"gzip_types {COMPRESSIBLE};",
    ]
    if gw.brotli_modules is not None:
        out += [
            "brotli on;",
            "brotli_comp_level 5;",
            "brotli_min_length 1024;",
            f"brotli_types {COMPRESSIBLE};",
        ]
    out += [
        "",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $shoplet_request_id;",
        "proxy_set_header traceparent $shoplet_traceparent;",
        "proxy_set_header tracestate $shoplet_tracestate;",
        "proxy_hide_header X-Request-ID;",
        "# A replica that fails before answering: the next one gets the request (idempotent only).",
        "proxy_next_upstream error timeout http_502 http_503;",
        "proxy_next_upstream_tries 2;",
    ]
    if gw.tls_cert is not None:
        out += [
            "",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            f"ssl_ciphers {TLS_CIPHERS};",
            "ssl_prefer_server_ciphers off;",
            "ssl_session_cache shared:shoplet_tls:10m;",
            "ssl_session_timeout 1d;",
            "ssl_session_tickets off;",
        ]
    return "\n".join(out)


def _trace_maps(gw: Gateway) -> list[str]:
    """``$shoplet_traceparent``: the client's when valid, else a new one whose trace id is the
    request id and parent id its last 16 hex digits (nginx records no span of its own: the
    API's server span is the first one exported, a child of that id); ``tracestate`` only
    travels with the traceparent it belongs to (W3C: dropped with an invalid one)."""
    percent = f"{gw.trace_sample_percent:g}"
    sampled = (
        ["* 01;"]
        if percent == "100"
        else ["* 00;"]
        if percent == "0"
        else [
            f"{percent}% 01;",
            "* 00;",
        ]
    )
    return [
        "# W3C traceparent: a valid one is passed through unchanged; otherwise the gateway starts",
        "# the trace: trace id = the request id (one id in the logs and the traces), sampled for",
        f"# {percent} % of the requests it starts.",
        'split_clients "${request_id}trace" $shoplet_trace_flags {',
        *(f"    {line}" for line in sampled),
        "}",
        "map $request_id $shoplet_parent_id {",
        '    "~(?<tail>[0-9a-f]{16})$" $tail;',
        "}",
        "map $http_traceparent $shoplet_traceparent {",
        f'    "~{TRACEPARENT}" $http_traceparent;',
        '    default "00-$request_id-$shoplet_parent_id-$shoplet_trace_flags";',
        "}",
        "map $http_traceparent $shoplet_tracestate {",
        f'    "~{TRACEPARENT}" $http_tracestate;',
        '    default "";',
        "}",
        "map $shoplet_traceparent $shoplet_trace_id {",
        '    "~^[0-9a-f]{2}-(?<trace>[0-9a-f]{32})-" $trace;',
        '    default "-";',
        "}",
    ]


def _headers(*extra: str) -> list[str]:
    """add_header in a location replaces the server's: every location that adds one adds all."""
    return [
        "add_header X-Request-ID $shoplet_request_id always;",
        "add_header X-Shoplet-Track $shoplet_track always;",
        *extra,
    ]


def _proxy(role: str, *extra: str) -> list[str]:
    return [*extra, f"proxy_pass http://shoplet_{role}_$shoplet_track;"]


def _location(match: str, body: Sequence[str]) -> list[str]:
    return [f"location {match} {{", *(f"    {line}" for line in body), "}"]


def _server(gw: Gateway) -> str:
    locations = _locations(gw)
    health = _location(
        "= /nginx-health",
        ["access_log off;", "default_type text/plain;", 'return 200 "ok $shoplet_traffic\\n";'],
    )
    out: list[str] = []
    if gw.tls_cert is not None and gw.tls_key is not None:
        out += [
            "server {",
            f"    listen {gw.listen};",
            f"    server_name {gw.server_name};",
            *(f"    {line}" for line in health),
            "    location / { return 301 https://$host$request_uri; }",
            "}",
            "server {",
            f"    listen {gw.tls_listen} ssl http2;",
            f"    server_name {gw.server_name};",
            f"    ssl_certificate {gw.tls_cert};",
            f"    ssl_certificate_key {gw.tls_key};",
        ]
    else:
        out += ["server {", f"    listen {gw.listen};", f"    server_name {gw.server_name};"]
    out += [f"    {line}" for line in [*_headers(), *health, *locations]]
    out.append("}")
    if gw.status_listen is not None:
        # Its own listen (loopback by default): the exporter in the same pod reads it; the
        # public servers answer 404 for the path.
        out += [
            "server {",
            f"    listen {gw.status_listen};",
            "    server_name _;",
            "    access_log off;",
            f"    location = {STATUS_PATH} {{ stub_status; }}",
            "    location / { return 404; }",
            "}",
        ]
    return "\n".join(out)


def _locations(gw: Gateway) -> list[str]:
    out: list[str] = []
    out += _location(
        f"~ {EDGE_PATHS}",
        _proxy("edge", f"limit_req zone=flash_ip burst={gw.flash_burst} nodelay;"),
    )
    if "search" in gw.roles:
        out += _location(f"~ {SEARCH_PATHS}", _proxy("search"))
    out += _location(
        "~ ^/api/v1/(auth|console/auth)/",
        _proxy("api", f"limit_req zone=auth_ip burst={gw.auth_burst} nodelay;"),
    )
    out += _location(
        "/api/v1/payments/wechat/",
        _proxy(
            "api",
            "# WeChat Pay notifies reach the API unchanged (signed raw body).",
            "proxy_request_buffering on;",
        ),
    )
    out += _location(
        "= /api/v1/console/media/videos",
        _proxy(
            "api",
            "client_max_body_size 52m;  # SHOPLET_MEDIA_MAX_VIDEO_BYTES, 50 MB",
            "proxy_request_buffering off;",
        ),
    )
    out += _location("/api/", _proxy("api"))
    cached = [
        "proxy_cache shoplet_media;",
        "proxy_cache_valid 200 30d;",
        "proxy_cache_valid 404 1m;",
        "proxy_cache_lock on;",
        "proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;",
        *_headers("add_header X-Cache-Status $upstream_cache_status always;"),
    ]
    if gw.media_root is not None:
        # Shoplet's media file names are content hashes: what is on disk never changes.
        out += _location(
            "/media/",
            [
                f"root {gw.media_root.parent};",
                "try_files $uri @media_origin;",
                *_headers(
                    f'add_header Cache-Control "{IMMUTABLE}" always;',
                    "add_header X-Cache-Status DISK always;",
                ),
            ],
        )
        out += _location("@media_origin", _proxy("api", *cached))
    else:
        out += _location("/media/", _proxy("api", *cached))
    out += _location("/_sim/", ["return 404;"])
    out += _location(f"= {STATUS_PATH}", ["return 404;"])
    allow = [f"allow {net};" for net in gw.private_networks]
    out += _location("= /metrics", _proxy("api", *allow, "deny all;"))
    if gw.static_root is None:
        out += _location("/", _proxy("api"))
        return out
    static = [f"root {gw.static_root};", "gzip_static on;"]
    if gw.brotli_modules is not None:
        static.append("brotli_static on;")
    hashed = [*static, *_headers(f'add_header Cache-Control "{IMMUTABLE}" always;')]
    index = [*static, *_headers('add_header Cache-Control "no-cache" always;')]
    out += _location("/assets/", hashed)
    out += _location("/console/assets/", hashed)
    out += _location("/console/", [*index, "try_files $uri $uri/ /console/index.html;"])
    out += _location("/", [*index, "try_files $uri $uri/ /index.html;"])
    return out


def brotli_module_dir(
    candidates: Sequence[Path] = (Path("/usr/lib/nginx/modules"),),
) -> Path | None:
    """Where Debian's libnginx-mod-http-brotli-* put the modules, if they are installed."""
    for directory in candidates:
        if all((directory / name).exists() for name in BROTLI_MODULES):
            return directory
    return None
