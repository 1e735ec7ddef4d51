"""The KPI tree (KGI -> KFS -> KPI): its entries, declared field by field, and the loader that checks them.

The tree is a YAML file (``kpi_tree.yaml``) read with a safe loader and validated
like data: every bad entry gives one :class:`~playbook.data.errors.Problem` naming the
entry, and all of them are raised together in one ``DataValidationError``.

File shape (see ``data/sample/kpi_tree.yaml``)::

    kgi: {id, name, name_ja, metric, target, deadline}
    plan_start: 2026-04        # optional: target paths ramp from the month before it
    kfs:
      - id: retention
        name: Customers stay and renew
        kpis:
          - {id, metric, target, direction, owner, owner_ja, deadline, cadence, segment, path}
    status_thresholds: {achieved: 1.0, on_track: 0.95, at_risk: 0.85}
    limits: {max_kpis: 7, achievable_multiple: 2.0, wide_margin: 0.1, min_correlation: 0.3}

``cadence`` (``weekly`` or ``monthly``, :data:`CADENCES`; anything else is refused
naming the entry and the value) is how often the KPI's owner checks it. It sets no
period: every value the playbook computes, compares with a target or scores is a
calendar month's, whatever the cadence; a weekly cadence is the owner's rhythm of
follow-up between the monthly reviews, and the SMART check names it.

``path`` is either a list of monthly targets starting at ``plan_start`` or a
mapping ``{start: 0.62, start_month: 2026-04}`` (a straight line to the target at
the deadline). Without a path, the target ramps from the KPI's value in the month
before ``plan_start`` (or is flat when there is no ``plan_start``).

A ``deadline`` is a month (``2027-03``) or a fiscal year (``FY2026`` or ``2026年度``), which
means its last month: with ``fiscal_year_start: 4`` in ``dataset.yaml`` (pass it as
``fiscal_year_start``) ``FY2026`` is 2027-03; with the default 1 (the calendar year), 2026-12.

``owner_ja`` (optional) is the owner as a Japanese report writes it (``CRM team`` -> ``CRMチーム``), as
``name_ja`` is the KGI's and each KFS's name; without it the ``owner`` is shown in both languages.

Each entry's fields are declared once (:data:`KGI_FIELDS`, :data:`KPI_FIELDS`) with
their kind; :func:`read_fields` checks an entry against its declaration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from playbook.data.config import EntryProblem as Problem
from playbook.data.config import Field, parse_month, parse_number, read_fields, read_yaml
from playbook.data.errors import DataValidationError
from playbook.data.errors import Problem as _Problem
from playbook.kpis.catalog import KPI_IDS, kpi
from playbook.kpis.fiscal import DEFAULT_START, fiscal_year_end, parse_fiscal_year

__all__ = [
    "KGIGoal",
    "KFSGoal",
    "KPIGoal",
    "KPITree",
    "Field",
    "KGI_FIELDS",
    "KPI_FIELDS",
    "read_fields",
    "load_kpi_tree",
    "parse_kpi_tree",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_LIMITS",
    "CADENCES",
    "DIRECTIONS",
]

DEFAULT_THRESHOLDS = {"achieved": 1.0, "on_track": 0.95, "at_risk": 0.85}
DEFAULT_LIMITS = {"max_kpis": 7, "achievable_multiple": 2.0, "wide_margin": 0.1, "min_correlation": 0.3}
#: The review rhythms a KPI may name (goals-and-review.md); KPI values are monthly whatever the cadence.
CADENCES = ("weekly", "monthly")
DIRECTIONS = ("higher", "lower")
TOP_LEVEL_KEYS = ("kgi", "kfs", "kpis", "plan_start", "status_thresholds", "limits")


@dataclass(frozen=True)
class KGIGoal:
    """The goal the tree serves: a metric of the catalog, its target and deadline."""

    id: str
    name: str
    name_ja: str
    metric: str
    target: float
    deadline: pd.Period

    def display_name(self, lang: str = "en") -> str:
        """The name the tree gives for ``lang``: ``name_ja`` in Japanese, ``name`` otherwise (company data, as written)."""
        return {"ja": self.name_ja}.get(lang, self.name)


@dataclass(frozen=True)
class KFSGoal:
    """A key factor for success and the ids of the KPIs that measure it."""

    id: str
    name: str
    name_ja: str
    kpis: tuple[str, ...]

    def display_name(self, lang: str = "en") -> str:
        """The name the tree gives for ``lang``: ``name_ja`` in Japanese, ``name`` otherwise (company data, as written)."""
        return {"ja": self.name_ja}.get(lang, self.name)


@dataclass(frozen=True)
class KPIGoal:
    """A KPI with its target, direction, owner, deadline, cadence, KFS, segment and target path."""

    id: str
    metric: str
    target: float
    direction: str
    owner: str
    deadline: pd.Period
    cadence: str
    kfs: str
    segment: dict | None = None
    path: dict | list | None = None
    owner_ja: str = ""

    def display_owner(self, lang: str = "en") -> str:
        """The owner as a report in ``lang`` writes it: ``owner_ja`` in Japanese when the tree gives one, else ``owner``.

        Examples
        --------
        >>> g = KPIGoal("r", "nps", 30.0, "higher", "CRM team", pd.Period("2026-12", "M"), "monthly", "f", owner_ja="CRMチーム")
        >>> g.display_owner("ja"), g.display_owner("en"), dataclasses.replace(g, owner_ja="").display_owner("ja")
        ('CRMチーム', 'CRM team', 'CRM team')
        """
        return self.owner_ja if lang == "ja" and self.owner_ja else self.owner

    def name(self, lang: str = "en") -> str:
        """The metric's name in ``lang``, with the segment when there is one."""
        base = kpi(self.metric).name(lang)
        if self.segment:
            base += " (" + ", ".join(f"{k}={v}" for k, v in self.segment.items()) + ")"
        return base


