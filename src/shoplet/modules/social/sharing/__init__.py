"""Sharing (分享): short links and their scenes, share posters, mini-program codes, visits
attributed to the sharer and the orders they bring — see docs/social.md#sharing."""
