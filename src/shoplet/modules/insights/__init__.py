"""Insights: reports that read across modules (the benefit cost model of member tiers)."""
