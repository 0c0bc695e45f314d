"""Events reviews publish (outbox, in the transaction of the change).

- ``review.created`` {review_id, member_id, product_id, rating, status}: a shopper reviewed a
  line of their order;
- ``review.moderated`` {review_id, member_id, product_id, from_status, to_status, actor}:
  staff approved or hid a review.

Reviews subscribe to nothing yet.
"""

from __future__ import annotations

from typing import Final

CREATED: Final = "review.created"
MODERATED: Final = "review.moderated"
