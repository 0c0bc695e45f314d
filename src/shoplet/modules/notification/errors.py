"""Typed errors of the notification module (``notification.*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, Unauthorized


class FieldTypeUnknown(BadRequest):
    code = "notification.field_type_unknown"
    title = "A template key must name a WeChat type (thing1, amount2, character_string3…)"


class SourceUnknown(BadRequest):
    code = "notification.source_unknown"
    title = "A template field maps to a value this event does not carry"


class TemplateUnknown(BadRequest):
    code = "notification.template_unknown"
    title = "No enabled subscribe-message template has this id"


class SubjectUnknown(BadRequest):
    code = "notification.subject_unknown"
    title = "The SKU or product a reminder is for does not exist or is not on sale"


class OaNotConfigured(Conflict):
    code = "notification.oa_not_configured"
    title = "The 公众号 (WeChat Official Account) is not set up in the console"


class OaPushInvalid(Unauthorized):
    code = "notification.oa_push_invalid"
    title = "A 公众号 push whose signature, timestamp or appid is wrong (nothing was read)"


class OaPushMalformed(BadRequest):
    code = "notification.oa_push_malformed"
    title = "A 公众号 push whose body is not one XML message"


class OaSecretRequired(BadRequest):
    code = "notification.oa_secret_required"
    title = "The first 公众号 settings need the AppSecret and the push token"


class OaAesKeyInvalid(BadRequest):
    code = "notification.oa_aes_key_invalid"
    title = "The EncodingAESKey is 43 characters of base64"


class OaFieldInvalid(BadRequest):
    code = "notification.oa_field_invalid"
    title = "A value breaks WeChat's rule for its template keyword (too long, empty, bad format)"


class OaFollowerUnknown(BadRequest):
    code = "notification.oa_follower_unknown"
    title = "This shopper does not follow the 公众号"
