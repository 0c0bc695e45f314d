"""Typed errors of live sessions (``live.*``): status, stable code, title. Each is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import Conflict, Forbidden, NotFound, RateLimited, ShopletError


class Unprocessable(ShopletError):
    status = 422
    code = "live.invalid"
    title = "Invalid request"


class SessionNotFound(NotFound):
    code = "live.session_not_found"
    title = "Live session not found"


class SessionInvalid(Unprocessable):
    code = "live.session_invalid"
    title = "A session needs a title, an anchor and a start time (and a room id on WeChat)"


class WrongStatus(Conflict):
    code = "live.wrong_status"
    title = "The session is not in a state that allows this"


class NotLive(Conflict):
    code = "live.not_live"
    title = "The session is not live"


class SessionEnded(Conflict):
    code = "live.session_ended"
    title = "The session has ended: its live prices no longer apply"


class ProductNotOnSale(Conflict):
    code = "live.product_not_on_sale"
    title = "This product is not sold at a live price in this session"


class ProductInvalid(Unprocessable):
    code = "live.product_invalid"
    title = "Put products that exist on the shelf, each once, with a positive live price"


class NotOnShelf(Unprocessable):
    code = "live.not_on_shelf"
    title = "The product is not on this session's shelf"


class CommentInvalid(Unprocessable):
    code = "live.comment_invalid"
    title = "A comment is 1 to 100 characters"


class CommentBlocked(Unprocessable):
    code = "live.comment_blocked"
    title = "This comment cannot be posted"


class CommentRateLimited(RateLimited):
    code = "live.rate_limited"
    title = "You are commenting too fast"


class Muted(Forbidden):
    code = "live.muted"
    title = "You have been muted in this session"


class Banned(Forbidden):
    code = "live.banned"
    title = "You may not join this session"


class LikesInvalid(Unprocessable):
    code = "live.likes_invalid"
    title = "Send 1 to 50 likes at a time"


class CouponInvalid(Unprocessable):
    code = "live.coupon_invalid"
    title = "Push an active coupon template"


class CouponNotPushed(NotFound):
    code = "live.coupon_not_pushed"
    title = "This coupon was not pushed in this session"


class CouponUnavailable(Conflict):
    code = "live.coupon_unavailable"
    title = "This coupon cannot be claimed (limit reached or none left)"


class MemberInvalid(Unprocessable):
    code = "live.member_invalid"
    title = "Restrict a shopper who exists"


class NoReplay(Conflict):
    code = "live.no_replay"
    title = "The session has no recorded replay (yet) to publish or hide"


class ReplayNotFound(NotFound):
    code = "live.replay_not_found"
    title = "This session has no published replay"
