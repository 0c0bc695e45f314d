"""Moderation's business: screening a text (the filter, then WeChat ``msgSecCheck``), an item's
way through the pipeline, WeChat's image verdicts, the human queue, appeals and the lexicon.

The pipeline (``status``): ``checking`` (a machine check is still out) → ``approved`` |
``held`` (the human queue) | ``rejected``. :func:`status_of` is the one rule, over what the
filter found, the text's and each image's WeChat verdict:

- a ``block`` word, or ``risky`` from WeChat (text or any image): ``rejected``;
- a ``hold`` word (pinyin and initials matches are at most that), a subject's own hold reason,
  ``review`` from WeChat, or an image nobody could check (no openid): ``held``;
- a check still out: ``checking``; otherwise ``approved``.

Outside calls never run inside a transaction: a request screens its text before it writes
(:func:`screen`, reads in a session of its own), and the job sends what is still unchecked (a
text WeChat did not answer, every image) between two short transactions. Every change of status
is a conditional UPDATE on (status, seq) with a ``moderation_decision`` row, and publishes
``moderation.decided`` when it reaches ``approved`` or ``rejected`` (or goes back to the queue on
appeal); the owner of the subject applies it.
"""

from __future__ import annotations

from shoplet.modules.moderation.service.lexicon import (
    create_word,
    delete_word,
    import_words,
    list_words,
    parse_csv,
    test_filter,
    update_word,
)
from shoplet.modules.moderation.service.pipeline import (
    apply_media_verdict,
    check_text,
    is_refused,
    record_refusal,
    run_checks,
    send_media,
    states_of,
    submit,
)
from shoplet.modules.moderation.service.queue import (
    appeal,
    decide,
    decide_many,
    item_detail,
    list_items,
    mine,
    override,
)
from shoplet.modules.moderation.service.screening import (
    CLOCK_KEY,
    INTEGRATIONS_KEY,
    LEXICON_KEY,
    Screening,
    clock_of,
    install,
    integrations_of,
    lexicon,
    reason_of,
    screen,
    status_of,
)

__all__ = [
    "CLOCK_KEY",
    "INTEGRATIONS_KEY",
    "LEXICON_KEY",
    "Screening",
    "appeal",
    "apply_media_verdict",
    "check_text",
    "clock_of",
    "create_word",
    "decide",
    "decide_many",
    "delete_word",
    "import_words",
    "install",
    "integrations_of",
    "is_refused",
    "item_detail",
    "lexicon",
    "list_items",
    "list_words",
    "mine",
    "override",
    "parse_csv",
    "reason_of",
    "record_refusal",
    "run_checks",
    "screen",
    "send_media",
    "states_of",
    "status_of",
    "submit",
    "test_filter",
    "update_word",
]
