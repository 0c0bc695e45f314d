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

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.security import (
    LABELS,
    SCENE_COMMENT,
    ContentSecurityError,
    Verdict,
)
from shoplet.modules.moderation import filter as f
from shoplet.modules.moderation import repository as repo
from shoplet.modules.moderation.errors import (
    AlreadyDecided,
    ImportInvalid,
    ItemNotFound,
    NotAppealable,
    WordExists,
    WordInvalid,
    WordNotFound,
)
from shoplet.modules.moderation.events import DECIDED
from shoplet.modules.moderation.models import ACTIONS, CATEGORIES
from shoplet.modules.moderation.models import Item as ItemRow
from shoplet.modules.moderation.models import Media as MediaRow
from shoplet.modules.moderation.models import Word as WordRow
from shoplet.modules.moderation.schemas import (
    DecisionEntry,
    FilterResult,
    Hit,
    ImportResult,
    ItemAdmin,
    ItemDetail,
    ItemState,
    LexiconWord,
    MediaCheck,
)

log = structlog.get_logger("shoplet.moderation")

INTEGRATIONS_KEY = "moderation.integrations"
LEXICON_KEY = "moderation.lexicon"
CLOCK_KEY = "moderation.clock"
MAX_ATTEMPTS = 5
MAX_IMPORT_ROWS = 20_000
FINAL = ("approved", "rejected")
CATEGORY_NAMES = {
    "politics": "时政",
    "porn": "色情",
    "abuse": "辱骂",
    "ads": "广告引流",
    "illegal": "违法",
    "fraud": "欺诈",
    "other": "其他",
}


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


def install(ctx: AppContext, integrations: Integrations) -> None:
    ctx.extras[INTEGRATIONS_KEY] = integrations


def integrations_of(ctx: AppContext) -> Integrations | None:
    found = ctx.extras.get(INTEGRATIONS_KEY)
    return found if isinstance(found, Integrations) else None


# -- the lexicon, compiled once per process --------------------------------------------------


async def lexicon(ctx: AppContext) -> f.Lexicon:
    """The compiled lexicon, rebuilt when the stored version moved (one small read a call)."""
    async with read_session(ctx.sessionmaker) as session:
        version = await repo.lexicon_version(session)
        cached = ctx.extras.get(LEXICON_KEY)
        if isinstance(cached, f.Lexicon) and cached.version == version:
            return cached
        words = await repo.all_words(session)
    compiled = f.Lexicon(
        (f.Word(w.id, w.word, w.category, cast("f.Action", w.action)) for w in words), version
    )
    ctx.extras[LEXICON_KEY] = compiled
    return compiled


# -- screening and the status rule -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screening:
    """A text as screened before it is written: ``text`` with ``replace`` words masked, the
    filter's hits and action, WeChat's verdict (``pending``: not answered, the job retries;
    ``skipped``: nothing to ask, or nobody to ask for)."""

    text: str
    hits: tuple[f.Hit, ...]
    filter_action: str | None
    text_state: str
    text_label: int | None


async def screen(
    ctx: AppContext, *, text: str, openid: str | None, scene: int = SCENE_COMMENT
) -> Screening:
    """The filter, then WeChat's ``msgSecCheck`` when the filter left the text to it. Call it
    before opening the request's transaction: WeChat is called here."""
    scan = (await lexicon(ctx)).scan(text)
    action = scan.action
    state, label = "skipped", None
    if text.strip() and action not in ("block", "hold") and openid:
        state = "pending"
        integrations = integrations_of(ctx)
        client = integrations.content_security if integrations else None
        if client is not None:
            try:
                verdict = await client.msg_sec_check(openid=openid, content=scan.text, scene=scene)
                state, label = verdict.suggest, verdict.label
            except ContentSecurityError as exc:
                log.warning("msg_sec_check_failed", errcode=exc.errcode, errmsg=exc.errmsg)
    return Screening(scan.text, scan.hits, action, state, label)


def status_of(
    *, filter_action: str | None, text_state: str, media: Sequence[str], hold: bool = False
) -> str:
    if filter_action == "block" or text_state == "risky" or "risky" in media:
        return "rejected"
    if (
        filter_action == "hold"
        or hold
        or text_state == "review"
        or any(m in ("review", "skipped") for m in media)
    ):
        return "held"
    if text_state == "pending" or any(m in ("queued", "sent") for m in media):
        return "checking"
    return "approved"


def _label(code: int | None) -> str:
    return LABELS.get(code or 21000, "其他")


