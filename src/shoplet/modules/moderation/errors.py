"""Typed errors of moderation (``moderation.*``). Each is raised before anything is written, or
rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError


class ItemNotFound(NotFound):
    code = "moderation.item_not_found"
    title = "No such content under moderation"


class AlreadyDecided(Conflict):
    code = "moderation.already_decided"
    title = "This content was decided meanwhile; reload the queue"


class NotAppealable(Conflict):
    code = "moderation.not_appealable"
    title = "Only rejected content can be appealed, once"


class WordNotFound(NotFound):
    code = "moderation.word_not_found"
    title = "No such word in the lexicon"


class WordExists(Conflict):
    code = "moderation.word_exists"
    title = "This word is in the lexicon already"


class WordInvalid(BadRequest):
    code = "moderation.word_invalid"
    title = "A word needs at least one letter, digit or Chinese character"


class ImportInvalid(BadRequest):
    code = "moderation.import_invalid"
    title = "The CSV needs rows of word,category,action with known categories and actions"


class PushSignatureInvalid(ShopletError):
    status = 401
    code = "moderation.push_signature_invalid"
    title = "The push is not signed with this shop's message-push token"


__all__ = [
    "AlreadyDecided",
    "ImportInvalid",
    "ItemNotFound",
    "NotAppealable",
    "PushSignatureInvalid",
    "WordExists",
    "WordInvalid",
    "WordNotFound",
]
