"""Flash sales (秒杀): campaigns carved out of normal stock, a Redis hot path that never oversells,
orders created asynchronously from a Redis Stream, reconciliation back to the database.

Read ``docs/flashsale.md`` first. Other modules import only :mod:`.public`.
"""
