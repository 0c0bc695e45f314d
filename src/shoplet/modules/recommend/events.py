"""Events of the recommend module.

It publishes none: recommendations are derived data. It subscribes (``tasks.py``) to
``order.paid`` to count the order's co-purchases at once ("买了还买") and to drop the buyer's
cached profile, so a product just bought stops being recommended to them.
"""
