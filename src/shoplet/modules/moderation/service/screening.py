"""The lexicon compiled once per process, screening a text (the filter, then WeChat's
``msgSecCheck``), and the one status rule with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.security import (
    LABELS,
    SCENE_COMMENT,
    ContentSecurityError,
)
from shoplet.modules.moderation import filter as f
from shoplet.modules.moderation import repository as repo

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
