"""Typed errors of offline codes (``social.offline_*``): status, stable code, title. Each is
raised before anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound


class OfflineCodeNotFound(NotFound):
    code = "social.offline_code_not_found"
    title = "Offline code not found"


class OfflineInvalidScene(BadRequest):
    code = "social.offline_invalid_scene"
    title = "Invalid scene: an offline code is 10 of 0-9 A-Z a-z"


class OfflineStoreNotFound(NotFound):
    code = "social.offline_store_not_found"
    title = "The store of the code does not exist"


class OfflineCampaignNotFound(NotFound):
    code = "social.offline_campaign_not_found"
    title = "The campaign of the code does not exist"


class OfflineTargetNotFound(NotFound):
    code = "social.offline_target_not_found"
    title = "The page the code opens does not exist (product not on sale, unknown store)"


class OfflineNoStores(BadRequest):
    code = "social.offline_no_stores"
    title = "No store is open for business: nothing to make codes for"
