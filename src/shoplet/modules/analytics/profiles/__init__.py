"""Member profiles (会员画像), tags, segments and clusters: one profile row per member kept
current by a worker job and by order events, rule / computed / manual tags, segments as AND/OR
of tags and conditions (``conditions.py``, pure), k-means clusters (``clustering.py``, pure)
stored as computed tags, and coupons issued to a segment through ``promotions.public``."""
