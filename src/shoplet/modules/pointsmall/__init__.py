"""The points mall (积分商城): coupons and goods exchanged for points, or points plus cash."""
