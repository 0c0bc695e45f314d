"""公众号 (WeChat Official Account): its settings, followers and template messages.

- Followers come from the message push (``subscribe`` / ``unsubscribe``, applied only when newer
  than the change recorded: replays and late pushes change nothing) and from the sync job
  (``user/get`` paged by ``next_openid``, ``user/info/batchget`` ≤ 100), each linked to a member
  by the unionid ``user/info`` gives (the mini program's login records the same unionid).
- A template message is one row per (event, member, ref), recorded when the shop mapped a
  template for the event and the shopper follows, in place of a subscribe message the shopper
  has no credit for (``service``). It is sent as subscribe messages are: claimed by one
  conditional UPDATE, WeChat called with no transaction open, the answer recorded: 0 ``sent``;
  43004 ``unfollowed`` (and the follower marked so); 40003 ``openid_invalid``; 40037
  ``template_invalid`` (the template disabled with a console notice); 45009 back to ``pending``
  until the next day (Asia/Shanghai); anything else ``failed``. 40001/42001 are the client's
  (a fresh token, one retry). ``TEMPLATESENDJOBFINISH`` records the final ``delivery``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction, unit_of_work, utcnow
from shoplet.core.security import PiiCipher
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.message_crypto import PushCryptoError, aes_key
from shoplet.integrations.wechat.official_account import (
    BATCHGET_MAX,
    DAILY_QUOTA,
    INVALID_OPENID,
    INVALID_TEMPLATE,
    NOT_FOLLOWING,
    Follower,
    OfficialAccountClient,
    OfficialAccountError,
    TemplateMessage,
    follow_event,
    job_finish,
    open_message,
    verify_url,
)
from shoplet.integrations.wechat.subscribe import FieldInvalid, check_data, field_type
from shoplet.modules.members import public as members
from shoplet.modules.notification import repository as repo
from shoplet.modules.notification.errors import (
    FieldTypeUnknown,
    OaAesKeyInvalid,
    OaFieldInvalid,
    OaNotConfigured,
    OaPushInvalid,
    OaPushMalformed,
    OaSecretRequired,
    SourceUnknown,
)
from shoplet.modules.notification.models import NotificationOaSend, NotificationOaTemplate
from shoplet.modules.notification.schemas import OaSettings, OaSettingsInput, OaSyncResult

log = structlog.get_logger("shoplet.notification")

PUSH_PATH = "/api/v1/wechat/official-account/push"
CLIENTS_KEY = "notification.oa_clients"
# Where ``service.install`` keeps the app's integrations.
INTEGRATIONS_KEY = "notification.integrations"
LEASE = timedelta(minutes=2)
_SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Keys:
    appid: str
    secret: str
    token: str
    aes_key: bytes | None
    miniprogram_appid: str


# -- settings ----------------------------------------------------------------------------------


def _hint(secret: str) -> str:
    return secret[-4:]


async def settings_view(session: AsyncSession) -> OaSettings:
    account = await repo.oa_account(session)
    following, linked = await repo.follower_counts(session)
    return OaSettings(
        is_configured=account is not None,
        appid=account.appid if account else "",
        secret_hint=account.secret_hint if account else "",
        is_token_set=account is not None,
        is_safe_mode=bool(account and account.aes_key_encrypted),
        miniprogram_appid=account.miniprogram_appid if account else "",
        followers=following,
        linked_followers=linked,
        push_path=PUSH_PATH,
    )


async def save_settings(session: AsyncSession, pii: PiiCipher, body: OaSettingsInput) -> OaSettings:
    """Store the 公众号's settings, secrets SM4-encrypted. 400 ``notification.oa_secret_required``
    (first save without secret or token), ``notification.oa_aes_key_invalid``."""
    account = await repo.oa_account(session)
    if account is None and (body.secret is None or body.token is None):
        raise OaSecretRequired()
    if body.encoding_aes_key:
        try:
            aes_key(body.encoding_aes_key)
        except PushCryptoError as exc:
            raise OaAesKeyInvalid() from exc
    values: dict[str, Any] = {
        "appid": body.appid,
        "miniprogram_appid": body.miniprogram_appid,
        "updated_at": utcnow(),
    }
    if body.secret is not None:
        values["secret_encrypted"] = pii.encrypt(body.secret)
        values["secret_hint"] = _hint(body.secret)
    if body.token is not None:
        values["token_encrypted"] = pii.encrypt(body.token)
    if body.encoding_aes_key is not None:
        key = body.encoding_aes_key
        values["aes_key_encrypted"] = pii.encrypt(key) if key else None
    await repo.save_oa_account(session, values)
    await session.flush()
    return await settings_view(session)


async def _keys(ctx: AppContext) -> Keys:
    async with read_session(ctx.sessionmaker) as session:
        account = await repo.oa_account(session)
    if account is None:
        raise OaNotConfigured()
    pii = ctx.pii
    key = pii.decrypt(account.aes_key_encrypted) if account.aes_key_encrypted else ""
    return Keys(
        appid=account.appid,
        secret=pii.decrypt(account.secret_encrypted),
        token=pii.decrypt(account.token_encrypted),
        aes_key=aes_key(key) if key else None,
        miniprogram_appid=account.miniprogram_appid,
    )


def _client(ctx: AppContext, keys: Keys) -> OfficialAccountClient:
    """One client per appid and secret (its access token is kept between calls)."""
    clients: dict[tuple[str, str], OfficialAccountClient] = ctx.extras.setdefault(CLIENTS_KEY, {})
    found = clients.get((keys.appid, keys.secret))
    if found is None:
        integrations = ctx.extras.get(INTEGRATIONS_KEY)
        http = (
            integrations.official_account_http if isinstance(integrations, Integrations) else None
        )
        if http is None:
            raise OaNotConfigured("no HTTP client for the 公众号 API")
        found = clients[(keys.appid, keys.secret)] = OfficialAccountClient(
            http, keys.appid, keys.secret
        )
    return found


# -- the message push --------------------------------------------------------------------------


async def check_url(ctx: AppContext, query: Mapping[str, str]) -> str:
    keys = await _keys(ctx)
    try:
        return verify_url(query, token=keys.token)
    except PushCryptoError as exc:
        raise OaPushInvalid(f"Refused: {exc.reason}") from exc


async def handle_push(ctx: AppContext, query: Mapping[str, str], body: bytes) -> str:
    """Check and apply one push; what it was (``subscribe``, ``unsubscribe``, ``job_finish``,
    ``ignored``)."""
    keys = await _keys(ctx)
    try:
        message = open_message(
            query, body, token=keys.token, aes_key=keys.aes_key, appid=keys.appid
        )
    except PushCryptoError as exc:
        if exc.reason in ("xml", "size"):
            raise OaPushMalformed(f"Refused: {exc.reason}") from exc
        raise OaPushInvalid(f"Refused: {exc.reason}") from exc
    change = follow_event(message)
    if change is not None:
        unionid = None
        if change.is_following:
            try:
                unionid = (await _client(ctx, keys).user_info(change.openid)).unionid
            except OfficialAccountError as exc:
                # Recorded without it: the sync job fills it in.
                log.warning("oa_user_info_failed", errcode=exc.errcode)
        async with short_transaction(ctx.sessionmaker) as session:
            await _apply(session, change.openid, change.is_following, change.at, unionid)
        return "subscribe" if change.is_following else "unsubscribe"
    finished = job_finish(message)
    if finished is not None:
        async with short_transaction(ctx.sessionmaker) as session:
            await repo.record_delivery(session, finished.msgid, finished.status)
        return "job_finish"
    return "ignored"


async def _apply(
    session: AsyncSession, openid: str, is_following: bool, at: int, unionid: str | None
) -> bool:
    member_id = None
    if unionid:
        member_id = (await members.member_ids_by_unionid(session, [unionid])).get(unionid)
    return await repo.apply_follow(
        session,
        openid=openid,
        is_following=is_following,
        event_at=at,
        unionid=unionid,
        member_id=member_id,
        now=utcnow(),
    )


# -- the follower sync -------------------------------------------------------------------------


async def sync_followers(ctx: AppContext) -> OaSyncResult:
    """Every follower WeChat lists (those from before Shoplet too), page by page, recorded with
    their unionid and member; then followers still unlinked are linked to members who signed
    up since. Idempotent: a follower already recorded as newer is left as it is."""
    keys = await _keys(ctx)
    client = _client(ctx, keys)
    listed = recorded = linked = 0
    next_openid = ""
    while True:
        openids, next_openid = await client.follower_page(next_openid)
        for start in range(0, len(openids), BATCHGET_MAX):
            infos = await client.user_infos(openids[start : start + BATCHGET_MAX])
            listed += len(infos)
            async with unit_of_work(ctx.sessionmaker) as session:
                recorded += await _record_infos(session, infos)
        if not next_openid:
            break
    async with unit_of_work(ctx.sessionmaker) as session:
        unlinked = await repo.unlinked_followers(session, 10_000)
        found = await members.member_ids_by_unionid(session, [u for _, u in unlinked])
        for openid, unionid in unlinked:
            if unionid in found:
                await repo.link_follower(session, openid, found[unionid])
                linked += 1
    return OaSyncResult(listed=listed, recorded=recorded, linked=linked)


async def _record_infos(session: AsyncSession, infos: list[Follower]) -> int:
    recorded = 0
    for info in infos:
        if info.subscribe and info.openid:
            recorded += await _apply(session, info.openid, True, info.subscribe_time, info.unionid)
    return recorded


async def link_member(session: AsyncSession, *, unionid: str, member_id: int) -> int:
    """A member gained ``unionid`` (signed up or merged after following): their followers are
    linked now rather than at the next sync. Idempotent: linked followers stay as they are."""
    return await repo.link_unionid(session, unionid, member_id)


# -- campaigns ---------------------------------------------------------------------------------


async def enabled_template(session: AsyncSession, event: str) -> tuple[str, dict[str, str]] | None:
    """The 公众号 template id of an event and its field mapping (key → the value's name), or
    None when the event has no 公众号 template or it is disabled."""
    template = await repo.oa_template_for(session, event)
    if template is None or not template.is_enabled:
        return None
    return template.template_id, {str(k): str(v) for k, v in template.fields.items()}


async def followers_of(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    """Which of ``member_ids`` follow the 公众号 through a linked follower."""
    return await repo.following_members(session, member_ids)


# -- template mapping --------------------------------------------------------------------------


async def list_templates(session: AsyncSession) -> list[NotificationOaTemplate]:
    return list(await repo.list_oa_templates(session))


async def save_template(
    session: AsyncSession,
    *,
    event: str,
    sources: Mapping[str, tuple[str, ...]],
    template_id: str,
    url: str,
    pagepath: str,
    fields: dict[str, str],
    is_enabled: bool,
) -> NotificationOaTemplate:
    for key, source in fields.items():
        if field_type(key) is None:
            raise FieldTypeUnknown(f"{key} names no WeChat type", key=key)
        if source not in sources[event]:
            raise SourceUnknown(f"{event} carries {', '.join(sources[event])}", key=key)
    await repo.upsert_oa_template(
        session,
        {
            "event": event,
            "template_id": template_id,
            "url": url,
            "pagepath": pagepath,
            "fields": fields,
            "is_enabled": is_enabled,
            "disabled_reason": None,
            "updated_at": utcnow(),
        },
    )
    await session.flush()
    found = await repo.oa_template_for(session, event)
    if found is None:  # pragma: no cover - the upsert above wrote it
        raise SourceUnknown(event=event)
    await session.refresh(found)
    return found


def _data(template: NotificationOaTemplate, values: Mapping[str, Any]) -> dict[str, str]:
    data = {}
    for key, source in template.fields.items():
        value = values.get(source)
        if not isinstance(value, str):
            raise FieldInvalid(key, "missing")
        data[key] = value
    check_data(data)
    return data


def check_values(template: NotificationOaTemplate, values: Mapping[str, Any]) -> None:
    """400 ``notification.oa_field_invalid`` (with the key and the reason) for values WeChat
    would refuse for the template's keywords."""
    try:
        _data(template, values)
    except FieldInvalid as exc:
        raise OaFieldInvalid(str(exc), key=exc.key, reason=exc.reason) from exc


# -- sending -----------------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession, *, event: str, member_id: int, ref: str, values: Mapping[str, Any]
) -> bool:
    """Record one template message for an event occurrence when the event has an enabled
    template and the shopper follows the 公众号 (once per event, shopper and ref)."""
    template = await repo.oa_template_for(session, event)
    if template is None or not template.is_enabled:
        return False
    openid = await repo.following_openid(session, member_id)
    if openid is None:
        return False
    return await repo.enqueue_oa_send(
        session,
        {
            "event": event,
            "member_id": member_id,
            "ref": ref[:64],
            "values": dict(values),
            "status": "pending",
            "openid": openid,
            "template_id": template.template_id,
            "created_at": utcnow(),
        },
    )


