"""Typed errors of the support chat (``support.*``): status, stable code, title. Each is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ShopletError,
)


class Unprocessable(ShopletError):
    status = 422
    code = "support.invalid"
    title = "Invalid request"


class ConversationNotFound(NotFound):
    code = "support.conversation_not_found"
    title = "Conversation not found"


class AlreadyAssigned(Conflict):
    code = "support.already_assigned"
    title = "Another staff member is serving this conversation"


class ConversationClosed(Conflict):
    code = "support.conversation_closed"
    title = "This conversation has ended"


class NotAssignee(Conflict):
    code = "support.not_assignee"
    title = "Only the staff member serving this conversation can do this"


class MessageInvalid(Unprocessable):
    code = "support.message_invalid"
    title = "The message is empty, too long or malformed"


class CardInvalid(Unprocessable):
    code = "support.card_invalid"
    title = "Send only your own orders and products on sale as cards"


class ChatRateLimited(RateLimited):
    code = "support.rate_limited"
    title = "Too many messages; wait a moment"


class RatingInvalid(Unprocessable):
    code = "support.rating_invalid"
    title = "A rating is a whole number from 1 to 5"


class NotClosed(Conflict):
    code = "support.not_closed"
    title = "A conversation is rated after it ends"


class AlreadyRated(Conflict):
    code = "support.already_rated"
    title = "This conversation has been rated already"


class AgentInvalid(Unprocessable):
    code = "support.agent_invalid"
    title = "Transfer to another active staff member who serves chat"


class QuickReplyNotFound(NotFound):
    code = "support.quick_reply_not_found"
    title = "Quick reply not found"


class QuickReplyInvalid(Unprocessable):
    code = "support.quick_reply_invalid"
    title = "A quick reply needs a title (≤ 50) and content (≤ 1000 characters)"


class ImageInvalid(BadRequest):
    code = "support.image_invalid"
    title = "Send a PNG, JPEG or WebP image"


class ImageTooLarge(ShopletError):
    status = 413
    code = "support.image_too_large"
    title = "An image is at most 5 MB"


class MessageRefused(BadRequest):
    code = "support.message_refused"
    title = "This message cannot be sent; please change it"


class WeChatPushInvalid(ShopletError):
    status = 401
    code = "support.wechat_push_invalid"
    title = "The push is not WeChat's for this mini program (signature, time or appid)"


class WeChatWindowPassed(Conflict):
    code = "support.wechat_window_passed"
    title = "48 hours have passed since the shopper's last WeChat message; WeChat takes no reply"


class WeChatReplyLimit(Conflict):
    code = "support.wechat_reply_limit"
    title = "WeChat takes no more replies until the shopper writes again"


class WeChatUnavailable(ServiceUnavailable):
    code = "support.wechat_unavailable"
    title = "WeChat did not take the reply; try again"
