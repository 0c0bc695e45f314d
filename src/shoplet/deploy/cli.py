"""``shoplet deploy``: render the gateway's nginx.conf, shift traffic between colours, roll back."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from shoplet.deploy import gateway, guardrails, traffic

app = typer.Typer(
    help="Deploy: the nginx gateway and blue-green / canary traffic.", no_args_is_help=True
)

ServerList = Annotated[list[str], typer.Option(help="host:port, repeat for each replica")]


def _colour(value: str) -> traffic.Colour:
    if value == "blue":
        return "blue"
    if value == "green":
        return "green"
    raise typer.BadParameter("blue or green")


@app.command("nginx-config")
def nginx_config(  # noqa: PLR0917
    api: ServerList,
    traffic_file: Annotated[Path, typer.Option(help="the include that splits blue and green")],
    api_green: ServerList = [],  # noqa: B006 - typer reads the default
    edge: ServerList = [],  # noqa: B006
    edge_green: ServerList = [],  # noqa: B006
    search: ServerList = [],  # noqa: B006
    search_green: ServerList = [],  # noqa: B006
    state_dir: Annotated[Path, typer.Option(help="pid, temp files, media cache")] = Path(
        "/var/cache/nginx"
    ),
    listen: Annotated[str, typer.Option(help="plain HTTP listen (port or addr:port)")] = "8080",
    tls_listen: Annotated[str, typer.Option(help="HTTPS listen, with --tls-cert")] = "8443",
    server_name: str = "_",
    tls_cert: Annotated[Path | None, typer.Option(help="certificate chain (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="its private key (PEM)")] = None,
    static_root: Annotated[
        Path | None, typer.Option(help="built storefront (/) with the console in console/")
    ] = None,
    media_root: Annotated[
        Path | None, typer.Option(help="Shoplet's <data dir>/media, mounted read-only")
    ] = None,
    brotli: Annotated[
        str, typer.Option(help="auto (if Debian's module is there) | on | off")
    ] = "auto",
    brotli_modules: Annotated[Path, typer.Option(help="directory of the Brotli modules")] = Path(
        "/usr/lib/nginx/modules"
    ),
    access_log: str = "/dev/stdout",
    worker_processes: str = "auto",
    flash_rate: Annotated[
        str, typer.Option(help="flash-sale requests per client address")
    ] = "20r/s",
    flash_burst: int = 40,
    split_key: Annotated[
        str, typer.Option(help="what the canary split hashes: per request, or e.g. $remote_addr")
    ] = "$shoplet_request_id",
    real_ip_from: Annotated[
        list[str],
        typer.Option(help="a proxy in front (CIDR) whose X-Forwarded-For names the client"),
    ] = [],  # noqa: B006
    status_listen: Annotated[
        str,
        typer.Option(help="internal listen of stub_status for the exporter; 'off': none"),
    ] = "127.0.0.1:8081",
    trace_sample_percent: Annotated[
        float, typer.Option(min=0, max=100, help="% of the traces the gateway starts, sampled")
    ] = 100.0,
    canary_weight: Annotated[
        int | None, typer.Option(min=0, max=100, help="write the traffic file: % to green")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
    write_traffic: Annotated[
        bool, typer.Option(help="write the traffic file (when missing or with --canary-weight)")
    ] = True,
) -> None:
    """Render the gateway's nginx.conf (and the traffic file when it is missing or
    --canary-weight is given)."""
    modules = {
        "on": brotli_modules,
        "off": None,
        "auto": gateway.brotli_module_dir((brotli_modules,)),
    }
    if brotli not in modules:
        raise typer.BadParameter("auto, on or off", param_hint="--brotli")
    try:
        config = gateway.Gateway(
            servers={
                "api": {"blue": api, "green": api_green},
                "edge": {"blue": edge, "green": edge_green},
                "search": {"blue": search, "green": search_green},
            },
            traffic_file=traffic_file,
            state_dir=state_dir,
            listen=listen,
            tls_listen=tls_listen,
            server_name=server_name,
            tls_cert=tls_cert,
            tls_key=tls_key,
            static_root=static_root,
            media_root=media_root,
            brotli_modules=modules[brotli],
            access_log=access_log,
            worker_processes=worker_processes,
            flash_rate=flash_rate,
            flash_burst=flash_burst,
            split_key=split_key,
            real_ip_from=tuple(real_ip_from),
            status_listen=None if status_listen == "off" else status_listen,
            trace_sample_percent=trace_sample_percent,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    text = gateway.render(config)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    if write_traffic and (canary_weight is not None or not traffic_file.exists()):
        state = traffic.Traffic(canary_weight or 0)
        traffic_file.parent.mkdir(parents=True, exist_ok=True)
        traffic_file.write_text(traffic.render_traffic(state), encoding="utf-8")


NginxCommand = Annotated[
    str, typer.Option(help="nginx command line naming the configuration, e.g. 'nginx -c FILE'")
]


def _nginx(command: str) -> list[str]:
    return shlex.split(command)


@app.command()
def shift(  # noqa: PLR0917
    traffic_file: Annotated[Path, typer.Option(help="the traffic include of the gateway")],
    to: Annotated[str, typer.Option(help="blue | green: the colour that gets the traffic")],
    steps: Annotated[str, typer.Option(help="its share after each step, e.g. 10,50,100")] = "100",
    nginx: NginxCommand = "nginx",
    check_url: Annotated[
        str | None, typer.Option(help="after each step, GET this through the gateway, pinned")
    ] = None,
    check_requests: int = 50,
    max_failures: Annotated[int, typer.Option(help="failed checks allowed per step")] = 0,
    pause: Annotated[
        float, typer.Option(help="seconds to hold each step (the guardrails' window)")
    ] = 0.0,
    guardrail_metrics: Annotated[
        list[str],
        typer.Option(help="/metrics URL of a replica of the new colour, repeat for each"),
    ] = [],  # noqa: B006 - typer reads the default
    metrics_token: Annotated[
        str | None,
        typer.Option(envvar="SHOPLET_METRICS_TOKEN", help="bearer token for /metrics"),
    ] = None,
    max_error_rate: Annotated[
        float | None, typer.Option(min=0, max=1, help="5xx share of the new colour's requests")
    ] = None,
    max_payment_failure_rate: Annotated[
        float | None, typer.Option(min=0, max=1, help="refused share of its payment calls")
    ] = None,
    max_p99_ms: Annotated[
        float | None, typer.Option(min=0, help="its latency p99 (histogram bucket bound), ms")
    ] = None,
    min_requests: Annotated[
        int, typer.Option(min=1, help="requests a step's window needs to be judged")
    ] = 20,
    max_wait: Annotated[
        float, typer.Option(min=0, help="seconds a step may hold to reach --min-requests")
    ] = 60.0,
) -> None:
    """Move traffic to a colour step by step: each step is checked with nginx -t, reloaded, and
    checked on the new colour (--check-url, --guardrail-metrics); a refused configuration puts
    back where the shift started, an unhealthy new colour gets 0 % (all on the other colour)."""
    colour = _colour(to)
    try:
        states = traffic.steps_towards(colour, [int(p) for p in steps.split(",") if p.strip()])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--steps") from None
    limits = {
        "error_rate": max_error_rate,
        "payment_failure_rate": max_payment_failure_rate,
        "latency_p99_ms": max_p99_ms,
    }
    judge = None
    if guardrail_metrics:
        if all(limit is None for limit in limits.values()):
            raise typer.BadParameter(
                "give at least one of --max-error-rate, --max-payment-failure-rate, --max-p99-ms",
                param_hint="--guardrail-metrics",
            )
        judge = guardrails.StepGuardrails(
            guardrails.ScrapedMetrics(guardrail_metrics, token=metrics_token),
            limits,
            hold=pause,
            min_requests=min_requests,
            max_wait=max(max_wait, pause),
        )
    elif any(limit is not None for limit in limits.values()):
        raise typer.BadParameter(
            "guardrail limits need --guardrail-metrics", param_hint="--max-error-rate"
        )

    def check(state: traffic.Traffic) -> str | None:
        if state.share(colour) == 0:
            time.sleep(pause)
            return None
        if judge is None:
            time.sleep(pause)
        else:
            reason = judge()
            if judge.readings:
                typer.echo(f"guardrails {guardrails.describe(judge.readings[-1])}")
            if reason is not None:
                return reason
        if check_url is None:
            return None
        return _check(check_url, colour, check_requests, max_failures)

    def report(state: traffic.Traffic) -> None:
        typer.echo(f"traffic {state.label}")

    try:
        traffic.shift(
            traffic_file,
            states,
            _nginx(nginx),
            check=check,
            on_step=report,
            retreat=traffic.Traffic.all_on("blue" if colour == "green" else "green"),
        )
    except traffic.TrafficError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _check(url: str, colour: traffic.Colour, requests: int, max_failures: int) -> str | None:
    import httpx

    failures = 0
    with httpx.Client(timeout=5.0, headers={"X-Shoplet-Track": colour}) as client:
        for _ in range(requests):
            try:
                ok = client.get(url).status_code < 500
            except httpx.HTTPError:
                ok = False
            failures += not ok
    if failures > max_failures:
        return f"{failures} of {requests} requests to {colour} failed"
    return None


@app.command()
def rollback(
    traffic_file: Annotated[Path, typer.Option(help="the traffic include of the gateway")],
    nginx: NginxCommand = "nginx",
) -> None:
    """Put back the traffic as it was before the last shift."""
    try:
        state = traffic.rollback(traffic_file, _nginx(nginx))
    except traffic.TrafficError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"traffic {state.label}")
