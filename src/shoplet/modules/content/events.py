"""Events content publishes (outbox, in the transaction of the change).

- ``content.question_answered`` {question_id, answer_id, product_id, member_id, is_merchant}:
  an answer became public; ``member_id`` is the asker (who also gets a notice in 我的内容);
- ``content.post_published`` {post_id, member_id, topic_id, product_ids}: a post became public;
- ``content.challenge_settled`` {challenge_id, topic_id, winners: [{rank, member_id}]}: a topic
  challenge was settled (once), its prizes granted.

Content subscribes to ``moderation.decided`` (questions, answers, posts and comments).
"""

from __future__ import annotations

from typing import Final

QUESTION_ANSWERED: Final = "content.question_answered"
POST_PUBLISHED: Final = "content.post_published"
CHALLENGE_SETTLED: Final = "content.challenge_settled"
