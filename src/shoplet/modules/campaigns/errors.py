"""Typed errors of the campaigns module (``campaigns.*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class CampaignNotFound(NotFound):
    code = "campaigns.not_found"
    title = "Campaign not found"


class AudienceUnknown(BadRequest):
    code = "campaigns.audience_unknown"
    title = "The audience names no segment, RFM class or tag, or a day count outside 30-365"


class HoldoutInvalid(BadRequest):
    code = "campaigns.holdout_invalid"
    title = "The holdout is a percentage from 0 to 50"


class CapInvalid(BadRequest):
    code = "campaigns.cap_invalid"
    title = "The frequency cap is 1 to 365 days"


class WindowInvalid(BadRequest):
    code = "campaigns.window_invalid"
    title = "The attribution window is 1 to 90 days"


class QuietHoursInvalid(BadRequest):
    code = "campaigns.quiet_hours_invalid"
    title = "Quiet hours are two times HH:MM"


class NothingToSend(BadRequest):
    code = "campaigns.nothing_to_send"
    title = "A campaign sends a message, a coupon or both"


class FieldInvalid(BadRequest):
    code = "campaigns.field_invalid"
    title = "A message value WeChat would refuse (unknown key, empty, too long or bad format)"


class TemplateDisabled(Conflict):
    code = "campaigns.template_disabled"
    title = "A template the campaign's channel needs (subscribe or 公众号) is missing or disabled"


class CouponTemplateUnknown(BadRequest):
    code = "campaigns.coupon_template_unknown"
    title = "No coupon template has this id"


class CouponTemplateInactive(Conflict):
    code = "campaigns.coupon_template_inactive"
    title = "The coupon template is not being given out"


class NotEditable(Conflict):
    code = "campaigns.not_editable"
    title = "Only a draft campaign can be edited or started"


class NotCancellable(Conflict):
    code = "campaigns.not_cancellable"
    title = "A finished or cancelled campaign cannot be cancelled"