@dataclass(frozen=True)
class KPITree:
    """A validated KPI tree."""

    kgi: KGIGoal
    kfs: tuple[KFSGoal, ...]
    kpis: tuple[KPIGoal, ...]
    thresholds: dict = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    plan_start: pd.Period | None = None
    file: str = "kpi_tree.yaml"

    def kpi(self, goal_id: str) -> KPIGoal:
        """The KPI goal with this id."""
        return next(k for k in self.kpis if k.id == goal_id)


# --------------------------------------------------------------------------- fields, declared


METRIC_MESSAGE = "unknown metric id {value!r}; known ids: " + ", ".join(KPI_IDS)


def _path_rules(key: str, value, entry: dict) -> list[str]:
    """A target path: a list of numbers, or ``{start: number, start_month: YYYY-MM}``."""
    rules = []
    if isinstance(value, dict):
        if "start_month" in value:
            rules += parse_month(value["start_month"], "path start_month")[1]
        if "start" in value:
            rules += parse_number(value["start"], "path start")[1]
    elif isinstance(value, list):
        for v in value:
            rules += parse_number(v, "path value")[1]
    return rules


def _deadline_rules(key: str, value, entry: dict) -> list[str]:
    """A deadline: a month (``YYYY-MM``) or a fiscal year (``FY2026``, ``2026年度``)."""
    if parse_fiscal_year(value) is not None:
        return []
    return [f"{rule} or a fiscal year (FY2026, 2026年度)" for rule in parse_month(value, key)[1]]


def _deadline(value, fiscal_year_start: int) -> pd.Period | None:
    """The month a valid deadline means: a fiscal year's last month, or the month itself.

    Examples
    --------
    >>> str(_deadline("FY2026", 4)), str(_deadline("2026年度", 4)), str(_deadline("FY2026", 1)), str(_deadline("2026-09", 4))
    ('2027-03', '2027-03', '2026-12', '2026-09')
    """
    if value is None:
        return None
    year = parse_fiscal_year(value)
    return fiscal_year_end(year, fiscal_year_start) if year is not None else parse_month(value, "deadline")[0]


#: The KGI's fields (its metric, target and deadline are checked even when absent).
KGI_FIELDS: tuple[Field, ...] = (
    Field("id"),
    Field("name"),
    Field("name_ja"),
    Field("metric", "choice", checked_when_absent=True, choices=tuple(KPI_IDS), message=METRIC_MESSAGE),
    Field("target", "number", checked_when_absent=True),
    Field("deadline", "custom", checked_when_absent=True, check=_deadline_rules),
)

