"""Typed errors of search (``search.*``): status, stable code, title. Each is raised before
anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, ShopletError


class IndexNotReady(ServiceUnavailable):
    code = "search.index_not_ready"
    title = "The search index is still being built"


class InvalidPriceRange(BadRequest):
    code = "search.invalid_price_range"
    title = "price_min is above price_max"


class InvalidSynonym(BadRequest):
    code = "search.invalid_synonym"
    title = "A synonym group needs two to twenty different words"


class SynonymNotFound(NotFound):
    code = "search.synonym_not_found"
    title = "Synonym group not found"


class InvalidCorrection(BadRequest):
    code = "search.invalid_correction"
    title = "A correction needs two different words"


class CorrectionExists(Conflict):
    code = "search.correction_exists"
    title = "This word already has a correction"


class CorrectionNotFound(NotFound):
    code = "search.correction_not_found"
    title = "Correction not found"


class QueryNotFound(NotFound):
    code = "search.query_not_found"
    title = "No such zero-result query"


class ImageInvalid(BadRequest):
    code = "search.image_invalid"
    title = "Send a PNG, JPEG or WebP photo"


class ImageTooLarge(ShopletError):
    status = 413
    code = "search.image_too_large"
    title = "Photos may be at most 5 MB"


class UnknownImpression(BadRequest):
    code = "search.unknown_impression"
    title = "search_id is not a search response of this shop, or is over a day old"


class ClickNotShown(BadRequest):
    code = "search.click_not_shown"
    title = "The product was not in that search response"


class ClickPositionOutOfRange(BadRequest):
    code = "search.click_position_out_of_range"
    title = "The position is beyond the products of that search response"


class ClickPositionMismatch(BadRequest):
    code = "search.click_position_mismatch"
    title = "The product was shown at another position"


__all__ = [
    "ClickNotShown",
    "ClickPositionMismatch",
    "ClickPositionOutOfRange",
    "CorrectionExists",
    "CorrectionNotFound",
    "ImageInvalid",
    "ImageTooLarge",
    "IndexNotReady",
    "InvalidCorrection",
    "InvalidPriceRange",
    "InvalidSynonym",
    "QueryNotFound",
    "SynonymNotFound",
    "UnknownImpression",
]
