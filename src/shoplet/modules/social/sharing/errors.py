"""Typed errors of sharing (``social.share_*``): status, stable code, title. Each is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound, RateLimited, ServiceUnavailable


class ShareNotFound(NotFound):
    code = "social.share_not_found"
    title = "Share link not found"


class ShareTargetNotFound(NotFound):
    code = "social.share_target_not_found"
    title = "The shared product, group or campaign does not exist"


class ShareInvalidScene(BadRequest):
    code = "social.share_invalid_scene"
    title = "Invalid scene: 1 to 32 of 0-9 A-Z a-z !#$&'()*+,/:;=?@-._~"


class ShareInvalidPage(BadRequest):
    code = "social.share_invalid_page"
    title = "Invalid mini-program page: a published page path without a leading slash"


class ShareInvalidWidth(BadRequest):
    code = "social.share_invalid_width"
    title = "Invalid code width: 280 to 1280 pixels"


class ShareQuotaExceeded(RateLimited):
    code = "social.share_quota_exceeded"
    title = "WeChat's daily quota of mini-program codes is used up"


class ShareCodeUnavailable(ServiceUnavailable):
    code = "social.share_code_unavailable"
    title = "WeChat could not make the mini-program code now"