#: A KPI's fields, in the order their problems are reported.
KPI_FIELDS: tuple[Field, ...] = (
    Field("id", required=True),
    Field("metric", "choice", required=True, choices=tuple(KPI_IDS), message=METRIC_MESSAGE),
    Field("target", "number", required=True),
    Field("owner", required=True),
    Field("owner_ja"),
    Field("deadline", "custom", required=True, check=_deadline_rules),
    Field("cadence", "choice", required=True, choices=CADENCES),
    Field("direction", "choice", choices=DIRECTIONS, message="{key} {value!r} is not 'higher' or 'lower'"),
    Field("path", "custom", check=_path_rules),
    Field("segment", "mapping", message="{key} must be a mapping of account column -> value"),
)


# --------------------------------------------------------------------------- the tree


def _read_kgi(data: dict, file: str, start: int) -> tuple[KGIGoal | None, list[_Problem]]:
    g = data.get("kgi")
    if not isinstance(g, dict):
        return None, [Problem(file, "kgi", "missing kgi (the goal: id, name, metric, target, deadline)")]
    v, problems = read_fields(g, KGI_FIELDS, file=file, where=f"kgi ({g.get('id', '?')})")
    if problems:
        return None, problems
    name = str(g.get("name", ""))
    deadline = _deadline(v["deadline"], start)
    return KGIGoal(str(g.get("id", "kgi")), name, str(g.get("name_ja", name)), v["metric"], v["target"], deadline), []


def _read_kfs(data: dict, file: str, seen: dict) -> tuple[list[KFSGoal], list[tuple], list[_Problem]]:
    """The KFS entries, and every KPI entry as (kfs id or None, raw entry, where)."""
    problems, kfs_list, entries = [], [], []
    raw_kfs = data.get("kfs") or []
    if not isinstance(raw_kfs, list) or not raw_kfs:
        problems.append(Problem(file, "kfs", "missing kfs: a list of key factors for success, each with its kpis"))
        raw_kfs = []
    for i, f in enumerate(raw_kfs):
        if not isinstance(f, dict) or "id" not in f:
            problems.append(Problem(file, f"kfs[{i}]", "a KFS needs an id, a name and its kpis"))
            continue
        fid = str(f["id"])
        if fid in seen:
            problems.append(Problem(file, f"kfs[{i}] ({fid})", f"duplicate id {fid!r} (also {seen[fid]})"))
        seen[fid] = f"kfs[{i}]"
        for j, k in enumerate(f.get("kpis") or []):
            entries.append((fid, k, f"kfs[{i}].kpis[{j}]"))
        name = str(f.get("name", fid))
        kfs_list.append(KFSGoal(fid, name, str(f.get("name_ja", name)), ()))
    kfs_ids = {f.id for f in kfs_list}
    for j, k in enumerate(data.get("kpis") or []):  # a flat list is allowed when each KPI names its KFS
        fid = k.get("kfs") if isinstance(k, dict) else None
        entries.append((fid if fid in kfs_ids else None, k, f"kpis[{j}]"))
    return kfs_list, entries, problems


def _read_kpi(
    fid, k, where: str, file: str, kfs_ids: set, seen: dict, start: int
) -> tuple[KPIGoal | None, list[_Problem]]:
    if not isinstance(k, dict):
        return None, [Problem(file, where, "a KPI must be a mapping (id, metric, target, ...)")]
    kid = str(k.get("id", "?"))
    where = f"{where} ({kid})"
    problems = []
    if fid is None:
        problems.append(Problem(file, where, f"KPI {kid!r} is not under a KFS (known KFS: {sorted(kfs_ids)})"))
    if kid in seen:
        problems.append(Problem(file, where, f"duplicate id {kid!r} (also {seen[kid]})"))
    seen[kid] = where
    v, entry_problems = read_fields(k, KPI_FIELDS, file=file, where=where)
    problems += entry_problems
    if "direction" not in k:
        v["direction"] = kpi(v["metric"]).direction if v.get("metric") else "higher"
    needed = ("metric", "target", "deadline", "cadence", "direction")
    if not fid or any(v.get(key) is None for key in needed):
        return None, problems
    goal = KPIGoal(
        kid,
        v["metric"],
        v["target"],
        v["direction"],
        str(k.get("owner", "")),
        _deadline(v["deadline"], start),
        v["cadence"],
        fid,
        k.get("segment"),
        k.get("path"),
        str(k.get("owner_ja") or ""),
    )
    return goal, problems


