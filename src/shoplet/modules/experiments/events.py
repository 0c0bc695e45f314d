"""Events of the experiments module: none published. Experiments learns of paid and refunded
orders from orders' subscribers, which call ``public.record_order_paid`` / ``record_refund``."""
