"""Typed errors of wecom (``wecom.*``): status, stable code, title. Each is raised before
anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError, Unauthorized


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


class TextTooLong(BadRequest):
    code = "wecom.text_too_long"
    title = "The text is over WeCom's 4000 bytes (UTF-8: a Chinese character is 3)"


class TextRequired(BadRequest):
    code = "wecom.text_required"
    title = "Give a text (a mini-program card alone is not enough)"


class PageUnknown(BadRequest):
    code = "wecom.page_unknown"
    title = "The mini-program card's page is not a storefront page"


class MediaRequired(BadRequest):
    code = "wecom.media_required"
    title = "A mini-program card needs a title (1 to 64 characters) and a picture"


class WayUnknown(NotFound):
    code = "wecom.way_unknown"
    title = "No such contact way"


class ChatsRequired(BadRequest):
    code = "wecom.chats_required"
    title = "A group QR code needs 1 to 5 distinct group chat ids"


class ChatUnknown(BadRequest):
    code = "wecom.chat_unknown"
    title = "A chat id is not one of the corp's customer groups"


class RoomNameRequired(BadRequest):
    code = "wecom.room_name_required"
    title = "Creating groups automatically needs a base name for them"


class GroupUnknown(NotFound):
    code = "wecom.group_unknown"
    title = "No such customer group"


class AudienceInvalid(BadRequest):
    code = "wecom.audience_invalid"
    title = "The audience needs exactly what it names: a segment, a store or a campaign"


class NoRecipients(BadRequest):
    code = "wecom.no_recipients"
    title = "No customer can receive this broadcast (none in the audience, or all reached today)"


class TooManyRecipients(BadRequest):
    code = "wecom.too_many_recipients"
    title = "The audience is over the broadcast limit"


class BroadcastUnknown(NotFound):
    code = "wecom.broadcast_unknown"
    title = "No such broadcast"


class WayTypeFixed(BadRequest):
    code = "wecom.way_type_fixed"
    title = "A contact way of one staff member keeps one, a way of several keeps several"


class JoinWayUnknown(NotFound):
    code = "wecom.join_way_unknown"
    title = "No such 加入群聊 QR code (or it was deleted)"


class OwnersInvalid(BadRequest):
    code = "wecom.owners_invalid"
    title = "Owners are 1 to 100 distinct staff userids, and only for a broadcast to groups"


class PictureInvalid(BadRequest):
    code = "wecom.picture_invalid"
    title = "The card picture is not a readable image (send it in the multipart field 'file')"


class PictureType(BadRequest):
    code = "wecom.picture_type"
    title = "A card picture is a JPG or a PNG (WeCom takes no other)"


class PictureTooLarge(ShopletError):
    status = 413
    code = "wecom.picture_too_large"
    title = "A card picture is at most 10 MB (WeCom's limit)"


class PictureDimensions(BadRequest):
    code = "wecom.picture_dimensions"
    title = "A card picture is 100 to 4096 pixels a side, at most 4:1 either way"


class PictureUnknown(BadRequest):
    code = "wecom.picture_unknown"
    title = "No such card picture: upload it first"