def _read_settings(data: dict, file: str) -> tuple[dict, dict, pd.Period | None, list[_Problem]]:
    problems = []
    thresholds = {**DEFAULT_THRESHOLDS, **(data.get("status_thresholds") or {})}
    for key, value in thresholds.items():
        problems += [Problem(file, "status_thresholds", rule) for rule in parse_number(value, key)[1]]
    if not problems and not thresholds["achieved"] >= thresholds["on_track"] >= thresholds["at_risk"]:
        problems.append(Problem(file, "status_thresholds", "expected achieved >= on_track >= at_risk"))
    limits = {**DEFAULT_LIMITS, **(data.get("limits") or {})}
    for key, value in limits.items():
        problems += [Problem(file, "limits", rule) for rule in parse_number(value, key)[1]]
    plan_start = None
    if "plan_start" in data:
        plan_start, rules = parse_month(data["plan_start"], "plan_start")
        problems += [Problem(file, "plan_start", rule) for rule in rules]
    return thresholds, limits, plan_start, problems


def parse_kpi_tree(data: dict, *, file: str = "kpi_tree.yaml", fiscal_year_start: int = DEFAULT_START) -> KPITree:
    """Validate the parsed YAML of a KPI tree and build the tree.

    Parameters
    ----------
    data : dict
        The YAML file's content.
    file : str
        The file name, for messages.
    fiscal_year_start : int, default 1
        The fiscal year's first month (the dataset's ``fiscal_year_start``): a ``deadline: FY2026`` or
        ``2026年度`` is that fiscal year's last month (2027-03 with 4).

    Returns
    -------
    KPITree
        The validated tree; each KFS lists the ids of the KPIs under it.

    Raises
    ------
    DataValidationError
        One error listing every bad entry (unknown key, missing or broken
        field, unknown metric, duplicate id, KPI outside a KFS, ...).
    """
    if not isinstance(data, dict):
        raise DataValidationError(Problem(file, None, "expected a mapping with kgi and kfs"))
    problems = [
        Problem(file, key, f"unknown key {key!r}; expected {sorted(TOP_LEVEL_KEYS)}")
        for key in sorted(set(data) - set(TOP_LEVEL_KEYS))
    ]
    kgi, kgi_problems = _read_kgi(data, file, fiscal_year_start)
    seen: dict[str, str] = {}
    kfs_list, entries, kfs_problems = _read_kfs(data, file, seen)
    problems += kgi_problems + kfs_problems
    kfs_ids = {f.id for f in kfs_list}
    kpis = []
    for fid, k, where in entries:
        goal, kpi_problems = _read_kpi(fid, k, where, file, kfs_ids, seen, fiscal_year_start)
        problems += kpi_problems
        if goal is not None:
            kpis.append(goal)
    thresholds, limits, plan_start, setting_problems = _read_settings(data, file)
    problems += setting_problems
    if problems:
        raise DataValidationError(problems)
    kfs_list = [dataclasses.replace(f, kpis=tuple(k.id for k in kpis if k.kfs == f.id)) for f in kfs_list]
    return KPITree(kgi, tuple(kfs_list), tuple(kpis), thresholds, limits, plan_start, file)


def load_kpi_tree(path: str | Path, *, fiscal_year_start: int = DEFAULT_START) -> KPITree:
    """Read and validate a KPI tree YAML file (safe loader).

    Parameters
    ----------
    path : str or Path
        The YAML file.
    fiscal_year_start : int, default 1
        The fiscal year's first month, for deadlines written as fiscal years (:func:`parse_kpi_tree`);
        pass the dataset's (:func:`playbook.kpis.fiscal.fiscal_year_start`).

    Returns
    -------
    KPITree
        The validated tree (:func:`parse_kpi_tree`).

    Raises
    ------
    DataValidationError
        The file is missing, is not YAML, or has bad entries.

    Examples
    --------
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> tree = load_kpi_tree(SAMPLE_DIR / "kpi_tree.yaml")
    >>> tree.kgi.metric, len(tree.kfs), len(tree.kpis)
    ('arr', 4, 7)
    """
    path = Path(path)
    data = read_yaml(path, what="KPI tree file")
    return parse_kpi_tree(data, file=path.name, fiscal_year_start=fiscal_year_start)
