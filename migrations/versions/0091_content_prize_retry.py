"""content: a 话题挑战 winner's coupon prize is retried (content_challenge_winner.coupon_status,
coupon_attempts, coupon_retry_at); notification: the challenge_prize (获奖通知) event; wecom:
contact ways and join ways are deleted softly (deleted_at)

Revision ID: 0091_content_prize_retry
Revises: 0089_official_account
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0091_content_prize_retry"
down_revision: str | None = "0089_official_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_EVENTS = (
    "payment_success",
    "shipped",
    "groupbuy_result",
    "price_drop",
    "back_in_stock",
    "points_expiring",
    "live_start",
)
NEW_EVENTS = (*OLD_EVENTS, "challenge_prize")
COUPON_STATUSES = "coupon_status IN ('issued', 'retrying', 'given_up')"


def _set_events(events: tuple[str, ...]) -> None:
    # Both the subscribe-message templates and the 公众号 templates name their event.
    for table in ("notification_template", "notification_oa_template"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_event_known"), type_="check")
            batch.create_check_constraint(
                op.f(f"ck_{table}_event_known"),
                f"event IN ({', '.join(repr(e) for e in events)})",
            )


def upgrade() -> None:
    with op.batch_alter_table("content_challenge_winner") as batch:
        batch.add_column(sa.Column("coupon_status", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("coupon_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("coupon_retry_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_check_constraint(
            op.f("ck_content_challenge_winner_coupon_status_known"), COUPON_STATUSES
        )
        batch.create_index(
            "ix_content_challenge_winner_coupon_retry",
            ["coupon_status", "coupon_retry_at"],
            unique=False,
        )
    # Coupons granted at settlement are issued; the ones skipped before this revision are
    # retried by the job from now on (nobody tried them again until now).
    op.execute(
        "UPDATE content_challenge_winner SET coupon_status = 'issued', coupon_attempts = 1 "
        "WHERE coupon_template_id IS NOT NULL"
    )
    op.execute(
        "UPDATE content_challenge_winner SET coupon_status = 'retrying', coupon_attempts = 1, "
        "coupon_retry_at = created_at WHERE coupon_skipped IS NOT NULL"
    )
    _set_events(NEW_EVENTS)
    for table in ("wecom_contact_way", "wecom_join_way"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("deleted_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True)
            )


def downgrade() -> None:
    for table in ("wecom_contact_way", "wecom_join_way"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
    op.execute("DELETE FROM notification_send WHERE event = 'challenge_prize'")
    op.execute("DELETE FROM notification_template WHERE event = 'challenge_prize'")
    op.execute("DELETE FROM notification_oa_template WHERE event = 'challenge_prize'")
    op.execute("DELETE FROM notification_oa_send WHERE event = 'challenge_prize'")
    _set_events(OLD_EVENTS)
    with op.batch_alter_table("content_challenge_winner") as batch:
        batch.drop_index("ix_content_challenge_winner_coupon_retry")
        batch.drop_constraint(
            op.f("ck_content_challenge_winner_coupon_status_known"), type_="check"
        )
        batch.drop_column("coupon_retry_at")
        batch.drop_column("coupon_attempts")
        batch.drop_column("coupon_status")
