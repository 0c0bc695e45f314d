"""WeCom's callback (接收事件服务器, tag ``wecom``): the URL check and the customer-contact
events, signed with ``SHOPLET_WECOM_CALLBACK_TOKEN`` and encrypted with
``SHOPLET_WECOM_CALLBACK_AES_KEY`` (the receive id is the corp id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from shoplet.core.context import Ctx
from shoplet.core.errors import problem_responses
from shoplet.integrations.setup import Integrations, IntegrationsDep
from shoplet.integrations.wechat.message_crypto import PushCryptoError, aes_key
from shoplet.integrations.wecom.client import (
    WeComClient,
    chat_change,
    contact_change,
    open_callback,
    verify_url,
)

from . import service
from .errors import CallbackInvalid, CallbackMalformed, NotConfigured

router = APIRouter(tags=["wecom"])

Signed = Annotated[str, Query(max_length=128)]


def _callback_keys(integrations: Integrations) -> tuple[WeComClient, str, bytes]:
    client = integrations.wecom
    if client is None or not integrations.wecom_callback_token:
        raise NotConfigured()
    try:
        key = aes_key(integrations.wecom_callback_aes_key)
    except PushCryptoError as exc:
        raise NotConfigured("SHOPLET_WECOM_CALLBACK_AES_KEY is not 43 characters") from exc
    return client, integrations.wecom_callback_token, key


@router.get(
    "/wecom/callback", response_class=PlainTextResponse, responses=problem_responses(401, 409)
)
async def verify_wecom_callback_url(
    integrations: IntegrationsDep,
    msg_signature: Signed = "",
    timestamp: Signed = "",
    nonce: Signed = "",
    echostr: Annotated[str, Query(max_length=1024)] = "",
) -> PlainTextResponse:
    """WeCom's check of the callback URL: the decrypted ``echostr`` when ``msg_signature`` (SHA1
    of the sorted token, timestamp, nonce and echostr) and the corp id inside are right; 401
    ``wecom.callback_invalid`` otherwise; 409 ``wecom.not_configured`` when WeCom is off."""
    client, token, key = _callback_keys(integrations)
    query = {"msg_signature": msg_signature, "timestamp": timestamp, "nonce": nonce}
    try:
        plain = verify_url(
            {**query, "echostr": echostr}, token=token, aes_key=key, corp_id=client.corp_id
        )
    except PushCryptoError as exc:
        raise CallbackInvalid(f"Refused: {exc.reason}") from exc
    return PlainTextResponse(plain)


@router.post(
    "/wecom/callback",
    response_class=PlainTextResponse,
    responses=problem_responses(400, 401, 409),
)
async def wecom_callback(
    request: Request, ctx: Ctx, integrations: IntegrationsDep
) -> PlainTextResponse:
    """A WeCom event (XML ``{ToUserName, Encrypt, AgentID}``): ``change_external_contact``
    adds and deletes become customers attributed to the store and campaign their ``state``
    names, linked to a member by unionid, and a ``WelcomeCode`` queues the way's 欢迎语 (sent
    by a job); ``change_external_chat`` (create, add_member, del_member, dismiss) updates the
    customer group; the same event twice, or late, changes nothing. 401
    ``wecom.callback_invalid`` (nothing read or written) when the signature, the timestamp
    (±5 min) or the corp id is wrong; 400 ``wecom.callback_malformed`` when the body is not an
    XML envelope. Answers ``success``; other events are acknowledged and ignored."""
    client, token, key = _callback_keys(integrations)
    body = await request.body()
    try:
        event = open_callback(
            request.query_params, body, token=token, aes_key=key, corp_id=client.corp_id
        )
    except PushCryptoError as exc:
        if exc.reason in ("xml", "size"):
            raise CallbackMalformed(f"Refused: {exc.reason}") from exc
        raise CallbackInvalid(f"Refused: {exc.reason}") from exc
    change = contact_change(event)
    if change is not None:
        await service.apply_change(ctx, client, change)
    chat = chat_change(event)
    if chat is not None:
        await service.apply_chat_change(ctx, client, chat)
    return PlainTextResponse("success")
