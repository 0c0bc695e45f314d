"""Configuration: pydantic-settings with the ``SHOPLET_`` prefix; defaults are the embedded ones."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from functools import cached_property
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["embedded", "test", "production"]
# CIDR lists from the environment: comma-separated ("10.0.0.0/8, 192.168.1.7") or a JSON list.
Networks = Annotated[list[IPvAnyNetwork], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPLET_", env_file=".env", extra="ignore")

    env: Environment = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    redis_max_connections: int = 256
    redis_pool_timeout_seconds: float = 5.0
    # Prepended to every Redis key, stream and pub/sub channel Shoplet uses (cache, rate limits,
    # events, job leases, payment nonces, flash sales): two shops can share one Redis.
    redis_prefix: str = "shoplet:"
    log_level: str = "INFO"
    log_json: bool = True
    # One JSON line per request; benchmarks turn it off to measure the app, not the terminal.
    access_log: bool = True
    # Start the outbox relay and scheduled jobs inside the API process (embedded default).
    run_worker_in_process: bool = True
    # Feature flags (modules/experiments/flags): every process polls the ruleset version this
    # often, besides hearing changes on pub/sub; ``flags_provider`` ("package.module:factory")
    # registers another OpenFeature provider instead of Shoplet's own.
    flags_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    flags_provider: str | None = Field(default=None, pattern=r"^[\w.]+(:\w+)?$")
    # all: everything in one process (embedded default). Behind the gateway: api (storefront,
    # console and open API), edge (the flash sale), search (the search API and its in-memory
    # index, ~150 MB a process: api processes leave it to the search role; docs/deploy.md).
    role: Literal["all", "api", "edge", "search"] = "all"
    # Serve the built H5 storefront at / and the console at /console (embedded default).
    serve_frontends: bool = True
    # Semantic search (docs/search.md): the embedding job and the model in every API process.
    search_semantic: bool = True
    # The shopper's province, season and hour in relevance (docs/search.md, "Context"): off,
    # or the most a product's score can gain (a typed word scores 1.0).
    search_context: bool = True
    search_context_weight: float = Field(default=0.3, ge=0.0, le=1.0)

    # Trust and exposure (docs/production.md). Proxies whose X-Forwarded-For / X-Real-IP /
    # X-Forwarded-Proto headers count; empty: nobody's, the client is the TCP peer.
    trusted_proxies: Networks = []
    # /docs, /redoc and /openapi.json in production (always served when embedded).
    public_api_docs: bool = False
    # /metrics answers to these networks (the TCP peer, never a header) or to the bearer token.
    metrics_allow: Networks = [ip_network("127.0.0.0/8"), ip_network("::1/128")]
    metrics_token: SecretStr | None = None

    secret_key: SecretStr | None = None
    # SM4 key for personal data at rest: 32 hex characters (128 bits).
    pii_key: SecretStr | None = None
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    staff_token_ttl_seconds: int = 8 * 3600
    # A refresh token used again this soon after its rotation returns the same new pair
    # (concurrent refreshes from one app); later, the reuse revokes the whole family.
    refresh_grace_seconds: int = 30
    # WebAuthn (passkeys, core/webauthn.py): the relying party id is the shop's registrable domain
    # (None: "localhost", embedded only); the origins pages may sign in from (None:
    # http://localhost:{port}). Production needs both, https origins under the RP id.
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = "Shoplet"
    webauthn_origins: list[str] | None = None
    # A step-up grant (a fresh passkey or TOTP check) lasts this long; refunds from this amount
    # (fen) up need one, as do PII reveals, staff and key management and payout approvals.
    step_up_ttl_seconds: int = 300
    step_up_refund_threshold_fen: int = 100_000

    sms_code_ttl_seconds: int = 300
    sms_per_phone_limit: str = "1/minute;5/hour"
    sms_per_ip_limit: str = "20/hour"
    login_attempts_limit: str = "10/15minute"

    wechat_appid: str = "wx-shoplet-sim"
    wechat_secret: SecretStr = SecretStr("shoplet-sim-secret")
    # None: the in-repo simulator (embedded and test); production sets https://api.weixin.qq.com
    wechat_api_base: str | None = None
    # 消息推送 (message push) token: WeChat signs its pushes (content-security verdicts) with it.
    wechat_push_token: SecretStr = SecretStr("shoplet-sim-push-token")
    # The public base URL WeChat pushes to (None: the simulator delivers to this app in-process).
    wechat_push_base_url: str | None = None
    # 消息推送's EncodingAESKey (43 characters): set, the push URL takes only 安全模式 (encrypted)
    # pushes; None, plain mode (the signature alone). Customer-service messages arrive there.
    wechat_push_aes_key: SecretStr | None = None

    # WeCom (企业微信) customer contact (客户联系, omnichannel.md "WeCom"): off unless the corp id
    # and the 客户联系 secret are set. The callback (接收事件服务器) is signed with the token and
    # encrypted with the EncodingAESKey (43 characters); the receive id is the corp id.
    wecom_corp_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_callback_token: SecretStr | None = None
    wecom_callback_aes_key: SecretStr | None = None
    # None: the in-repo simulator (embedded and test); production: https://qyapi.weixin.qq.com
    wecom_api_base: str | None = None
    # The public base URL WeCom calls back (None: the simulator delivers to this app in-process).
    wecom_callback_base_url: str | None = None

    # WeChat Pay API v3 (direct merchant, public-key mode). Embedded and test mode leave these
    # unset and pay against the in-repo simulator with keys generated in data_dir/wechatpay-sim.
    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None  # None: the mini program's wechat_appid
    wechatpay_merchant_key_path: Path | None = None  # apiclient_key.pem
    wechatpay_merchant_serial: str | None = None  # merchant API certificate serial number
    wechatpay_apiv3_key: SecretStr | None = None  # 32 bytes
    wechatpay_platform_public_key_path: Path | None = None  # WeChat Pay public key (pub_key.pem)
    wechatpay_platform_serial: str | None = None  # its id, PUB_KEY_ID_…
    # Other WeChat Pay keys whose signatures are accepted too, for a rotation without downtime
    # ("SERIAL=/path/pub_key.pem,SERIAL=…"): the new key while WeChat Pay still signs with the
    # old one (or the reverse), removed once the switch is done (docs/payment-security.md).
    wechatpay_platform_keys: str = ""
    # None: the in-repo simulator; production sets https://api.mch.weixin.qq.com
    wechatpay_api_base: str | None = None
    # Public base URL WeChat Pay posts notifies to; None: http://{host}:{port}
    wechatpay_notify_base_url: str | None = None
    # Embedded simulator only: seconds before a PROCESSING refund succeeds (None: never by itself)
    wechatpay_sim_refund_delay_seconds: float | None = 2.0

    # Events (core/events): outbox relay, handler retries, Redis Streams consumers.
    events_poll_seconds: float = 1.0
    events_batch_size: int = 100
    events_max_attempts: int = 10
    events_retry_base_seconds: float = 2.0
    events_retry_max_seconds: float = 600.0
    # The stream's name under ``redis_prefix`` (the key is ``events_stream_key``).
    events_stream: str = "events"
    events_stream_maxlen: int = 1_000_000
    # A pending stream entry idle this long belongs to a dead consumer and is claimed.
    events_claim_idle_seconds: float = 60.0
    events_retention_days: int = 7
    worker_shutdown_grace_seconds: float = 10.0
    # ``shoplet worker`` serves Prometheus /metrics on this port (on ``host``); None: off.
    worker_metrics_port: int | None = None
    # Traces (docs/deploy.md#observability): OTLP/HTTP collector base URL, e.g.
    # http://otel-collector:4318 (OTEL_EXPORTER_OTLP_ENDPOINT works too); None: tracing off.
    otlp_endpoint: str | None = None
    # Share of new traces kept (a request that arrives with a sampled traceparent is kept).
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    # Statements slower than this count in shoplet_db_slow_queries_total and are logged.
    db_slow_query_seconds: float = 0.25

    # Analytics events (docs/analytics.md, "Events"): the ingestion limits, the Redis stream
    # (under ``redis_prefix``; embedded: an in-process queue), the Parquet store under
    # ``data_dir/analytics/events`` and how long it keeps a day.
    analytics_events_stream: str = "analytics:events"
    analytics_events_stream_maxlen: int = 1_000_000
    analytics_events_rate_limit: str = "120/minute;2000/hour"
    analytics_events_max_future_seconds: int = 600
    analytics_events_max_age_days: int = 7
    analytics_events_retention_days: int = Field(default=400, ge=1)
    # Where the columnar store lives; None: ``data_dir/analytics/events``.
    analytics_events_dir: Path | None = None
    # Which engine answers funnels the funnel index holds (no property filters, no breakdown):
    # "auto" takes chDB's windowFunnel when the ``clickhouse`` extra is installed, else DuckDB;
    # "duckdb" always DuckDB (docs/analytics.md, "Funnels").
    analytics_funnel_engine: Literal["auto", "duckdb"] = "auto"
    # The cluster path (docs/analytics.md, "The cluster path"): a ClickHouse server's HTTP
    # interface, ``http(s)://user:password@host:8123/database``. Set, the writer also inserts
    # each batch into its ``analytics_events`` table and the funnels above run there.
    analytics_clickhouse_url: SecretStr | None = None
    analytics_clickhouse_timeout_seconds: float = Field(default=30.0, gt=0)
    # Session replay and heatmaps of the H5 store (docs/analytics.md, "Session replay"): the
    # share of devices recorded (by a hash of the device id), chunks per device and minute, the
    # compressed size one recording may reach, and how many days recordings are kept.
    analytics_replay_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    analytics_replay_rate_limit: str = "30/minute;600/hour"
    analytics_replay_max_session_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    analytics_replay_retention_days: int = Field(default=30, ge=1)

    # Orders: unpaid orders are cancelled (stock released) this long after they were placed;
    # shipped orders count as received N days after shipping, received ones complete M days
    # later; after-sales can be requested up to K days after receipt.
    order_payment_timeout_seconds: int = 900
    orders_auto_receive_days: int = 10
    orders_auto_complete_days: int = 7
    orders_aftersale_window_days: int = 15
    # A shipment the carrier reports signed for (签收) is received this many days after the
    # signature, when that comes before ``orders_auto_receive_days`` after shipping.
    orders_auto_receive_after_signed_days: int = Field(default=7, ge=0)

    # ---- Logistics (Kuaidi100: tracking subscriptions, pushes, e-waybills) -------------------
    # None: the in-repo Kuaidi100 simulator (embedded and test); production: poll.kuaidi100.com
    # for subscriptions and api.kuaidi100.com for e-waybills.
    kuaidi100_poll_base: str | None = None
    kuaidi100_api_base: str | None = None
    # The customer's authorisation key (授权key), the e-waybill secret, the push signature salt.
    kuaidi100_key: SecretStr = SecretStr("shoplet-sim-kuaidi100-key")
    kuaidi100_secret: SecretStr = SecretStr("shoplet-sim-kuaidi100-secret")
    kuaidi100_salt: SecretStr = SecretStr("shoplet-sim-kuaidi100-salt")
    # The public base URL Kuaidi100 pushes to (``…/api/v1/fulfillment/kuaidi100/callback``);
    # None: the simulator delivers its pushes to this very app in-process.
    kuaidi100_callback_base_url: str | None = None
    # ---- E-invoices (诺诺 Nuonuo open platform: signed requests, async issue, callbacks) ----
    # None: the in-repo Nuonuo simulator (embedded and test); production: https://sdk.nuonuo.com.
    nuonuo_api_base: str | None = None
    nuonuo_app_key: SecretStr = SecretStr("shoplet-sim-nuonuo-key")
    nuonuo_app_secret: SecretStr = SecretStr("shoplet-sim-nuonuo-secret")
    # The merchant's access token (授权令牌) for its tax id.
    nuonuo_access_token: SecretStr = SecretStr("shoplet-sim-nuonuo-token")
    # The public base URL Nuonuo calls back (``…/api/v1/invoicing/nuonuo/callback``);
    # None: the simulator delivers its callbacks to this very app in-process.
    nuonuo_callback_base_url: str | None = None
    # The seller printed on invoices (销售方): name, tax id (统一社会信用代码), address and phone.
    invoice_seller_name: str = "Shoplet 示例商贸有限公司"
    invoice_seller_tax_id: str = "91310000MA1FL8KQ3E"
    invoice_seller_address: str = "上海市浦东新区示例路 1 号 021-00000000"
    # A product with no tax profile of its own: 税收分类编码 (19 digits) and rate (basis points).
    invoice_default_tax_code: str = Field(default="1090000000000000000", pattern=r"^\d{19}$")
    invoice_default_tax_rate_bp: int = Field(default=1300, ge=0, le=1700)
    # The shipping fee's line: 收派服务 at 6 %.
    invoice_shipping_tax_code: str = Field(default="3040407040000000000", pattern=r"^\d{19}$")
    invoice_shipping_tax_rate_bp: int = Field(default=600, ge=0, le=1700)
    # Carriers the merchant ships with (Kuaidi100 company codes).
    logistics_carriers: Annotated[list[str], NoDecode] = [
        "shunfeng",
        "yuantong",
        "zhongtong",
        "yunda",
        "ems",
    ]
    # Webhooks of the open platform (docs/open-platform.md, "Webhooks"): the waits, in
    # seconds, after the 1st, 2nd, … failed attempt (one more attempt than waits; after the
    # last the delivery is dead-lettered), each stretched or shrunk by up to ``jitter`` of itself
    # at random; the timeout of one POST.
    openapi_webhook_retry_schedule: Annotated[
        list[Annotated[int, Field(ge=1, le=7 * 86400)]],
        Field(min_length=1, max_length=20),
        NoDecode,
    ] = [
        60,
        300,
        900,
        3600,
        10800,
        21600,
        43200,
        86400,
    ]
    openapi_webhook_retry_jitter: float = Field(default=0.2, ge=0.0, le=0.5)
    openapi_webhook_timeout_seconds: float = Field(default=10.0, gt=0.0, le=60.0)
    # Webhook URLs resolving to loopback/private/link-local/multicast/reserved addresses
    # (SSRF): refused when None in production, allowed when None otherwise (embedded, tests);
    # true or false decides whatever the environment.
    openapi_webhook_allow_private: bool | None = None
    # The sender printed on e-waybills.
    logistics_sender_name: str = "Shoplet 仓库"
    logistics_sender_mobile: str = "13800000000"
    logistics_sender_address: str = "上海市浦东新区世纪大道 1 号"
    # Mini-program orders paid with WeChat Pay: 发货信息录入 on ship (upload_shipping_info).
    wechat_shipping_upload: bool = True

    # ---- Live sessions (直播, docs/live.md) ----------------------------------------------------
    # "pushpull": the anchor pushes RTMP to live_push_base_url, viewers pull HLS from
    # live_play_base_url, both signed Tencent-style (txSecret = md5(key + stream + hex(txTime)));
    # "wechat": rooms of WeChat's 小程序直播 plugin (the operator enters the room id).
    live_provider: Literal["pushpull", "wechat"] = "pushpull"
    live_push_base_url: str = "rtmp://push.shoplet.local/live"
    # HLS: <base>/<stream>.m3u8. The default serves files under the media dir (a test stream).
    live_play_base_url: str = "/media/live"
    live_stream_key: SecretStr = SecretStr("shoplet-sim-live-key")
    live_url_ttl_seconds: int = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)
    # Comments per shopper: at most one every gap seconds and per_minute in a minute.
    live_comment_gap_seconds: int = Field(default=3, ge=0, le=600)
    live_comment_per_minute: int = Field(default=20, ge=1, le=600)
    # Replays (回放) of pushpull sessions: the recorder polls the live playlist every
    # record_poll_seconds, stores each segment once and stops adding past either limit; a
    # segment whose fetch fails record_fetch_attempts times is a gap. None: the recorder reads
    # the play URL itself (a path such as /media/live is read from this app, in process).
    live_record_poll_seconds: float = Field(default=4.0, gt=0, le=60)
    live_record_fetch_attempts: int = Field(default=3, ge=1, le=10)
    live_record_retry_seconds: float = Field(default=0.5, ge=0, le=10)
    live_replay_max_seconds: int = Field(default=6 * 3600, ge=60, le=48 * 3600)
    live_replay_max_bytes: int = Field(default=8 * 1024**3, ge=1024**2)
    # WeChat's replay (getliveinfo get_replay) is asked for until it appears, at most this long
    # after the session ended (WeChat says "usually within 10 minutes").
    live_wechat_replay_wait_seconds: int = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)

    # ---- SMS provider, PII key ring ---------------------------------------------------------
    # "log" writes codes to the log (embedded/test); "tencent" sends them with Tencent Cloud SMS.
    sms_provider: Literal["log", "tencent"] = "log"
    # None: the in-repo Tencent Cloud SMS simulator (embedded and test), the real endpoint
    # https://sms.tencentcloudapi.com in production.
    sms_api_base: str | None = None
    sms_tencent_secret_id: SecretStr | None = None
    sms_tencent_secret_key: SecretStr | None = None
    sms_tencent_region: str = "ap-guangzhou"
    sms_tencent_sdk_app_id: str | None = None  # SmsSdkAppId, 1400…
    sms_tencent_sign_name: str | None = None  # approved signature, e.g. 腾讯云
    # Template of the login code: "{1} is your code, valid for {2} minutes".
    sms_tencent_login_template_id: str | None = None
    # SM4 key ring: "id:32hex,id:32hex"; the first key encrypts, every key decrypts. Without it,
    # SHOPLET_PII_KEY is the only key (id "default").
    pii_keys: SecretStr | None = None
    # Root of the blind-index key (32 hex); it never rotates. None: SHOPLET_PII_KEY, else the
    # last (oldest) key of SHOPLET_PII_KEYS.
    pii_index_key: SecretStr | None = None
    # SM2 private key (64 hex) that signs the audit chain's checkpoints and regulator exports
    # (docs/audit.md). Embedded: generated into the data dir. Production: required.
    audit_signing_key: SecretStr | None = None
    # Public keys (128 hex, comma-separated) that checkpoints may also be signed with: retired
    # signing keys, so `shoplet audit verify` still accepts checkpoints made before a rotation.
    audit_verify_keys: str = ""
    # SM2 envelopes for sensitive storefront fields (phone, address, docs/security.md):
    # "accept" opens them when sent and still takes plain fields, "require" refuses plain
    # sensitive fields on the sealed routes, "off" serves no key (the storefront sends plain).
    # Unset: "accept", except in production without SHOPLET_ENVELOPE_KEYS ("off").
    envelope_mode: Literal["off", "accept", "require"] | None = None
    # SM2 private keys (64 hex, comma-separated): the first is served to clients, the others
    # (retired keys) are still accepted while pages that fetched them are open. Embedded:
    # generated into the data dir. Production: required by the modes "accept" and "require"
    # (every replica must hold the same keys).
    envelope_keys: SecretStr | None = None
    # An envelope's time may be this far off the server's; its id is remembered for twice that.
    envelope_window_seconds: int = Field(default=300, ge=30, le=3600)

    # Request bodies larger than this are refused (413); media uploads have their own limit.
    max_body_bytes: int = 1024 * 1024
    # Product videos uploaded in the console (MP4) may be at most this large.
    media_max_video_bytes: int = 50 * 1024 * 1024
    # Shoppers' short videos (MP4/MOV, core/video.py): at most this large, and this long in a
    # 种草 post / in a review.
    content_video_max_bytes: int = 50 * 1024 * 1024
    content_post_video_max_seconds: int = 60
    review_video_max_seconds: int = 15
    # Object storage (core/storage.py, docs/deploy.md "Media in object storage"): s3://bucket or
    # s3://bucket/prefix puts product media / private files (exports) in an S3-compatible bucket
    # (AWS S3, MinIO, Tencent COS, Aliyun OSS); None: files under data_dir (media_dir, files/).
    media_storage_url: str | None = None
    private_storage_url: str | None = None
    # Where clients fetch media from (a CDN or the bucket's own domain), e.g.
    # https://cdn.example.com/media; None: /media (the gateway, or the app from media_dir or
    # the bucket).
    media_public_base_url: str | None = None
    # The S3 API both areas use; None endpoint: AWS for the region. No keys: botocore's own
    # chain (AWS_* variables, instance role).
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # "virtual" (bucket.endpoint/key: AWS, COS, OSS) or "path" (endpoint/bucket/key: MinIO).
    s3_addressing_style: Literal["virtual", "path"] = "virtual"
    # Private storage in another zone (hybrid cloud): its own endpoint and keys; None: the s3_ ones.
    private_s3_endpoint_url: str | None = None
    private_s3_region: str | None = None
    private_s3_access_key_id: SecretStr | None = None
    private_s3_secret_access_key: SecretStr | None = None
    # Product imports (docs/catalog-import.md): the largest file the console takes, and the
    # hosts whose http(s) image URLs an import may store (comma-separated; empty: none).
    catalog_import_max_bytes: int = 10 * 1024 * 1024
    catalog_import_image_hosts: str = ""

    # Bandit experiments (docs/experiments.md, "Bandits"): how often the arm weights are
    # recomputed from the counts, and the least share every arm keeps (so it can still learn).
    experiments_bandit_minutes: int = Field(default=60, ge=1, le=24 * 60)
    experiments_bandit_floor: float = Field(default=0.05, ge=0.0, le=0.25)
    # CUPED (docs/experiments.md, "CUPED"): the days before an experiment's start whose orders
    # are each unit's covariate; analytics segments' membership is cached this long per process.
    experiments_cuped_days: int = Field(default=28, ge=1, le=365)
    experiments_segment_ttl_seconds: float = Field(default=60.0, gt=0, le=3600)

    # Metric alerts (docs/insights.md, "Alerts"). None API bases: the in-repo robot simulator in
    # embedded and test mode, the real endpoints (qyapi.weixin.qq.com, oapi.dingtalk.com) in
    # production. No SMTP host: e-mail alerts are kept in memory (embedded) and fail in production.
    alerts_wecom_api_base: str | None = None
    alerts_dingtalk_api_base: str | None = None
    alerts_smtp_host: str | None = None
    alerts_smtp_port: int = Field(default=25, ge=1, le=65535)
    alerts_smtp_username: str | None = None
    alerts_smtp_password: SecretStr | None = None
    alerts_smtp_sender: str = "alerts@shoplet.local"
    alerts_smtp_starttls: bool = False
    # A failed send is tried again after retry_seconds × 2^(attempt-1) (capped at an hour), up to
    # max_attempts in all.
    alerts_max_attempts: int = Field(default=5, ge=1, le=20)
    alerts_retry_seconds: int = Field(default=30, ge=1, le=3600)

    # Live boards (docs/insights.md, "一线看板"): the SSE stream recomputes its tiles every
    # live_seconds, sends a heartbeat comment after heartbeat_seconds without an event and ends
    # after max_seconds (the console reconnects, and its token and role are checked again).
    insights_live_seconds: float = Field(default=5.0, gt=0, le=60)
    insights_live_heartbeat_seconds: float = Field(default=15.0, gt=0, le=120)
    insights_live_max_seconds: float = Field(default=300.0, gt=0, le=3600)

    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_echo: bool = False
    # Read replicas (hot standbys of the primary; docs/deploy.md, "Read replicas"): comma-separated
    # URLs. Catalog reads and a shopper's order reads go to a healthy one; a shopper who just
    # wrote reads from the primary until a replica has replayed the write (at most this long).
    database_replica_urls: Annotated[list[str], NoDecode] = []
    # Bytes of WAL still to replay. Each WAL segment switch (archive_timeout, pg_switch_wal)
    # moves the position to the next 16 MB segment, so keep this well above 16 MB.
    database_replica_max_lag_bytes: int = 64 * 1024 * 1024
    database_replica_max_lag_seconds: float = 30.0
    database_replica_check_seconds: float = 2.0
    database_replica_connect_timeout_seconds: float = 1.0
    database_read_your_writes_seconds: int = 60

    @field_validator("trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator(
        "database_replica_urls",
        "logistics_carriers",
        "openapi_webhook_retry_schedule",
        mode="before",
    )
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("analytics_clickhouse_url")
    @classmethod
    def _clickhouse_url(cls, value: SecretStr | None) -> SecretStr | None:
        """``http(s)://user:password@host:port/database``, the database a plain identifier."""
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        database = parts.path.strip("/")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a ClickHouse URL is http(s)://user:password@host:port/database")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", database):
            raise ValueError("the ClickHouse URL names no database (letters, digits and _)")
        return value

    def redis_key(self, name: str) -> str:
        """``name`` inside this shop's Redis namespace (``redis_prefix``)."""
        return self.redis_prefix + name

    @property
    def analytics_events_stream_key(self) -> str:
        return self.redis_key(self.analytics_events_stream)

    @property
    def resolved_analytics_events_dir(self) -> Path:
        return self.analytics_events_dir or self.data_dir / "analytics" / "events"

    @property
    def events_stream_key(self) -> str:
        return self.redis_key(self.events_stream)

    @property
    def holds_search_index(self) -> bool:
        """This process builds and serves the search index (roles all and search)."""
        return self.role in ("all", "search")

    @property
    def is_embedded(self) -> bool:
        return self.env != "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'shoplet.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _local_secret(self.data_dir / "secret_key", lambda: secrets.token_urlsafe(48))

    @cached_property
    def resolved_pii_key(self) -> bytes:
        """The single SHOPLET_PII_KEY (embedded: generated into the data dir)."""
        if self.pii_key is not None:
            raw = self.pii_key.get_secret_value()
        else:
            raw = _local_secret(self.data_dir / "pii_key", lambda: secrets.token_hex(16))
        return parse_sm4_key(raw, "SHOPLET_PII_KEY")

    @property
    def resolved_webauthn_rp_id(self) -> str:
        return self.webauthn_rp_id or "localhost"

    @property
    def resolved_webauthn_origins(self) -> list[str]:
        if self.webauthn_origins:
            return list(self.webauthn_origins)
        return [f"http://localhost:{self.port}"]

    @cached_property
    def resolved_pii_keys(self) -> list[tuple[str, bytes]]:
        """The key ring, current key first: SHOPLET_PII_KEYS, then SHOPLET_PII_KEY as "default"
        when it is set and not in the list (so rows written before the ring stay readable)."""
        ring = parse_pii_keys(self.pii_keys.get_secret_value()) if self.pii_keys else []
        if not ring or self.pii_key is not None:
            legacy = self.resolved_pii_key
            if all(key != legacy for _, key in ring):
                if any(key_id == DEFAULT_PII_KEY_ID for key_id, _ in ring):
                    raise ValueError(
                        f"SHOPLET_PII_KEYS uses the id {DEFAULT_PII_KEY_ID!r} of SHOPLET_PII_KEY"
                    )
                ring.append((DEFAULT_PII_KEY_ID, legacy))
        return ring

    @cached_property
    def resolved_audit_signing_key(self) -> str:
        """The SM2 private key of audit checkpoints (embedded: generated into the data dir)."""
        from shoplet.core.sm2 import generate_private_key, parse_private_key

        if self.audit_signing_key is not None:
            raw = self.audit_signing_key.get_secret_value()
        else:
            raw = _local_secret(self.data_dir / "audit_sm2_key", generate_private_key)
        return parse_private_key(raw)

    @property
    def resolved_envelope_mode(self) -> Literal["off", "accept", "require"]:
        if self.envelope_mode is not None:
            return self.envelope_mode
        if self.env == "production" and self.envelope_keys is None:
            return "off"
        return "accept"

    @cached_property
    def resolved_envelope_keys(self) -> list[str]:
        """The envelope key ring, served key first (embedded: generated into the data dir)."""
        from shoplet.core.sm2 import generate_private_key, parse_private_key

        if self.envelope_keys is not None:
            raw = self.envelope_keys.get_secret_value()
        else:
            raw = _local_secret(self.data_dir / "envelope_sm2_key", generate_private_key)
        keys = [parse_private_key(k) for k in raw.split(",") if k.strip()]
        if not keys:
            raise ValueError("SHOPLET_ENVELOPE_KEYS holds no key")
        return keys

    @cached_property
    def resolved_pii_index_key(self) -> bytes:
        if self.pii_index_key is not None:
            return parse_sm4_key(self.pii_index_key.get_secret_value(), "SHOPLET_PII_INDEX_KEY")
        if self.pii_key is not None or not self.pii_keys:
            return self.resolved_pii_key
        return self.resolved_pii_keys[-1][1]


