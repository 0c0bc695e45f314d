"""Typed errors of reviews (``review.*``): status, stable code, title. Every one is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError


class ReviewNotFound(NotFound):
    code = "review.not_found"
    title = "Review not found"


class LineNotFound(NotFound):
    code = "review.line_not_found"
    title = "This order has no such line"


class NotReviewable(Conflict):
    code = "review.not_reviewable"
    title = "Only a received or completed order can be reviewed"


class AlreadyReviewed(Conflict):
    code = "review.already_reviewed"
    title = "This item has been reviewed already"


class TooManyPhotos(BadRequest):
    code = "review.too_many_photos"
    title = "A review takes at most 9 photos"


class PhotoUnknown(BadRequest):
    code = "review.photo_unknown"
    title = "Use photos you uploaded for this review"


class PhotoInvalid(BadRequest):
    code = "review.photo_invalid"
    title = "Upload a PNG, JPEG or WebP photo"


class PhotoTooLarge(ShopletError):
    status = 413
    code = "review.photo_too_large"
    title = "Photos may be at most 5 MB"


class ContentTooLong(BadRequest):
    code = "review.content_too_long"
    title = "A review is at most 500 characters"


class ContentEmpty(BadRequest):
    code = "review.content_empty"
    title = "Write something"


class ContentRejected(BadRequest):
    code = "review.content_rejected"
    title = "This text cannot be published; please change it"


class FollowupNotAllowed(Conflict):
    code = "review.followup_not_allowed"
    title = "A review takes one follow-up, within 90 days"


class ReviewChanged(Conflict):
    code = "review.changed"
    title = "The review changed meanwhile; reload and try again"


__all__ = [
    "AlreadyReviewed",
    "ContentEmpty",
    "ContentRejected",
    "ContentTooLong",
    "FollowupNotAllowed",
    "LineNotFound",
    "NotReviewable",
    "PhotoInvalid",
    "PhotoTooLarge",
    "PhotoUnknown",
    "ReviewChanged",
    "ReviewNotFound",
    "TooManyPhotos",
]


class VideoUnreadable(BadRequest):
    code = "review.video_unreadable"
    title = "Upload an MP4 or MOV video that plays"


class VideoTooLarge(ShopletError):
    status = 413
    code = "review.video_too_large"
    title = "Videos may be at most 50 MB"


class VideoTooLong(BadRequest):
    code = "review.video_too_long"
    title = "A review's video may be at most 15 seconds long"


class VideoCodecUnsupported(BadRequest):
    code = "review.video_codec_unsupported"
    title = "Upload a video encoded in H.264 or H.265"


class VideoUnknown(BadRequest):
    code = "review.video_unknown"
    title = "Use a video you uploaded and have not used yet"
