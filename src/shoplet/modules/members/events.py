"""Events the members module publishes (outbox, in the transaction of the change).

- ``member.merged`` {from_member_id, into_member_id, reason, moved: {what: rows}} — one
  shopper's two accounts became one (``members.identity``); modules that keep per-member state
  outside the merge hooks (caches, profiles) re-key it.
"""

from __future__ import annotations

from typing import Final

MEMBER_MERGED: Final = "member.merged"
