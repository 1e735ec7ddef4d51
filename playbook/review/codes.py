"""The codes the review returns: statuses, trends and verdicts, one spelling each.

They are ``StrEnum`` members, so they compare equal to their text, print as it,
and are written as it to CSV; the report layer turns them into words of the
reader's language (:func:`playbook.report.labels.label`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status", "Trend", "Verdict", "NONE", "STATUSES"]

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
    """The direction of the last three months, relative to the KPI's better direction."""

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
