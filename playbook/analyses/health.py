"""Health score: per paying account and month, from usage, seats, features, growth, voice and support.

Each component is a raw measure turned into a 0-100 score (higher = healthier),
by thresholds or by percentile within the account's segment, as configured in
YAML. The score is the weighted mean of the components that have data (weights
re-normalised); ``coverage`` is the share of weight present, and below
``min_coverage`` the score is NaN. The score is validated, not trusted:
:func:`backtest` measures how well it predicts churn in the next months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from playbook.data.config import EntryProblem, Field, read_fields, read_yaml
from playbook.data.dataset import Dataset
from playbook.data.errors import DataValidationError
from playbook.data.ids import text_positions
from playbook.kpis.ratios import wilson_interval
from playbook.kpis.snapshots import dataset_snapshots

__all__ = [
    "DEFAULT_CONFIG_YAML",
    "load_config",
    "health_inputs",
    "score_components",
    "health_scores",
    "band",
    "churn_labels",
    "auc",
    "top_decile_lift",
    "backtest",
]

DEFAULT_CONFIG_YAML = """\
# Health score configuration. Each component: weight, and scoring "thresholds" (the raw value at
# which the score reaches 25, 50, 75 and 100; "reverse: true" when lower raw values are healthier)
# or "percentile" (rank within the account's segment, segment_col).
components:
  frequency: {weight: 0.30, scoring: thresholds, thresholds: [1.5, 2.5, 4, 6]}    # active days per active user
  breadth:   {weight: 0.20, scoring: thresholds, thresholds: [0.2, 0.35, 0.5, 0.7]}  # active users / licensed users
  depth:     {weight: 0.15, scoring: thresholds, thresholds: [0.3, 0.45, 0.6, 0.8]}  # share of core features used
  growth:    {weight: 0.20, scoring: thresholds, thresholds: [-0.5, -0.25, -0.05, 0.1]}  # sessions vs previous 3 months
  voice:     {weight: 0.10, scoring: thresholds, thresholds: [5, 6.5, 7.5, 9]}     # latest NPS score (6 months)
  support:   {weight: 0.05, scoring: thresholds, thresholds: [2, 1, 0.5, 0], reverse: true}  # escalated tickets (2 months)
