"""Behaviour analytics over the tracked events: attribution of paid orders to channels and
campaigns, path analysis, the real-time overview and funnel drop-off lists (docs/analytics.md)."""
