"""Events sharing publishes (outbox, in the transaction of the change); distribution and KOL
analytics consume who brought whom.

- ``social.share_visited`` {link_id, code, sharer_member_id, visitor_member_id, visitor_key,
  target_kind, target_ref, first_touch, visited_at}: a visitor's first visit through a link
  (once per link and visitor), or a later one that brought them anew once the window had
  passed; ``first_touch`` when it made the link's sharer the one who brought this signed-in
  visitor;
- ``social.share_converted`` {link_id, code, sharer_member_id, visitor_member_id, order_no,
  amount, converted_at}: an attributed visitor paid an order within the window (once per order).

Sharing subscribes (``tasks.py``) to ``order.paid``.
"""

from __future__ import annotations

from typing import Final

SHARE_VISITED: Final = "social.share_visited"
SHARE_CONVERTED: Final = "social.share_converted"
