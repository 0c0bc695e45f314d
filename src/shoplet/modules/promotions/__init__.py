"""Promotions: coupon templates, shoppers' coupons, claims, redemptions and their return."""
