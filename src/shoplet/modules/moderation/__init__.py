"""Moderation: the sensitive-word filter, WeChat content security, the human queue, appeals."""