DEFAULT_PII_KEY_ID = "default"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def parse_sm4_key(raw: str, name: str) -> bytes:
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError:
        key = b""
    if len(key) != 16:
        raise ValueError(f"{name} must be 32 hex characters (a 128-bit SM4 key)")
    return key


def parse_platform_keys(raw: str) -> dict[str, Path]:
    """``SERIAL=path,SERIAL=path`` (SHOPLET_WECHATPAY_PLATFORM_KEYS) as serial -> path."""
    keys: dict[str, Path] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        serial, sep, path = entry.partition("=")
        if not sep or not serial.strip() or not path.strip():
            raise ValueError(f"SHOPLET_WECHATPAY_PLATFORM_KEYS entries are SERIAL=path: {entry!r}")
        if serial.strip() in keys:
            raise ValueError(f"SHOPLET_WECHATPAY_PLATFORM_KEYS repeats the serial {serial!r}")
        keys[serial.strip()] = Path(path.strip())
    return keys


def parse_pii_keys(raw: str) -> list[tuple[str, bytes]]:
    """``"2026:00ff…,2025:a1b2…"`` -> [("2026", key), ("2025", key)], current key first."""
    ring: list[tuple[str, bytes]] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        key_id, sep, hexkey = entry.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ValueError(
                "SHOPLET_PII_KEYS entries are id:hexkey, the id 1-32 of A-Z a-z 0-9 _ -"
            )
        if any(existing == key_id for existing, _ in ring):
            raise ValueError(f"SHOPLET_PII_KEYS repeats the key id {key_id!r}")
        ring.append((key_id, parse_sm4_key(hexkey, f"SHOPLET_PII_KEYS key {key_id!r}")))
    if raw.strip() and not ring:
        raise ValueError("SHOPLET_PII_KEYS has no key")
    return ring


def _local_secret(path: Path, make: Callable[[], str]) -> str:
    """Embedded mode keeps generated secrets in the data dir so restarts keep sessions and PII."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


__all__ = ["Environment", "Settings", "get_settings"]
