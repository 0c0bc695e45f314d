"""All queries of moderation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.moderation.models import Decision, Item, LexiconVersion, Media, Word

LEXICON_ROW = 1


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- lexicon ---------------------------------------------------------------------------------


async def lexicon_version(session: AsyncSession) -> int:
    found = await session.scalar(
        select(LexiconVersion.version).where(LexiconVersion.id == LEXICON_ROW)
    )
    return int(found or 0)


async def bump_lexicon(session: AsyncSession) -> None:
    """``version = version + 1`` (the row is created on the first change)."""
    stmt = _insert(session, LexiconVersion).values(id=LEXICON_ROW, version=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"], set_={"version": LexiconVersion.version + 1}
    )
    await session.execute(stmt)


async def all_words(session: AsyncSession) -> list[Word]:
    return list(await session.scalars(select(Word).order_by(Word.id)))


async def list_words(
    session: AsyncSession,
    *,
    category: str | None,
    query: str | None,
    before_id: int | None,
    limit: int,
) -> list[Word]:
    stmt = select(Word)
    if category is not None:
        stmt = stmt.where(Word.category == category)
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Word.word.like(f"%{escaped}%", escape="\\"))
    if before_id is not None:
        stmt = stmt.where(Word.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Word.id.desc()).limit(limit))))


async def count_words(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Word)) or 0)


async def get_word(session: AsyncSession, word_id: int) -> Word | None:
    return (await session.scalars(_fresh(select(Word).where(Word.id == word_id)))).first()


async def insert_word(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    stmt = (
        _insert(session, Word)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["word"])
        .returning(Word.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def update_word(session: AsyncSession, word_id: int, values: Mapping[str, Any]) -> bool:
    stmt = update(Word).where(Word.id == word_id).values(**values).returning(Word.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def word_id_of(session: AsyncSession, word: str) -> int | None:
    found: int | None = await session.scalar(select(Word.id).where(Word.word == word))
    return found


async def delete_word(session: AsyncSession, word_id: int) -> bool:
    stmt = delete(Word).where(Word.id == word_id).returning(Word.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def upsert_words(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Import: a new word is added, a known one takes the row's category and action."""
    for start in range(0, len(rows), 500):
        stmt = _insert(session, Word).values(list(rows[start : start + 500]))
        stmt = stmt.on_conflict_do_update(
            index_elements=["word"],
            set_={
                "category": stmt.excluded.category,
                "action": stmt.excluded.action,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await session.execute(stmt)


# -- items -----------------------------------------------------------------------------------


async def insert_item(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    stmt = (
        _insert(session, Item)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["subject_type", "subject_id"])
        .returning(Item.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def set_subject_id(session: AsyncSession, item_id: int, old: int, new: int) -> None:
    await session.execute(
        update(Item).where(Item.id == item_id, Item.subject_id == old).values(subject_id=new)
    )


async def get_item(session: AsyncSession, item_id: int) -> Item | None:
    return (await session.scalars(_fresh(select(Item).where(Item.id == item_id)))).first()


async def item_of(session: AsyncSession, subject_type: str, subject_id: int) -> Item | None:
    stmt = select(Item).where(Item.subject_type == subject_type, Item.subject_id == subject_id)
    return (await session.scalars(_fresh(stmt))).first()


async def items_of(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[int]
) -> list[Item]:
    if not subject_ids:
        return []
    stmt = select(Item).where(Item.subject_type == subject_type, Item.subject_id.in_(subject_ids))
    return list(await session.scalars(_fresh(stmt)))


async def change_item(
    session: AsyncSession,
    item_id: int,
    *,
    expected_status: str,
    expected_seq: int,
    values: Mapping[str, Any],
) -> bool:
    """Change an item only if nobody moved it meanwhile (``seq`` goes up with every change)."""
    stmt = (
        update(Item)
        .where(Item.id == item_id, Item.status == expected_status, Item.seq == expected_seq)
        .values(seq=Item.seq + 1, **values)
        .returning(Item.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_text_result(
    session: AsyncSession, item_id: int, *, attempts: int, values: Mapping[str, Any]
) -> bool:
    """Record a text check once: only while the text is still pending at that attempt."""
    stmt = (
        update(Item)
        .where(Item.id == item_id, Item.text_state == "pending", Item.text_attempts == attempts)
        .values(**values)
        .returning(Item.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def pending_texts(session: AsyncSession, *, limit: int) -> list[int]:
    stmt = (
        select(Item.id)
        .where(Item.text_state == "pending", Item.status == "checking")
        .order_by(Item.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def list_items(
    session: AsyncSession,
    *,
    status: str | None,
    subject_type: str | None,
    appealed: bool | None,
    before_id: int | None,
    limit: int,
) -> list[Item]:
    stmt = select(Item)
    if status is not None:
        stmt = stmt.where(Item.status == status)
    if subject_type is not None:
        stmt = stmt.where(Item.subject_type == subject_type)
    if appealed is not None:
        stmt = stmt.where(Item.appealed_at.is_not(None) if appealed else Item.appealed_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(Item.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Item.id.desc()).limit(limit))))


async def member_items(
    session: AsyncSession, member_id: int, *, before_id: int | None, limit: int
) -> list[Item]:
    # 我的内容 lists what the author published; a refused chat message never was.
    stmt = select(Item).where(Item.member_id == member_id, Item.subject_type != "chat_message")
    if before_id is not None:
        stmt = stmt.where(Item.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Item.id.desc()).limit(limit))))


# -- media -----------------------------------------------------------------------------------


async def insert_media(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(_insert(session, Media).values(list(rows)))


async def media_of(session: AsyncSession, item_ids: Sequence[int]) -> list[Media]:
    if not item_ids:
        return []
    stmt = select(Media).where(Media.item_id.in_(item_ids)).order_by(Media.id)
    return list(await session.scalars(_fresh(stmt)))


async def queued_media(session: AsyncSession, *, limit: int) -> list[int]:
    stmt = select(Media.id).where(Media.state == "queued").order_by(Media.id).limit(limit)
    return list(await session.scalars(stmt))


async def get_media(session: AsyncSession, media_id: int) -> Media | None:
    return (await session.scalars(_fresh(select(Media).where(Media.id == media_id)))).first()


async def media_by_trace(session: AsyncSession, trace_id: str) -> Media | None:
    return (await session.scalars(_fresh(select(Media).where(Media.trace_id == trace_id)))).first()


async def set_media(
    session: AsyncSession,
    media_id: int,
    *,
    expected_state: str,
    expected_attempts: int | None = None,
    values: Mapping[str, Any],
) -> bool:
    stmt = update(Media).where(Media.id == media_id, Media.state == expected_state)
    if expected_attempts is not None:
        stmt = stmt.where(Media.attempts == expected_attempts)
    stmt = stmt.values(**values).returning(Media.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- decisions -------------------------------------------------------------------------------


async def insert_decision(session: AsyncSession, values: Mapping[str, Any]) -> None:
    session.add(Decision(**values))
    await session.flush()


async def decisions_of(session: AsyncSession, item_id: int) -> list[Decision]:
    stmt = select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)
    return list(await session.scalars(stmt))
