"""Events flashsale publishes (outbox, in the transaction of the change).

- ``flashsale.campaign_created`` {campaign_id, title, starts_at, ends_at, items: [{sku_id, stock,
  flash_price, per_shopper_limit}]}
- ``flashsale.campaign_cancelled`` {campaign_id, actor}
- ``flashsale.campaign_settled`` {campaign_id, items: [{sku_id, stock, sold, released}]}

Flashsale subscribes (``tasks.py``) to ``order.cancelled``: a flash order's units are back in
the campaign hold (orders moved them); the handler puts them back on the Redis counter, once.
"""

from __future__ import annotations

from typing import Final

CAMPAIGN_CREATED: Final = "flashsale.campaign_created"
CAMPAIGN_CANCELLED: Final = "flashsale.campaign_cancelled"
CAMPAIGN_SETTLED: Final = "flashsale.campaign_settled"
