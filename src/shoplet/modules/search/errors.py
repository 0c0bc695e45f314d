"""Typed errors of search (``search.*``): status, stable code, title. Each is raised before
anything is written."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ServiceUnavailable


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


__all__ = [
    "CorrectionExists",
    "CorrectionNotFound",
    "IndexNotReady",
    "InvalidCorrection",
    "InvalidPriceRange",
    "InvalidSynonym",
    "QueryNotFound",
    "SynonymNotFound",
]
