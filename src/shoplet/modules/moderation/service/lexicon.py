"""The merchant's lexicon (敏感词库): list, add, edit, delete, CSV import; every change bumps
the version so each process rebuilds its automaton; a test of the filter."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.moderation import filter as f
from shoplet.modules.moderation import repository as repo
from shoplet.modules.moderation.errors import (
    ImportInvalid,
    WordExists,
    WordInvalid,
    WordNotFound,
)
from shoplet.modules.moderation.models import ACTIONS, CATEGORIES
from shoplet.modules.moderation.models import Word as WordRow
from shoplet.modules.moderation.schemas import (
    FilterTestResult,
    LexiconImportResult,
    LexiconWord,
    ModerationHit,
)
from shoplet.modules.moderation.service.screening import MAX_IMPORT_ROWS, _hits_json, lexicon

# -- the lexicon -----------------------------------------------------------------------------


def _word(row: WordRow) -> LexiconWord:
    return LexiconWord.model_validate(row, from_attributes=True)


def _check_word(word: str) -> str:
    if not f.normalise(word)[0]:
        raise WordInvalid()
    return word


async def list_words(
    session: AsyncSession,
    *,
    category: str | None,
    query: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[LexiconWord], str | None]:
    rows = await repo.list_words(
        session,
        category=category,
        query=query,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return [_word(r) for r in page], (encode_id_cursor(page[-1].id) if len(rows) > limit else None)


async def create_word(
    session: AsyncSession, *, word: str, category: str, action: str, now: datetime | None = None
) -> LexiconWord:
    now = now or utcnow()
    word_id = await repo.insert_word(
        session,
        {
            "word": _check_word(word),
            "category": category,
            "action": action,
            "created_at": now,
            "updated_at": now,
        },
    )
    if word_id is None:
        raise WordExists()
    await repo.bump_lexicon(session)
    row = await repo.get_word(session, word_id)
    if row is None:  # pragma: no cover - written just above, in this transaction
        raise WordNotFound()
    return _word(row)


async def update_word(
    session: AsyncSession,
    word_id: int,
    *,
    category: str,
    action: str,
    now: datetime | None = None,
) -> LexiconWord:
    now = now or utcnow()
    values = {"category": category, "action": action, "updated_at": now}
    if not await repo.update_word(session, word_id, values):
        raise WordNotFound()
    await repo.bump_lexicon(session)
    row = await repo.get_word(session, word_id)
    if row is None:  # pragma: no cover - written just above, in this transaction
        raise WordNotFound()
    return _word(row)


async def delete_word(session: AsyncSession, word_id: int) -> str:
    row = await repo.get_word(session, word_id)
    if row is None or not await repo.delete_word(session, word_id):
        raise WordNotFound()
    await repo.bump_lexicon(session)
    return row.word


def parse_csv(text: str) -> list[tuple[str, str, str]]:
    """Rows of ``word,category,action`` (a first row naming the columns is skipped); a word
    listed twice keeps its last row. Any bad row refuses the whole file."""
    rows: dict[str, tuple[str, str, str]] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, raw in enumerate(reader, start=1):
        cells = [c.strip() for c in raw]
        if not cells or not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("word", "词", "敏感词"):
            continue
        if len(cells) != 3:
            raise ImportInvalid(f"line {number}: expected word,category,action")
        word, category, action = cells
        if not word or len(word) > 64 or not f.normalise(word)[0]:
            raise ImportInvalid(f"line {number}: the word is empty or longer than 64")
        if category not in CATEGORIES:
            raise ImportInvalid(f"line {number}: category is one of {', '.join(CATEGORIES)}")
        if action not in ACTIONS:
            raise ImportInvalid(f"line {number}: action is one of {', '.join(ACTIONS)}")
        rows[word] = (word, category, action)
        if len(rows) > MAX_IMPORT_ROWS:
            raise ImportInvalid(f"at most {MAX_IMPORT_ROWS} words per file")
    if not rows:
        raise ImportInvalid("no rows")
    return list(rows.values())


async def import_words(
    session: AsyncSession, text: str, *, now: datetime | None = None
) -> LexiconImportResult:
    now = now or utcnow()
    rows = parse_csv(text)
    await repo.upsert_words(
        session,
        [
            {"word": w, "category": c, "action": a, "created_at": now, "updated_at": now}
            for w, c, a in rows
        ],
    )
    await repo.bump_lexicon(session)
    return LexiconImportResult(rows=len(rows), total_words=await repo.count_words(session))


async def test_filter(ctx: AppContext, text: str) -> FilterTestResult:
    scan = (await lexicon(ctx)).scan(text)
    return FilterTestResult(
        action=scan.action,
        hits=[ModerationHit.model_validate(h) for h in _hits_json(scan.hits)],
        text=scan.text,
    )
