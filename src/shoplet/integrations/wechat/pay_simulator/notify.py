"""Notify delivery: building, signing and encrypting WeChat Pay notifies, and delivering them over
HTTP (with redelivery).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

from shoplet.core import tracing
from shoplet.integrations.wechat.pay_crypto import (
    AEAD_ALGORITHM,
    SIGNATURE_SCHEME,
    aead_encrypt,
    format_rfc3339,
    new_nonce,
    response_message,
    rsa_sign,
)

from .base import _SimulatorBase
from .state import NotifyDelivery, SimError, SimNotify, log


class _Notifying(_SimulatorBase):
    """Notifies: resources, signatures, encryption, delivery."""

    def transaction_resource(self, out_trade_no: str) -> dict[str, Any]:
        """The decrypted resource of a payment notify, as WeChat would send it now."""
        return self.transactions[out_trade_no].to_json()

    def refund_resource(self, out_refund_no: str) -> dict[str, Any]:
        """The decrypted resource of a refund notify (``refund_status``, not ``status``)."""
        record = self.refunds[out_refund_no]
        data: dict[str, Any] = {
            "mchid": self.mchid,
            "out_trade_no": record.out_trade_no,
            "transaction_id": record.transaction_id,
            "out_refund_no": record.out_refund_no,
            "refund_id": record.refund_id,
            "refund_status": record.status,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": record.total,
                "refund": record.refund,
                "payer_total": record.total,
                "payer_refund": record.refund,
            },
        }
        if record.success_time is not None:
            data["success_time"] = format_rfc3339(record.success_time)
        return data

    def build_notify(
        self,
        *,
        event_type: str,
        summary: str,
        original_type: str,
        resource: dict[str, Any],
        notify_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        serial: str | None = None,
        signature: str | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        apiv3_key: bytes | None = None,
        tamper_ciphertext: bool = False,
        algorithm: str = AEAD_ALGORITHM,
    ) -> SimNotify:
        """A notify exactly as WeChat sends it. Every knob exists so tests can forge one: an
        old ``timestamp``, a reused ``nonce``, another ``serial``, a ``signature`` or
        ``signing_key`` of their own, a different APIv3 key, or a ciphertext whose GCM tag
        fails (``tamper_ciphertext``; the body is still correctly signed)."""
        resource_nonce = new_nonce(12)
        ciphertext = aead_encrypt(
            apiv3_key or self.keys.apiv3_key,
            nonce=resource_nonce,
            associated_data=original_type,
            plaintext=orjson.dumps(resource),
        )
        if tamper_ciphertext:
            flipped = "A" if ciphertext[0] != "A" else "B"
            ciphertext = flipped + ciphertext[1:]
        notify_id = notify_id or str(uuid.uuid4())
        body = orjson.dumps(
            {
                "id": notify_id,
                "create_time": format_rfc3339(self.now()),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": {
                    "original_type": original_type,
                    "algorithm": algorithm,
                    "ciphertext": ciphertext,
                    "associated_data": original_type,
                    "nonce": resource_nonce,
                },
            }
        )
        return self.sign_notify(
            notify_id,
            event_type,
            body,
            timestamp=timestamp,
            nonce=nonce,
            serial=serial,
            signature=signature,
            signing_key=signing_key,
        )

    def sign_notify(
        self,
        notify_id: str,
        event_type: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        serial: str | None = None,
        signature: str | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
    ) -> SimNotify:
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        nonce = nonce or new_nonce()
        sig = signature or rsa_sign(
            signing_key or self.keys.platform_private_key, response_message(ts, nonce, body)
        )
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial or self.keys.platform_serial,
            "Wechatpay-Signature": sig,
            "Wechatpay-Signature-Type": SIGNATURE_SCHEME,
            "Request-ID": uuid.uuid4().hex,
        }
        return SimNotify(id=notify_id, event_type=event_type, headers=headers, body=body)

    async def deliver(self, url: str, notify: SimNotify) -> NotifyDelivery:
        """POST the notify to ``url`` (through ``notify_transport`` when one was given)."""
        if self._notify_http is None:
            self._notify_http = httpx.AsyncClient(transport=self.notify_transport, timeout=5.0)
        try:
            # Not signed, so it changes nothing WeChat Pay checks; the real service sends none,
            # the simulator lets a test follow one checkout from prepay to the worker.
            headers = dict(notify.headers)
            tracing.inject(headers)
            response = await self._notify_http.post(url, content=notify.body, headers=headers)
            delivery = NotifyDelivery(
                notify=notify,
                url=url,
                status_code=response.status_code,
                response_text=response.text,
            )
        except httpx.HTTPError as exc:
            delivery = NotifyDelivery(
                notify=notify, url=url, status_code=None, response_text="", error=type(exc).__name__
            )
        self.deliveries.append(delivery)
        log.info(
            "wechatpay_notify_delivered",
            notify_id=notify.id,
            event_type=notify.event_type,
            status=delivery.status_code,
            error=delivery.error,
        )
        return delivery

    async def redeliver(self, notify_id: str, *, resign: bool = True) -> NotifyDelivery:
        """Send a notify again. ``resign=True`` is WeChat's retry (same id and body, fresh
        timestamp, nonce and signature); ``resign=False`` replays the exact bytes and headers."""
        previous = next((d for d in reversed(self.deliveries) if d.notify.id == notify_id), None)
        if previous is None:
            raise SimError(404, "NOTIFY_NOT_EXIST", "通知不存在")
        notify = previous.notify
        if resign:
            notify = self.sign_notify(notify.id, notify.event_type, notify.body)
        return await self.deliver(previous.url, notify)
