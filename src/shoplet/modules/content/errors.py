"""Typed errors of content (``content.*``): status, stable code, title. Every one is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, Forbidden, NotFound, ShopletError


class ProductNotFound(NotFound):
    code = "content.product_not_found"
    title = "Product not found"


class QuestionNotFound(NotFound):
    code = "content.question_not_found"
    title = "Question not found"


class AnswerNotFound(NotFound):
    code = "content.answer_not_found"
    title = "Answer not found"


class PostNotFound(NotFound):
    code = "content.post_not_found"
    title = "Post not found"


class AuthorNotFound(NotFound):
    code = "content.author_not_found"
    title = "Author not found"


class FollowSelf(BadRequest):
    code = "content.follow_self"
    title = "You cannot follow yourself"


class CommentNotFound(NotFound):
    code = "content.comment_not_found"
    title = "Comment not found"


class TopicNotFound(NotFound):
    code = "content.topic_not_found"
    title = "Topic not found, or closed"


class TopicTaken(Conflict):
    code = "content.topic_taken"
    title = "A topic with this name exists"


class NotABuyer(Forbidden):
    code = "content.not_a_buyer"
    title = "Only shoppers who bought this product can answer"


class ContentEmpty(BadRequest):
    code = "content.content_empty"
    title = "Write something"


class ContentTooLong(BadRequest):
    code = "content.content_too_long"
    title = "The text is too long"


class ContentRejected(BadRequest):
    code = "content.content_rejected"
    title = "This text cannot be published; please change it"


class ImageUnknown(BadRequest):
    code = "content.image_unknown"
    title = "Use images you uploaded for this post"


class ImageInvalid(BadRequest):
    code = "content.image_invalid"
    title = "Upload a PNG, JPEG or WebP image"


class ImageTooLarge(ShopletError):
    status = 413
    code = "content.image_too_large"
    title = "Images may be at most 5 MB"


class ProductUnknown(BadRequest):
    code = "content.product_unknown"
    title = "Link products that are on sale"


class NotPublic(Conflict):
    code = "content.not_public"
    title = "This is not public (under review or removed)"


class ContentChanged(Conflict):
    code = "content.changed"
    title = "This changed meanwhile; reload and try again"


class FeedExpired(BadRequest):
    code = "content.feed_expired"
    title = "This feed's order has expired: load it again"


class ChallengeNotFound(NotFound):
    code = "content.challenge_not_found"
    title = "This topic runs no challenge"


class ChallengeWindowInvalid(BadRequest):
    code = "content.challenge_window_invalid"
    title = "A challenge must end after it starts, and end in the future"


class PrizeRanksInvalid(BadRequest):
    code = "content.prize_ranks_invalid"
    title = "Prize ranks must be 1, 2, 3, … with no gap and no repeat"


class PrizeEmpty(BadRequest):
    code = "content.prize_empty"
    title = "Every prize gives points, a coupon, or both"


class PrizeCouponUnknown(BadRequest):
    code = "content.prize_coupon_unknown"
    title = "The prize's coupon does not exist"


class ChallengeStarted(Conflict):
    code = "content.challenge_started"
    title = "The challenge has started: its start and prizes can no longer change"


class ChallengeSettled(Conflict):
    code = "content.challenge_already_settled"
    title = "The challenge has been settled and can no longer change"


class ChallengeNotEnded(Conflict):
    code = "content.challenge_not_ended"
    title = "The challenge has not ended yet"


class VideoUnreadable(BadRequest):
    code = "content.video_unreadable"
    title = "Upload an MP4 or MOV video that plays"


class VideoTooLarge(ShopletError):
    status = 413
    code = "content.video_too_large"
    title = "Videos may be at most 50 MB"


class VideoTooLong(BadRequest):
    code = "content.video_too_long"
    title = "This video is longer than allowed"


class VideoCodecUnsupported(BadRequest):
    code = "content.video_codec_unsupported"
    title = "Upload a video encoded in H.264 or H.265"


class VideoUnknown(BadRequest):
    code = "content.video_unknown"
    title = "Use a video you uploaded and have not used yet"


class VideoWithImages(BadRequest):
    code = "content.video_with_images"
    title = "A post has either images or one video, not both"


class WinnerNotFound(NotFound):
    code = "content.winner_not_found"
    title = "No winner holds this rank of the challenge"


class PrizeAlreadyIssued(Conflict):
    code = "content.prize_already_issued"
    title = "This winner's coupon prize has been issued"


class PrizeHasNoCoupon(Conflict):
    code = "content.prize_has_no_coupon"
    title = "This winner's prize has no coupon"
