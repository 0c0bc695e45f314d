"""The optional LLM fallback: a :class:`QueryProvider` turns a question the parser could not
map into the JSON of a :class:`~.schemas.Query`. Off by default (no provider, no network);
a deployment installs one with :func:`set_provider` at start-up.

Privacy rule: the provider gets the semantic layer's names (metrics, dimensions, grains, the
query's JSON shape, today's date) and the question with phone numbers and long digit runs
masked — never rows, member data, product titles or anything read from the database. Its
answer is validated like any input (``Query`` and the semantic layer); an invalid or failing
answer falls back to the parser's suggestions."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Final, Protocol

from .semantic import DIMENSIONS, GRAIN_WORDS, METRICS, REGION_GROUPS


class QueryProvider(Protocol):
    async def to_query(self, question: str, prompt: str) -> str:
        """The JSON of a Query for ``question``, following ``prompt`` (the instructions)."""
        ...


_PROVIDER: list[QueryProvider] = []
_DIGITS: Final = re.compile(r"\d{7,}")


def set_provider(provider: QueryProvider | None) -> None:
    """Install (or with None, remove) the process's LLM provider."""
    _PROVIDER.clear()
    if provider is not None:
        _PROVIDER.append(provider)


def provider() -> QueryProvider | None:
    return _PROVIDER[0] if _PROVIDER else None


def redact(question: str) -> str:
    """The question as sent out: runs of 7+ digits (phone, order and ID numbers) masked."""
    return _DIGITS.sub(lambda m: "*" * len(m.group(0)), question)


def build_prompt(today: date) -> str:
    """The instructions: the semantic layer's names only (no data)."""
    layer = {
        "today": today.isoformat(),
        "timezone": "Asia/Shanghai",
        "metrics": {m.key: [m.name, *m.synonyms] for m in METRICS},
        "dimensions": {d.key: [d.name, *d.synonyms] for d in DIMENSIONS},
        "grains": sorted(set(GRAIN_WORDS.values())),
        "region_groups": sorted(REGION_GROUPS),
        "query": {
            "metric": "one metric key",
            "dimensions": "up to two dimension keys",
            "filters": "[{dimension, values}] (region groups by name)",
            "grain": "day|week|month, only with the date dimension",
            "range": "{start, end, label}: ISO dates, both included",
            "compare": "null or {start, end, label}",
            "compare_kind": "null, previous or year_ago",
            "order": "null, desc or asc",
            "limit": "null or 1..100",
        },
    }
    return (
        "把商家的中文问题转换成一个 JSON 查询，只用下面列出的指标和维度；无法转换时回答 null。\n"
        + json.dumps(layer, ensure_ascii=False, sort_keys=True)
    )
