"""The codes the review returns: statuses, trends and verdicts, one spelling each.

They are ``StrEnum`` members, so they compare equal to their text, print as it,
and are written as it to CSV; the report layer turns them into words of the
reader's language (:func:`playbook.report.labels.label`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Status",
    "Trend",
    "Verdict",
    "ActRule",
    "Recommendation",
    "TreeCheck",
    "NoProjection",
    "KGIOutlook",
    "NONE",
    "STATUSES",
]

#: Shown where there is no value (no previous month, too short a history).
NONE = "–"


class Status(StrEnum):
    """Where a KPI stands against its target."""

    ACHIEVED = "achieved"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NO_DATA = "no data"
    NO_TARGET = "no target"


#: The statuses of a KPI with data and a target, best first.
STATUSES: list[Status] = [Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK]


class Trend(StrEnum):
    """The direction of the last three months, relative to the KPI's better direction.

    :func:`playbook.review.scorecard.three_month_trend` defines it: the value in the
    review month against the value three months before, both measured; ``flat`` when
    that change is no larger than the KPI's usual month-to-month move (the median
    absolute change between consecutive measured months over the last 12 months).
    Without both values, or with fewer than 3 monthly changes to judge the usual move,
    there is no trend (:data:`NONE`).
    """

    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"


class Verdict(StrEnum):
    """What an action did to its KPI: the mean since it started against the months before."""

    IMPROVED = "improved"
    WORSENED = "worsened"
    NO_CHANGE = "no change"
    TOO_EARLY = "too early"
    NO_DATA = "no data"
    NOT_COMPUTED = "KPI not computed"


class ActRule(StrEnum):
    """The Act rules of the review (:func:`playbook.review.scorecard.act_recommendations`)."""

    OFF_TRACK_3M = "off track 3 months"
    WIDE_MARGIN_3M = "wide margin 3 months"
    NOT_RELATED = "not moving with the KGI"
    TOO_MANY = "too many KPIs"
    NO_SHORT_HORIZON = "no short-horizon KPI"


class Recommendation(StrEnum):
    """What to change about a KPI, or about the tree: one per KPI in :func:`~playbook.review.scorecard.act_plan`."""

    REPLACE = "consider replacing this KPI"
    REVISE = "revise the action plan"
    START = "start an action"
    RAISE = "raise the target"
    KEEP = "keep the plan"
    TRIM = "trim the tree"
    ADD = "add a leading KPI"


class TreeCheck(StrEnum):
    """The checks of the KPI tree as a whole (:func:`playbook.review.goals.tree_checks`)."""

    SHORT_HORIZON = "short-horizon KPI"
    KPI_COUNT = "number of KPIs"
    KFS_MEASURED = "every KFS measured"


class NoProjection(StrEnum):
    """Why there is no KGI projection (:func:`playbook.review.goals.kgi_projection`)."""

    NOT_REVENUE = "not a revenue KGI"
    NO_BRIDGE_ROW = "no MRR bridge row"


class KGIOutlook(StrEnum):
    """Whether the KGI is on course (:func:`playbook.review.goals.kgi_projection`, ``outlook``).

    Before the deadline, the projection at the current pace against the target; once it has passed,
    the KGI's value against the target.
    """

    ON_COURSE = "on course"  # the projection reaches the target by the deadline
    OFF_COURSE = "off course"  # the projection falls short of the target at the deadline
    REACHED = "reached"  # the deadline has passed and the target was reached
    MISSED = "missed"  # the deadline has passed and the target was missed