def next_day(now: datetime) -> datetime:
    """The next midnight in Asia/Shanghai (WeChat's quotas are per day, Beijing time)."""
    local = now.astimezone(_SHANGHAI)
    midnight = datetime(local.year, local.month, local.day, tzinfo=_SHANGHAI) + timedelta(days=1)
    return midnight.astimezone(now.tzinfo)


async def _prepare(
    session: AsyncSession, send: NotificationOaSend, keys: Keys
) -> tuple[TemplateMessage | None, dict[str, Any]]:
    template = await repo.oa_template_for(session, send.event)
    if template is None or not template.is_enabled:
        return None, {"status": "template_invalid", "error": "notification.template_disabled"}
    try:
        data = _data(template, send.values)
    except FieldInvalid as exc:
        log.warning("oa_field_invalid", send_id=send.id, key=exc.key, reason=exc.reason)
        return None, {
            "status": "field_invalid",
            "template_id": template.template_id,
            "error": f"notification.field_{exc.reason}:{exc.key}",
        }
    openid = await repo.following_openid(session, send.member_id)
    if openid is None:
        return None, {"status": "unfollowed", "template_id": template.template_id}
    message = TemplateMessage(
        touser=openid,
        template_id=template.template_id,
        data=data,
        url=template.url,
        miniprogram_appid=keys.miniprogram_appid if template.pagepath else "",
        miniprogram_pagepath=template.pagepath,
        client_msg_id=f"shoplet-oa-{send.id}",
    )
    return message, {"template_id": template.template_id, "openid": openid}


