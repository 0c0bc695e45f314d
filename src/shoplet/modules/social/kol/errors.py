"""Typed errors of KOL discovery (``social.kol_*``): raised before anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound


class InvalidInvite(BadRequest):
    code = "social.kol_invalid_invite"
    title = "Invalid invitation"


class InviteCampaignNotFound(NotFound):
    code = "social.kol_campaign_not_found"
    title = "No such campaign to invite to"
