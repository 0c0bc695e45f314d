"""An S3 server in the test process: moto's, on a free port, spoken to over real HTTP with SigV4
signatures (aiobotocore does not know it is not AWS). Each test makes its own bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "shoplet-test-access"
SECRET_KEY = "shoplet-test-secret"  # moto accepts any key pair
REGION = "us-east-1"


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 on 127.0.0.1 and a port the OS picks; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def sync_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def new_bucket(endpoint: str) -> str:
    name = f"shoplet-{uuid.uuid4().hex[:16]}"
    sync_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, **overrides: Any) -> dict[str, Any]:
    """Settings that put both areas in their own new bucket at ``endpoint``."""
    return {
        "media_storage_url": f"s3://{new_bucket(endpoint)}/shop",
        "private_storage_url": f"s3://{new_bucket(endpoint)}",
        "media_public_base_url": "https://cdn.shoplet.test/media",
        "s3_endpoint_url": endpoint,
        "s3_region": REGION,
        "s3_access_key_id": ACCESS_KEY,
        "s3_secret_access_key": SECRET_KEY,
        "s3_addressing_style": "path",
        **overrides,
    }
