"""Typed errors of wecom (``wecom.*``): status, stable code, title. Each is raised before
anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, ShopletError, Unauthorized


class NotConfigured(Conflict):
    code = "wecom.not_configured"
    title = "WeCom is not set up: SHOPLET_WECOM_CORP_ID and SHOPLET_WECOM_SECRET are unset"


class CallbackInvalid(Unauthorized):
    code = "wecom.callback_invalid"
    title = "The callback is not WeCom's: signature, timestamp, corp id or encryption is wrong"


class CallbackMalformed(BadRequest):
    code = "wecom.callback_malformed"
    title = "The callback is signed but not a readable event"


class AttributionRequired(BadRequest):
    code = "wecom.attribution_required"
    title = "A contact way needs a store, a campaign or both"


class StoreUnknown(BadRequest):
    code = "wecom.store_unknown"
    title = "No such store"


class StateTooLong(BadRequest):
    code = "wecom.state_too_long"
    title = "The store and campaign do not fit WeCom's 30-character state"


class StaffUnknown(BadRequest):
    code = "wecom.staff_unknown"
    title = "A staff userid is not a member of the corp, or not in 客户联系's range"


class TagUnknown(BadRequest):
    code = "wecom.tag_unknown"
    title = "A tag id is not one of the corp's tags"


class TooManyContacts(BadRequest):
    code = "wecom.too_many_contacts"
    title = "The segment links to too many contacts to tag at once"


class SegmentUnknown(BadRequest):
    code = "wecom.segment_unknown"
    title = "No such segment"


class UpstreamError(ShopletError):
    status = 502
    code = "wecom.upstream_error"
    title = "WeCom refused or could not be reached"


class CampaignInvalid(BadRequest):
    code = "wecom.campaign_invalid"
    title = "A campaign code is 1 to 16 of 0-9 A-Z a-z _ -"


class StaffRequired(BadRequest):
    code = "wecom.staff_required"
    title = "A contact way needs 1 to 100 staff userids, each once"


class TagsRequired(BadRequest):
    code = "wecom.tags_required"
    title = "Give at least one tag id to add or to remove"