async def deliver_one(ctx: AppContext, send_id: int) -> str | None:
    """Send one pending template message; its status (None: another worker has it)."""
    keys = await _keys(ctx)
    async with unit_of_work(ctx.sessionmaker) as session:
        send = await repo.claim_oa_send(session, send_id, utcnow())
        if send is None or send.claimed_at is None:
            return None
        lease = send.claimed_at
        message, outcome = await _prepare(session, send, keys)
        await repo.finish_oa_send(session, send_id, lease, outcome)
        if message is None:
            return str(outcome["status"])
    result = await _call(_client(ctx, keys), message)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        if result.get("status") == "sent":
            result["sent_at"] = now
        if result.pop("retry_tomorrow", False):
            result.update(status="pending", claimed_at=None, not_before=next_day(now))
        if not await repo.finish_oa_send(session, send_id, lease, result):
            log.warning("oa_send_lease_lost", send_id=send_id)
            return None
        if result["status"] == "unfollowed":
            await repo.mark_unfollowed(session, message.touser, now)
        if result["status"] == "template_invalid":
            await repo.disable_oa_template(
                session, message.template_id, "微信返回 40037：模板 ID 无效，已停用", now
            )
    return str(result["status"])


async def _call(client: OfficialAccountClient, message: TemplateMessage) -> dict[str, Any]:
    try:
        msgid = await client.send_template(message)
    except FieldInvalid as exc:  # pragma: no cover - checked in _prepare
        return {"status": "field_invalid", "error": f"notification.field_{exc.reason}:{exc.key}"}
    except OfficialAccountError as exc:
        log.warning("oa_send_refused", errcode=exc.errcode)
        outcome: dict[str, Any] = {"errcode": exc.errcode, "error": exc.errmsg[:200]}
        if exc.errcode == DAILY_QUOTA:
            return {**outcome, "retry_tomorrow": True}
        status = {
            NOT_FOLLOWING: "unfollowed",
            INVALID_OPENID: "openid_invalid",
            INVALID_TEMPLATE: "template_invalid",
        }.get(exc.errcode, "failed")
        return {**outcome, "status": status}
    return {"status": "sent", "errcode": 0, "error": None, "msgid": msgid}


async def due_sends(session: AsyncSession, limit: int) -> list[int]:
    now = utcnow()
    await repo.reclaim_oa_stuck(session, now - LEASE)
    return await repo.due_oa_ids(session, now, limit)


async def is_configured(session: AsyncSession) -> bool:
    return await repo.oa_account(session) is not None


async def list_sends(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[NotificationOaSend]:
    return list(await repo.list_oa_sends(session, status=status, before_id=before_id, limit=limit))
