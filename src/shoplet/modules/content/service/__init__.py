"""Content: product Q&A (问大家), posts (种草) in topics, likes, 收藏 and 关注, comments, and
moderation.

Every question, answer, post and comment is screened (moderation's filter and WeChat's check,
before the request's transaction) and submitted to moderation in its own transaction; it is
public only once moderation approves it. ``_move`` is the one way a row changes status: a
conditional UPDATE on the status it was, so two deciders change it once, and the counters that
count public rows (answers of a question, posts of a topic, comments of a post) move with it.
An answer becoming public tells the asker (a notice in 我的内容 and the event
``content.question_answered``). Staff removal (``removed``) is final: a later moderation verdict
does not bring the row back.
"""

from shoplet.modules.content.service._common import (
    SUBJECTS,
    apply_moderation,
    checked_text,
    like,
    remove,
)
from shoplet.modules.content.service.challenges import (
    challenge,
    save_challenge,
    settle,
    settle_due,
    settle_topic,
)
from shoplet.modules.content.service.follows import favorite, favorites, follow
from shoplet.modules.content.service.posters import post_poster
from shoplet.modules.content.service.posts import (
    comment,
    comments,
    create_post,
    create_topic,
    feed,
    list_posts_admin,
    my_posts,
    pin,
    post,
    topic,
    topics,
    update_topic,
    upload_image,
)
from shoplet.modules.content.service.prizes import reissue, retry_due
from shoplet.modules.content.service.qa import (
    answer,
    ask,
    is_buyer,
    list_questions_admin,
    merchant_answer,
    notices,
    product_questions,
    qa_summary,
    question_answers_admin,
    read_notices,
)
from shoplet.modules.content.service.videos import upload_video

__all__ = [
    "SUBJECTS",
    "answer",
    "apply_moderation",
    "ask",
    "challenge",
    "checked_text",
    "comment",
    "comments",
    "create_post",
    "create_topic",
    "favorite",
    "favorites",
    "feed",
    "follow",
    "is_buyer",
    "like",
    "list_posts_admin",
    "list_questions_admin",
    "merchant_answer",
    "my_posts",
    "notices",
    "pin",
    "post",
    "post_poster",
    "product_questions",
    "qa_summary",
    "question_answers_admin",
    "read_notices",
    "reissue",
    "remove",
    "retry_due",
    "save_challenge",
    "settle",
    "settle_due",
    "settle_topic",
    "topic",
    "topics",
    "update_topic",
    "upload_image",
    "upload_video",
]