core_features: null        # null = every feature in the usage table
segment_col: company_size  # segment for percentile scoring
min_coverage: 0.5
bands: {red: 50, yellow: 75}   # red <= 50 < yellow <= 75 < green
onboarding_days: 60        # accounts signed up fewer days ago than this are in onboarding, not in a band
"""

COMPONENTS = ("frequency", "breadth", "depth", "growth", "voice", "support")


def _four_thresholds(key: str, value, component: dict) -> list[str]:
    if component.get("scoring") == "thresholds" and len(value or []) != 4:
        return ["thresholds needs 4 values (scores 25, 50, 75, 100)"]
    return []


#: A component's fields, in the order their problems are reported.
COMPONENT_FIELDS: tuple[Field, ...] = (
    Field("weight", "number"),
    Field("thresholds", "custom", checked_when_absent=True, check=_four_thresholds),
    Field(
        "scoring",
        "choice",
        checked_when_absent=True,
        choices=("thresholds", "percentile"),
        message="{key} {value!r} is not thresholds or percentile",
    ),
)


def load_config(source: str | dict | None = None) -> dict:
    """The health configuration: the default, a YAML text or path, or a dict; validated.

    Parameters
    ----------
    source : str, dict or None
        None for the default (``DEFAULT_CONFIG_YAML``); a path ending in
        ``.yaml`` or ``.yml``; other text, read as YAML; or a dict. Each
        top-level key given replaces the default's whole entry: a
        ``components`` entry replaces every default component.

    Returns
    -------
    dict
        ``components`` (per component: ``weight``, ``scoring`` and, where used,
        ``thresholds`` and ``reverse``), ``core_features``, ``segment_col``,
        ``min_coverage``, ``bands`` and ``onboarding_days``.

    Raises
    ------
    DataValidationError
        If a component is unknown, its scoring is neither ``thresholds`` nor
        ``percentile``, or ``thresholds`` scoring does not give exactly 4
        thresholds.
    """
    if source is None:
        source = DEFAULT_CONFIG_YAML
    if isinstance(source, str):
        source = read_yaml(source, file="health config", what="health config file")
    cfg = yaml.safe_load(DEFAULT_CONFIG_YAML) | dict(source)
    problems = []
    for name, c in cfg["components"].items():
        if name not in COMPONENTS:
            problems.append(EntryProblem("health config", name, f"unknown component; known: {list(COMPONENTS)}"))
        elif not isinstance(c, dict):
            problems.append(EntryProblem("health config", name, "a component must be a mapping (weight, scoring, ...)"))
        else:
            problems += read_fields(c, COMPONENT_FIELDS, file="health config", where=name)[1]
    days = cfg["onboarding_days"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        problems.append(
            EntryProblem("health config", "onboarding_days", f"must be a whole number of days >= 0, got {days!r}")
        )
    if problems:
        raise DataValidationError(problems)
    return cfg


def _snapshot_grid(ds: Dataset, months: pd.PeriodIndex) -> pd.DataFrame:
    snaps = dataset_snapshots(ds, months[-1])
    return snaps[snaps["month"].isin(months)].reset_index(drop=True)


def _dense(at: tuple[np.ndarray, np.ndarray], values, rows: int, width: int, add: bool = False) -> np.ndarray:
    """An (account x month) array of ``values`` placed at ``at`` (row, column); 0 elsewhere and outside.

    ``add`` sums values that share a cell; otherwise each cell has at most one value.

    Examples
    --------
    >>> _dense((np.array([0, 1, -1]), np.array([1, 0, 0])), [5, 7, 9], 2, 2).tolist()
    [[0.0, 5.0], [7.0, 0.0]]
    """
    r, c = at
    ok = (r >= 0) & (c >= 0) & (c < width)
    v = np.asarray(values, dtype="float64")[ok]
    if add:
        return np.bincount(r[ok] * width + c[ok], weights=v, minlength=rows * width).reshape(rows, width)
    out = np.zeros((rows, width))
    out[r[ok], c[ok]] = v
    return out


def _licensed(users: pd.DataFrame, ids: pd.Index, first: int, width: int) -> np.ndarray:
    """Users licensed at each month end (created by then, not deactivated by then), per account (row) and month.

    A user counts from the month of ``created_date`` to the month before ``deactivated_date``: +1 and -1
    in those columns, summed along the months.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": pd.array(["a", "a", "b"], dtype="str"),
    ...                   "created_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2025-12-01"]),
    ...                   "deactivated_date": pd.to_datetime([None, "2026-03-10", None])})
    >>> _licensed(u, pd.Index(["a", "b"], dtype="str"), pd.Period("2026-01", "M").ordinal, 3).tolist()
    [[1.0, 2.0, 1.0], [1.0, 1.0, 1.0]]
    """
    r = text_positions(users["account_id"], ids)
    created = _month_ordinals(users["created_date"])
    gone = (
        _month_ordinals(users["deactivated_date"])
        if "deactivated_date" in users.columns
        else np.full(len(users), np.iinfo(np.int64).min)
    )
    never = np.iinfo(np.int64).min  # NaT
    start = np.clip(created - first, 0, width)
    end = np.where(gone == never, width, np.clip(gone - first, 0, width))
    ok = (r >= 0) & (created != never) & (start < end)
    step = np.bincount(r[ok] * (width + 1) + start[ok], minlength=len(ids) * (width + 1)) - np.bincount(
        r[ok] * (width + 1) + end[ok], minlength=len(ids) * (width + 1)
    )
    return np.cumsum(step.reshape(len(ids), width + 1), axis=1)[:, :width].astype("float64")


def _month_ordinals(dates: pd.Series) -> np.ndarray:
    """Each date's month as a monthly period's ordinal (months since 1970-01); NaT stays the smallest int64."""
    values = dates.dt.tz_localize(None) if isinstance(dates.dtype, pd.DatetimeTZDtype) else dates
    return values.to_numpy().astype("datetime64[M]").astype(np.int64)


def health_inputs(ds: Dataset, months, *, config: dict | None = None) -> pd.DataFrame:
    """Raw component values per account paying at each month end: one row per (account_id, month).

    NaN where the table a component needs is missing (that component then has no data).

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    months : sequence of str or pandas.Period
        The months to score, in order; the first and last set the range of
        earlier data read.
    config : dict, optional
        A health configuration (:func:`load_config`); by default the built-in one.
        Its ``core_features`` and ``segment_col`` are used here.

    Returns
    -------
    pandas.DataFrame
        One row per account with MRR above 0 at the end of each month:
        ``account_id``, ``month``, ``mrr``, the raw components and ``segment``:

        - ``frequency``: active user-days per active user in the month (0
          without active users; needs ``usage``);
        - ``breadth``: active users / users licensed at the month end (needs
          ``usage`` and ``users``; NaN without licensed users);
        - ``depth``: the share of the core features used in the month (needs a
          ``feature`` column in ``usage``);
        - ``growth``: sessions in the month / the mean of the 3 months before,
          minus 1 (0 with sessions now but none before; needs ``usage``);
        - ``voice``: the latest monthly mean NPS score within 6 months (needs
          ``surveys``);
        - ``support``: escalated tickets opened in the month and the month
          before (needs an ``escalated`` column in ``tickets``);
        - ``segment``: the account's ``segment_col`` value as text, or ``all``.

    Raises
    ------
    DataValidationError
        If ``config`` is not a valid health configuration.
    """
    cfg = load_config(config)
    months = pd.PeriodIndex(months, freq="M")
    grid = _snapshot_grid(ds, months)[["account_id", "month", "mrr"]]
    key = pd.MultiIndex.from_frame(grid[["account_id", "month"]])
    out = grid.copy()
    # the usage components are read off dense (account x month) arrays: the grid's accounts are rows, the months
    # from 3 before the first scored one to the last are columns, and every table's rows are placed by position
    acc, ids = pd.factorize(grid["account_id"])
    first = (months.min() - 3).ordinal
    width = months.max().ordinal - first + 1
    col = grid["month"].array.asi8 - first
    if ds.usage is not None:
        summary = ds.usage
        am = summary.account_month
        am = am[am["month"].between(months.min() - 3, months.max())]
        at = (text_positions(am["account_id"], ids), am["month"].array.asi8 - first)
        active = _dense(at, am["users"], len(ids), width)[acc, col]
        user_days = _dense(at, am["user_days"], len(ids), width)[acc, col]
        out["frequency"] = np.where(active > 0, user_days / np.maximum(active, 1), 0.0)
        if "feature" in summary.columns:
            core = cfg["core_features"] or summary.features
            af = summary.account_features
            af = af[af["month"].between(months.min(), months.max()) & af["feature"].isin(core)]
            at_f = (text_positions(af["account_id"], ids), af["month"].array.asi8 - first)
            used = _dense(at_f, np.ones(len(af)), len(ids), width, add=True)  # core features used per account-month
            out["depth"] = used[acc, col] / len(core)
        # growth: sessions this month vs the mean of the 3 months before (0 where there were none)
        s = _dense(at, am["sessions"], len(ids), width)
        prev = np.full_like(s, np.nan)
        prev[:, 3:] = (s[:, :-3] + s[:, 1:-2] + s[:, 2:-1]) / 3
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(prev > 0, s / np.where(prev > 0, prev, 1.0) - 1, np.nan)[acc, col]
        now = s[acc, col]
        out["growth"] = np.where(np.isnan(g), np.where(now > 0, 0.0, np.nan), g)  # no earlier use: neutral if used now
        if ds.users is not None:
            den = _licensed(ds.users, ids, first, width)[acc, col]
            out["breadth"] = np.where(den > 0, active / np.where(den > 0, den, 1), np.nan)
    if ds.surveys is not None:
        nps = ds.surveys[ds.surveys["survey"] == "nps"]
        per = (
            nps["score"]
            .astype("float64")
            .groupby([nps["account_id"], nps["date"].dt.to_period("M").rename("month")])
            .mean()
            .unstack("month")
        )
        per = per.reindex(
            columns=pd.period_range(
                min(months[0] - 6, per.columns.min() if len(per.columns) else months[0]), months[-1], freq="M"
            )
        )
        latest = per.T.ffill(limit=5).T.stack(future_stack=True)  # the latest answer, for 6 months
        latest.index.names = ["account_id", "month"]
        out["voice"] = latest.reindex(key).to_numpy(dtype="float64")
    if ds.tickets is not None and "escalated" in ds.tickets.columns:
        t = ds.tickets[ds.tickets["escalated"].fillna(False).astype(bool)]
        per = t.groupby(["account_id", t["opened_at"].dt.to_period("M").rename("month")]).size().unstack("month")
        per = per.reindex(columns=pd.period_range(months[0] - 1, months[-1], freq="M"), fill_value=0).fillna(0)
        two = per.T.rolling(2, min_periods=1).sum().T.stack()
        two.index.names = ["account_id", "month"]
        out["support"] = two.reindex(key).fillna(0).to_numpy()
    for c in COMPONENTS:
        if c not in out.columns:
            out[c] = np.nan
    segment_col = cfg["segment_col"]
    if segment_col and segment_col in ds.accounts.columns:
        out["segment"] = out["account_id"].map(ds.accounts.set_index("account_id")[segment_col]).astype("str")
    else:
        out["segment"] = "all"
    return out


def score_components(inputs: pd.DataFrame, *, config: dict | None = None) -> pd.DataFrame:
    """0-100 score per component (``<component>_score``), by thresholds or percentile within segment and month.

    Parameters
    ----------
    inputs : pandas.DataFrame
        Raw components (:func:`health_inputs`): a column per configured
        component, ``segment`` and ``month``.
    config : dict, optional
        A health configuration (:func:`load_config`); by default the built-in one.

    Returns
    -------
    pandas.DataFrame
        A copy of ``inputs`` with ``<component>_score`` for each configured
        component. With ``thresholds`` scoring, 25 per threshold reached (a raw
        value at or above it; at or below it with ``reverse``), so 0, 25, 50, 75
        or 100; with ``percentile``, 100 x the percentile rank within segment
        and month. NaN where the raw value is missing.

    Raises
    ------
    DataValidationError
        If ``config`` is not a valid health configuration.
    """
    cfg = load_config(config)
    out = inputs.copy()
    for name, c in cfg["components"].items():
        raw = out[name].astype("float64")
        if c["scoring"] == "percentile":
            pct = raw.groupby([out["segment"], out["month"]]).rank(pct=True, method="average")
            score = 100 * pct
        else:
            t = np.asarray(c["thresholds"], dtype="float64")
            if c.get("reverse"):
                score = 25.0 * (raw.to_numpy()[:, None] <= t[None, :]).sum(axis=1)
            else:
                score = 25.0 * (raw.to_numpy()[:, None] >= t[None, :]).sum(axis=1)
            score = pd.Series(np.where(raw.isna(), np.nan, score), index=out.index)
        out[f"{name}_score"] = score
    return out


def band(score, *, config: dict | None = None) -> np.ndarray:
    """'red' (<= 50), 'yellow' (<= 75), 'green' (> 75), or '' for a NaN score; edges from the config.

    Parameters
    ----------
    score : array-like of float
        Health scores.
    config : dict, optional
        A health configuration (:func:`load_config`) whose ``bands`` give the
        top of red and of yellow; by default 50 and 75.

    Returns
    -------
    numpy.ndarray
        One band name per score (strings).

    Raises
    ------
    DataValidationError
        If ``config`` is not a valid health configuration.

    Examples
    --------
    >>> band([50, 50.5, 75, 76, float("nan")]).tolist()
    ['red', 'yellow', 'yellow', 'green', '']
    """
    b = load_config(config)["bands"]
    s = np.asarray(score, dtype="float64")
    return np.select([np.isnan(s), s <= b["red"], s <= b["yellow"]], ["", "red", "yellow"], "green")


def health_scores(ds: Dataset, months, *, config: dict | None = None) -> pd.DataFrame:
    """Health per paying account and month: component scores, ``health``, ``coverage``, ``band`` and ``weakest`` components.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    months : sequence of str or pandas.Period
        The months to score, in order.
    config : dict, optional
        A health configuration (:func:`load_config`); by default the built-in one.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`score_components`, plus ``health`` (the weighted
        mean of the component scores with data, weights re-normalised, rounded
        to 1 decimal; NaN when ``coverage`` is below ``min_coverage``),
        ``coverage`` (the share of the total weight with data, 0-1), ``band``
        (:func:`band`; ``"onboarding"`` for an account whose signup date is
        fewer than ``onboarding_days`` days before the month end: it has had no
        time to build the history the components need), ``days_since_signup``
        (to the month end; NaN without a signup date) and ``weakest`` (the
        components scoring 25 or less, lowest first, comma-separated; empty when
        none).

    Raises
    ------
    DataValidationError
        If ``config`` is not a valid health configuration.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.data.paths import PROJECT_ROOT
    >>> h = health_scores(load_dataset(PROJECT_ROOT / "data" / "sample"), ["2026-10"])
    >>> sorted(h["band"].unique())
    ['green', 'onboarding', 'red', 'yellow']
    """
    cfg = load_config(config)
    scored = score_components(health_inputs(ds, months, config=cfg), config=cfg)
    names = list(cfg["components"])
    weights = np.array([cfg["components"][n]["weight"] for n in names], dtype="float64")
    scores = scored[[f"{n}_score" for n in names]].to_numpy()
    has = ~np.isnan(scores)
    w = np.where(has, weights[None, :], 0.0)
    coverage = w.sum(axis=1) / weights.sum()
    health = np.where(
        w.sum(axis=1) > 0, np.nansum(scores * w, axis=1) / np.where(w.sum(axis=1) > 0, w.sum(axis=1), 1), np.nan
    )
    health = np.where(coverage >= cfg["min_coverage"], health, np.nan)
    scored["health"] = np.round(health, 1)
    scored["coverage"] = coverage
    scored["band"] = band(scored["health"], config=cfg)
    signup = scored["account_id"].map(ds.accounts.set_index("account_id")["signup_date"])
    month_end = scored["month"].dt.end_time.dt.normalize()
    scored["days_since_signup"] = (month_end - signup).dt.days.astype("float64")
    scored.loc[scored["days_since_signup"] < cfg["onboarding_days"], "band"] = "onboarding"
    # the components that pulled the score down: those scoring 25 or less, weakest first
    scored["weakest"] = pd.array(_weakest(scores, has, names), dtype="str")
    return scored


def _weakest(scores: np.ndarray, has: np.ndarray, names: list[str]) -> np.ndarray:
    """Per row, the components scoring 25 or less, lowest first (ties in ``names`` order), joined by ", ".

    Vectorised: the rows' orders of weak components are few distinct patterns, so each pattern is joined once
    and the rows take their pattern's text.

    Examples
    --------
    >>> s = np.array([[10.0, 50.0, 0.0], [np.nan, 25.0, 100.0], [75.0, 75.0, 75.0], [0.0, 50.0, 0.0]])
    >>> _weakest(s, ~np.isnan(s), ["a", "b", "c"]).tolist()
    ['c, a', 'b', '', 'a, c']
    """
    low = np.where(has & (scores <= 25), scores, np.inf)
    order = np.argsort(low, axis=1, kind="stable")
    weak = np.isfinite(np.take_along_axis(low, order, axis=1))
    pattern = np.where(weak, order, -1)  # the weak components in order, then -1s
    if not len(pattern):
        return np.array([], dtype=object)
    # each pattern as one integer (digits in base k + 1), so finding the distinct ones is a 1-d sort
    base = pattern.shape[1] + 1
    codes = (pattern.astype(np.int64) + 1) @ (base ** np.arange(pattern.shape[1], dtype=np.int64))
    unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    text = np.array([", ".join(names[i] for i in pattern[j] if i >= 0) for j in first], dtype=object)
    return text[inverse.ravel()]


# --------------------------------------------------------------------------- backtest


def churn_labels(ds: Dataset, months, *, horizon: int = 3) -> pd.DataFrame:
    """Per account paying at the end of m: churned (not paying at some month end in m+1..m+horizon).

    Only months whose horizon has ended by the last complete month get labels.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    months : sequence of str or pandas.Period
        The observation months.
    horizon : int, default 3
        How many months ahead to look.

    Returns
    -------
    pandas.DataFrame
        One row per account with MRR above 0 at the end of a labelled month:
        ``account_id``, ``month`` and ``churned`` (True when the account has no
        MRR at the end of at least one of the next ``horizon`` months, even if
        it pays again later).
    """
    months = pd.PeriodIndex(months, freq="M")
    last = ds.last_complete_month
    snaps = dataset_snapshots(ds, last)
    paying = pd.MultiIndex.from_frame(snaps[["account_id", "month"]])
    base = snaps[snaps["month"].isin(months) & (snaps["month"] + horizon <= last)][["account_id", "month"]].copy()
    churned = np.zeros(len(base), dtype=bool)
    for j in range(1, horizon + 1):  # horizon steps, each vectorised
        churned |= ~pd.MultiIndex.from_arrays([base["account_id"], base["month"] + j]).isin(paying)
    base["churned"] = churned
    return base.reset_index(drop=True)


def auc(scores, labels) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged): P(a churner has the higher risk score).

    Parameters
    ----------
    scores : array-like of float
        Risk scores (higher = riskier).
    labels : array-like of bool
        True (or 1) for the churners.

    Returns
    -------
    float
        0.5 is no better than chance, 1.0 ranks every churner above every other.
        NaN when ``labels`` hold only churners or only non-churners.

    Examples
    --------
    >>> auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]), auc([0.5, 0.5], [1, 0])
    (1.0, 0.5)
    """
    s = pd.Series(np.asarray(scores, dtype="float64"))
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = s.rank(method="average").to_numpy()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def top_decile_lift(scores, labels) -> float:
    """Churn rate among the 10% riskiest (highest ``scores``) / the overall churn rate.

    Parameters
    ----------
    scores : array-like of float
        Risk scores (higher = riskier).
    labels : array-like of bool
        True (or 1) for the churners.

    Returns
    -------
    float
        1.0 is no better than chance. The riskiest 10% is rounded up, to at
        least one row; equal scores keep their given order. NaN when there are
        no rows or no churners.
    """
    s = np.asarray(scores, dtype="float64")
    y = np.asarray(labels, dtype=bool)
    if len(s) == 0:
        return float("nan")
    n = max(int(np.ceil(0.1 * len(s))), 1)
    top = np.argsort(-s, kind="stable")[:n]
    return float(y[top].mean() / y.mean()) if y.mean() > 0 else float("nan")


