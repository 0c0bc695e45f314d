"""Achievements (成就) and the shop mascot (IP 形象): docs/achievements.md."""
