"""Who is asking, as the risk engine sees it: the client IP (``core.net.client_ip``, trusted
proxies only), the storefront's ``X-Device-Id`` and the user agent (the device fingerprint)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from shoplet.core.net import client_ip


@dataclass(frozen=True, slots=True)
class ClientSignals:
    ip: str
    device_id: str | None
    user_agent: str
    grant: str | None = None


def client_signals(
    request: Request,
    device_id: Annotated[
        str | None,
        Header(
            alias="X-Device-Id",
            pattern=r"^[A-Za-z0-9_-]{8,64}$",
            description="the app's device id (risk checks and experiments)",
        ),
    ] = None,
    grant: Annotated[
        str | None,
        Header(
            alias="X-Risk-Grant",
            pattern=r"^[A-Za-z0-9_-]{16,64}$",
            description="the grant of a passed risk challenge, for the retry of the refused action",
        ),
    ] = None,
) -> ClientSignals:
    return ClientSignals(
        ip=client_ip(request),
        device_id=device_id,
        user_agent=request.headers.get("user-agent", "")[:300],
        grant=grant,
    )


RiskClient = Annotated[ClientSignals, Depends(client_signals)]