def backtest(health: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Churn in the next months by band (with Wilson 95% intervals), and AUC and top-decile lift of 100 - health.

    Parameters
    ----------
    health : pandas.DataFrame
        Health scores (:func:`health_scores`): ``account_id``, ``month``,
        ``health``, ``band``. Rows without ``health``, or in ``onboarding``
        rather than a band, are left out.
    labels : pandas.DataFrame
        Churn labels (:func:`churn_labels`): ``account_id``, ``month``,
        ``churned``.

    Returns
    -------
    table : pandas.DataFrame
        One row per band (red, yellow, green): ``band``, ``account_months``
        (the scored and labelled account-months: an account counts once per
        month it was scored), ``churned``, ``churn_rate`` (NaN for an empty
        band), ``ci_low`` and ``ci_high``.
    metrics : dict
        ``observations`` (scored and labelled account-months in a band: the
        table's ``account_months`` add up to it), ``churn_rate``, ``auc`` and
        ``top_decile_lift``.
    """
    d = health.merge(labels, on=["account_id", "month"], how="inner").dropna(subset=["health"])
    d = d[d["band"].isin(["red", "yellow", "green"])]  # accounts in onboarding have no band: not a test of the score
    g = d.groupby("band")["churned"].agg(["size", "sum"]).reindex(["red", "yellow", "green"], fill_value=0)
    lo, hi = wilson_interval(g["sum"].to_numpy(), g["size"].to_numpy())
    table = pd.DataFrame(
        {
            "band": g.index,
            "account_months": g["size"].to_numpy(),
            "churned": g["sum"].to_numpy(),
            "churn_rate": np.where(g["size"] > 0, g["sum"] / g["size"].where(g["size"] > 0, 1), np.nan),
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    risk = 100 - d["health"]
    return table, {
        "observations": len(d),
        "churn_rate": float(d["churned"].mean()) if len(d) else float("nan"),
        "auc": auc(risk, d["churned"]),
        "top_decile_lift": top_decile_lift(risk, d["churned"]),
    }