def reason_of(
    *,
    hits: Sequence[dict[str, Any]],
    text_state: str,
    text_label: int | None,
    media: Sequence[tuple[str, int | None]],
    hold_reason: str | None = None,
) -> str | None:
    parts: list[str] = []
    words = [h for h in hits if h["action"] in ("block", "hold")]
    if words:
        listed = "、".join(
            f"{h['word']}（{CATEGORY_NAMES.get(h['category'], '其他')}"
            + ("，拼音" if h["via"] != "word" else "")
            + "）"
            for h in words[:5]
        )
        parts.append(f"命中敏感词：{listed}")
    if text_state in ("risky", "review"):
        parts.append(f"微信内容安全（文字）：{_label(text_label)}")
    for state, label in media:
        if state in ("risky", "review"):
            parts.append(f"微信内容安全（图片）：{_label(label)}")
            break
    if any(state == "skipped" for state, _ in media):
        parts.append("图片未经机器审核")
    if hold_reason:
        parts.append(hold_reason)
    return "；".join(parts)[:500] or None


def _hits_json(hits: Sequence[f.Hit]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for h in hits:
        if (h.word, h.via) in seen:
            continue
        seen.add((h.word, h.via))
        out.append({"word": h.word, "category": h.category, "action": h.action, "via": h.via})
    return out


def _state(row: ItemRow) -> ItemState:
    return ItemState(
        id=row.id,
        status=row.status,  # type: ignore[arg-type]
        reason=row.reason if row.status == "rejected" else None,
        can_appeal=row.status == "rejected" and row.appealed_at is None,
    )


def _media_states(rows: Sequence[MediaRow]) -> list[str]:
    return [m.state for m in rows]


# -- items -----------------------------------------------------------------------------------


async def _item(session: AsyncSession, item_id: int) -> ItemRow:
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    return row


async def _publish(session: AsyncSession, row: ItemRow, status: str, actor: str) -> None:
    await publish(
        session,
        DECIDED,
        {
            "item_id": row.id,
            "subject_type": row.subject_type,
            "subject_id": row.subject_id,
            "member_id": row.member_id,
            "status": status,
            "actor": actor,
            "reason": row.reason,
        },
        key=f"{row.subject_type}:{row.subject_id}",
    )


async def submit(
    session: AsyncSession,
    *,
    subject_type: str,
    subject_id: int,
    member_id: int,
    openid: str | None,
    screening: Screening,
    media_urls: Sequence[str] = (),
    hold_reason: str | None = None,
    now: datetime | None = None,
) -> ItemState:
    """Put a subject's text (screened) and images into the pipeline, in the caller's
    transaction; its status now (``approved`` only when nothing is left to check)."""
    now = now or utcnow()
    media_state = "queued" if openid else "skipped"
    media = [media_state] * len(media_urls)
    status = status_of(
        filter_action=screening.filter_action,
        text_state=screening.text_state,
        media=media,
        hold=hold_reason is not None,
    )
    hits = _hits_json(screening.hits)
    reason = reason_of(
        hits=hits,
        text_state=screening.text_state,
        text_label=screening.text_label,
        media=[(m, None) for m in media],
        hold_reason=hold_reason,
    )
    item_id = await repo.insert_item(
        session,
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "member_id": member_id,
            "openid": openid,
            "text": screening.text[:2000],
            "status": status,
            "seq": 0,
            "hits": hits,
            "filter_action": screening.filter_action,
            "text_state": screening.text_state,
            "text_label": screening.text_label,
            "text_attempts": 0,
            "reason": reason,
            "decided_by": "machine" if status in FINAL else None,
            "decided_at": now if status in FINAL else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    if item_id is None:
        existing = await repo.item_of(session, subject_type, subject_id)
        if existing is None:  # pragma: no cover - the unique key is the subject
            raise ItemNotFound()
        return _state(existing)
    await repo.insert_media(
        session,
        [
            {
                "item_id": item_id,
                "url": url,
                "state": media_state,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for url in media_urls
        ],
    )
    actor = "filter" if screening.filter_action in ("block", "hold") else "machine"
    await repo.insert_decision(
        session,
        {
            "item_id": item_id,
            "from_status": None,
            "to_status": status,
            "actor": actor,
            "reason": reason,
            "created_at": now,
        },
    )
    row = await _item(session, item_id)
    if status in FINAL:
        await _publish(session, row, status, actor)
    return _state(row)


async def _move(
    session: AsyncSession,
    row: ItemRow,
    to: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> ItemRow:
    was = row.status
    changed = await repo.change_item(
        session,
        row.id,
        expected_status=was,
        expected_seq=row.seq,
        values={
            "status": to,
            "reason": reason,
            "decided_by": actor if to in FINAL else row.decided_by,
            "decided_at": now if to in FINAL else row.decided_at,
            "updated_at": now,
            **(extra or {}),
        },
    )
    if not changed:
        raise AlreadyDecided()
    await repo.insert_decision(
        session,
        {
            "item_id": row.id,
            "from_status": was,
            "to_status": to,
            "actor": actor,
            "reason": reason,
            "created_at": now,
        },
    )
    fresh = await _item(session, row.id)
    if to in FINAL or extra is not None:
        await _publish(session, fresh, to, actor)
    return fresh


async def _reevaluate(session: AsyncSession, row: ItemRow, *, actor: str, now: datetime) -> None:
    """A machine verdict arrived: move an item still ``checking`` by the rule."""
    if row.status != "checking":
        return
    media = await repo.media_of(session, [row.id])
    to = status_of(
        filter_action=row.filter_action,
        text_state=row.text_state,
        media=_media_states(media),
    )
    if to == "checking":
        return
    reason = reason_of(
        hits=row.hits,
        text_state=row.text_state,
        text_label=row.text_label,
        media=[(m.state, m.label) for m in media],
    )
    await _move(session, row, to, actor=actor, reason=reason, now=now)


async def check_text(ctx: AppContext, item_id: int) -> str | None:
    """One ``msgSecCheck`` for a text WeChat did not answer at writing time; the item's
    status after it (None: nothing to do)."""
    integrations = integrations_of(ctx)
    client = integrations.content_security if integrations else None
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_item(session, item_id)
    if row is None or row.text_state != "pending" or client is None or not row.openid:
        return None
    now = clock_of(ctx)()
    values: dict[str, Any] = {"text_attempts": row.text_attempts + 1, "updated_at": now}
    try:
        verdict = await client.msg_sec_check(openid=row.openid, content=row.text)
        values.update(text_state=verdict.suggest, text_label=verdict.label)
    except ContentSecurityError as exc:
        log.warning("msg_sec_check_failed", item_id=item_id, errcode=exc.errcode)
        if row.text_attempts + 1 >= MAX_ATTEMPTS:
            # WeChat never answered: a person looks at it.
            values.update(text_state="review", text_label=None)
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.set_text_result(
            session, item_id, attempts=row.text_attempts, values=values
        ):
            return None
        fresh = await _item(session, item_id)
        await _reevaluate(session, fresh, actor="wechat", now=now)
        after = await repo.get_item(session, item_id)
        return after.status if after else None


async def send_media(ctx: AppContext, media_id: int) -> None:
    """One ``mediaCheckAsync`` for an image: its trace id is kept for WeChat's push."""
    integrations = integrations_of(ctx)
    client = integrations.content_security if integrations else None
    async with read_session(ctx.sessionmaker) as session:
        row = await repo.get_media(session, media_id)
        item = await repo.get_item(session, row.item_id) if row else None
    if row is None or item is None or row.state != "queued" or client is None:
        return
    now = clock_of(ctx)()
    values: dict[str, Any] = {"attempts": row.attempts + 1, "updated_at": now}
    try:
        trace_id = await client.media_check_async(openid=item.openid or "", media_url=row.url)
        values.update(state="sent", trace_id=trace_id)
    except ContentSecurityError as exc:
        log.warning("media_check_failed", media_id=media_id, errcode=exc.errcode)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            values.update(state="skipped")
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repo.set_media(
            session,
            media_id,
            expected_state="queued",
            expected_attempts=row.attempts,
            values=values,
        ):
            return
        if values.get("state") == "skipped":
            fresh = await repo.get_item(session, item.id)
            if fresh is not None:
                await _reevaluate(session, fresh, actor="wechat", now=now)


async def run_checks(ctx: AppContext, *, limit: int = 100) -> int:
    """What the job does: every text still to ask WeChat about, every image to send. How many
    calls were made."""
    async with read_session(ctx.sessionmaker) as session:
        texts = await repo.pending_texts(session, limit=limit)
        media = await repo.queued_media(session, limit=limit)
    for item_id in texts:
        await check_text(ctx, item_id)
    for media_id in media:
        await send_media(ctx, media_id)
    return len(texts) + len(media)


async def apply_media_verdict(
    session: AsyncSession, verdict: Verdict, *, now: datetime | None = None
) -> bool:
    """WeChat's pushed verdict of an image; False when no image waits for that trace id (not
    ours, or already applied: a repeated push changes nothing)."""
    now = now or utcnow()
    media = await repo.media_by_trace(session, verdict.trace_id)
    if media is None or not await repo.set_media(
        session,
        media.id,
        expected_state="sent",
        values={"state": verdict.suggest, "label": verdict.label, "updated_at": now},
    ):
        return False
    row = await repo.get_item(session, media.item_id)
    if row is not None:
        await _reevaluate(session, row, actor="wechat", now=now)
    return True


async def states_of(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[int]
) -> dict[int, ItemState]:
    return {
        row.subject_id: _state(row)
        for row in await repo.items_of(session, subject_type, subject_ids)
    }


# -- the human queue -------------------------------------------------------------------------


def _admin(row: ItemRow, media: Sequence[MediaRow]) -> ItemAdmin:
    return ItemAdmin(
        id=row.id,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        member_id=row.member_id,
        text=row.text,
        status=row.status,  # type: ignore[arg-type]
        hits=[Hit.model_validate(h) for h in row.hits],
        filter_action=row.filter_action,
        text_state=row.text_state,
        text_label=row.text_label,
        media=[MediaCheck(url=m.url, state=m.state, label=m.label) for m in media],
        reason=row.reason,
        appeal_reason=row.appeal_reason,
        appealed_at=row.appealed_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        created_at=row.created_at,
    )


async def list_items(
    session: AsyncSession,
    *,
    status: str | None,
    subject_type: str | None,
    appealed: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ItemAdmin], str | None]:
    rows = await repo.list_items(
        session,
        status=status,
        subject_type=subject_type,
        appealed=appealed,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    media = await repo.media_of(session, [r.id for r in page])
    by_item: dict[int, list[MediaRow]] = {}
    for m in media:
        by_item.setdefault(m.item_id, []).append(m)
    return [_admin(r, by_item.get(r.id, [])) for r in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def item_detail(session: AsyncSession, item_id: int) -> ItemDetail:
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    media = await repo.media_of(session, [row.id])
    decisions = await repo.decisions_of(session, row.id)
    return ItemDetail(
        **_admin(row, media).model_dump(),
        decisions=[
            DecisionEntry(
                from_status=d.from_status,
                to_status=d.to_status,
                actor=d.actor,
                reason=d.reason,
                created_at=d.created_at,
            )
            for d in decisions
        ],
    )


async def decide(
    session: AsyncSession,
    item_id: int,
    decision: str,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> ItemDetail:
    """A reviewer approves or rejects an item still in the pipeline (``checking`` or
    ``held``); a decided one is 409 ``moderation.already_decided``, and of two reviewers at
    once exactly one decides."""
    now = now or utcnow()
    row = await repo.get_item(session, item_id)
    if row is None:
        raise ItemNotFound()
    if row.status in FINAL:
        raise AlreadyDecided()
    to = "approved" if decision == "approve" else "rejected"
    await _move(session, row, to, actor=actor, reason=reason or row.reason, now=now)
    return await item_detail(session, item_id)


async def decide_many(
    session: AsyncSession,
    ids: Sequence[int],
    decision: str,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> tuple[list[int], list[int]]:
    """Bulk: each item as :func:`decide`; those decided meanwhile (or unknown) are skipped."""
    now = now or utcnow()
    done, skipped = [], []
    for item_id in dict.fromkeys(ids):
        try:
            await decide(session, item_id, decision, actor=actor, reason=reason, now=now)
            done.append(item_id)
        except (AlreadyDecided, ItemNotFound):
            skipped.append(item_id)
    return done, skipped


async def override(
    session: AsyncSession,
    subject_type: str,
    subject_id: int,
    to: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    """A subject's owner decided in its own console (评价管理 approves a review): the item
    follows, with a decision row; nothing when it is there already."""
    now = now or utcnow()
    row = await repo.item_of(session, subject_type, subject_id)
    if row is None or row.status == to:
        return
    await _move(session, row, to, actor=actor, reason=row.reason, now=now)


async def appeal(
    session: AsyncSession,
    *,
    member_id: int,
    subject_type: str,
    subject_id: int,
    reason: str,
    now: datetime | None = None,
) -> ItemState:
    """申诉: the author sends a rejected item back to the queue, once."""
    now = now or utcnow()
    row = await repo.item_of(session, subject_type, subject_id)
    if row is None or row.member_id != member_id:
        raise ItemNotFound()
    if row.status != "rejected" or row.appealed_at is not None:
        raise NotAppealable()
    fresh = await _move(
        session,
        row,
        "held",
        actor=f"member:{member_id}",
        reason=row.reason,
        now=now,
        extra={"appeal_reason": reason, "appealed_at": now},
    )
    return _state(fresh)


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
) -> ImportResult:
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
    return ImportResult(rows=len(rows), total_words=await repo.count_words(session))


async def test_filter(ctx: AppContext, text: str) -> FilterResult:
    scan = (await lexicon(ctx)).scan(text)
    return FilterResult(
        action=scan.action,
        hits=[Hit.model_validate(h) for h in _hits_json(scan.hits)],
        text=scan.text,
    )
