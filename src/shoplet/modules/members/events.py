"""Events the members module publishes (outbox, in the transaction of the change).

- ``member.merged`` {from_member_id, into_member_id, reason, moved: {what: rows}} — one
  shopper's two accounts became one (``members.identity``); modules that keep per-member state
  outside the merge hooks (caches, profiles) re-key it.
- ``member.unionid_recorded`` {member_id, unionid} — a member holds a WeChat unionid it did not
  hold before (first mini-program login, a later login that brings one, or a merge that moved
  it to the survivor); notification links the 公众号 follower of that unionid at once.
"""

from __future__ import annotations

from typing import Final

MEMBER_MERGED: Final = "member.merged"
MEMBER_UNIONID_RECORDED: Final = "member.unionid_recorded"
