"""Social plays: group buys (拼团) — see docs/social.md."""
