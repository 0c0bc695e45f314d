"""Typed errors of profiles, tags and segments (``analytics.*`` codes)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class ConditionInvalid(BadRequest):
    """A tag rule or segment that cannot be used: ``path`` names the first bad part (e.g.
    ``all[1].value``); nothing is saved."""

    code = "analytics.condition_invalid"
    title = "The condition is invalid"


class TagNotFound(NotFound):
    code = "analytics.tag_not_found"
    title = "No such tag"


class TagExists(Conflict):
    code = "analytics.tag_exists"
    title = "A tag with this code already exists"


class TagNotEditable(Conflict):
    """Computed tags are written by the RFM run and the clustering; a manual tag has no rule
    and a rule tag's members follow its rule."""

    code = "analytics.tag_not_editable"
    title = "This tag cannot be changed this way"


class SegmentNotFound(NotFound):
    code = "analytics.segment_not_found"
    title = "No such segment"


class SegmentExists(Conflict):
    code = "analytics.segment_exists"
    title = "A segment with this name already exists"


class ProfileNotFound(NotFound):
    code = "analytics.profile_not_found"
    title = "No profile for this member yet"


class JobNotFound(NotFound):
    code = "analytics.job_not_found"
    title = "No such job"


class MemberNotFound(NotFound):
    code = "analytics.member_not_found"
    title = "No such member"
