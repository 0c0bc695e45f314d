"""Every member-keyed column follows an account merge, or stays for a stated reason.

The columns are found through the metadata (a foreign key to ``members_member`` or a member-id
name), so a new table with a member column fails here until its module registers a merge hook
that moves it (``members.register_merge_hook(..., tables=...)``) or it is listed in ``STAYS``
with a one-line reason. docs/omnichannel.md has the same table for readers."""

from __future__ import annotations

import importlib
import pkgutil
import re

from shoplet.core.context import AppContext
from shoplet.core.db import Base
from shoplet.modules.members import public as members

MEMBER_COLUMN = re.compile(r"(^|_)member_id$|^(buyer|author|follower|followee)_id$")

STAYS: dict[str, str] = {
    "members_merge.from_member_id": "the merge record itself: who was absorbed",
    "members_merge.into_member_id": "the merge record itself: into whom",
    "members_refresh_token.member_id": "the absorbed account's sessions, revoked by the merge",
    "members_webauthn_challenge.member_id": "a minutes-long sign-in challenge; the account is gone",
    "achievements_backfill_job.after_member_id": "a job's cursor over member ids, not ownership",
    "analytics_history_transactions.member_id": "imported history keyed by the external id",
    "analytics_member_rfm.member_id": "recomputed by the next RFM run from orders, which move",
    "analytics_profile.member_id": "recomputed by the next profile run from orders, which move",
    "analytics_replay_session.member_id": "a recording of what that account did (evidence)",
    "analytics_segment_coupon.member_id": "append-only log of a segment's issue; coupons move",
    "risk_challenge.member_id": "risk sits below members (no hook); append-only audit",
    "risk_decision.member_id": "risk sits below members (no hook); append-only audit",
    "social_bargain_cut.helper_member_id": "a help already applied to someone's bargain price",
    "social_kol_score.member_id": "a scoring run's snapshot; the next run scores the survivor",
    "social_offline_visit.visitor_member_id": "a printed code's scan log; its counters stand",
    "social_offline_attribution.visitor_member_id": "a 7-day first touch; the next scan renews",
    "social_offline_conversion.visitor_member_id": "an order a code brought, counted once",
}


def member_columns() -> set[str]:
    from shoplet import modules

    for info in pkgutil.walk_packages(modules.__path__, "shoplet.modules."):
        if info.name.endswith(".models"):
            importlib.import_module(info.name)
    found = set()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            to_members = any(
                fk.target_fullname.startswith("members_member.") for fk in column.foreign_keys
            )
            if to_members or MEMBER_COLUMN.search(column.name):
                found.add(f"{table.name}.{column.name}")
    return found


def test_every_member_column_moves_or_stays_for_a_reason(ctx: AppContext) -> None:
    columns = member_columns()
    handled = members.merge_tables(ctx)
    assert len(columns) > 90  # the metadata really was loaded
    unaccounted = sorted(columns - set(handled) - set(STAYS))
    assert unaccounted == [], "register a merge hook for these or list them in STAYS"
    assert sorted(set(handled) & set(STAYS)) == []
    # No stale names: every entry is a real member column.
    assert sorted((set(handled) | set(STAYS)) - columns) == []
    assert all(reason.strip() for reason in STAYS.values())
