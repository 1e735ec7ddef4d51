"""One account's page (顧客カルテ): what notebook 07 shows for the call and the QBR.

:class:`AccountView` takes the review context and an account id and gives, in the
review's language, the profile and CSM, the MRR history with every movement, the
contract and next renewal, usage by month and by feature against seats, survey
answers with comments, tickets, onboarding milestones, the health score and its
components over time, the churn risk and what drives it, and the actions that name
the account. Everything is cut at the end of the review month. The health scores,
the churn-risk model and the at-risk list are those of
:class:`playbook.report.customer_views.HealthView` (notebook 05), not computed again.
A section without data gives a one-cell note saying what is missing, never an error.

The module-level functions are the pure parts, tested on tiny frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses.renewals import next_renewal
from playbook.data.errors import DataValidationError, Problem
from playbook.data.usage_log import summary_from_parts
from playbook.kpis.revenue import MOVEMENTS, mrr_movements
from playbook.kpis.snapshots import dataset_snapshots
from playbook.kpis.usage import account_seat_utilisation
from playbook.kpis.voice import nps_group, tag_themes
from playbook.report.context import ReviewContext
from playbook.report.customer_views import HealthView
from playbook.report.formatting import format_month, format_value
from playbook.report.labels import label
from playbook.texts import has_text, text

__all__ = [
    "AccountView",
    "resolve_account_id",
    "movement_rows",
    "milestone_status",
    "risk_drivers",
    "ticket_hours",
]


def _x(key: str, lang: str, /, **values) -> str:
    """The text of ``account.<key>`` in ``lang``."""
    return text(f"account.{key}", lang, **values)


def _code(key: str, code, lang: str) -> str:
    """The words for a code from the data (a milestone, a channel, a status): its text, or the code as it is."""
    full = f"{key}.{code}"
    return text(full, lang) if has_text(full) else str(code)


def _date(day, lang: str) -> str:
    """A date as a table writes it ("" for none): 2026-11-05, 2026/11/05."""
    if day is None or pd.isna(day):
        return ""
    return text("customers.date", lang, y=day.year, m=day.month, d=day.day)


def _date_text(day, lang: str) -> str:
    """A date as a sentence writes it: 2026-11-05, 2026年11月5日."""
    return text("customers.date_text", lang, y=day.year, m=day.month, d=day.day)


def _note(message: str, lang: str) -> pd.DataFrame:
    """A one-cell table holding a message, shown where a table would be (no row number beside it)."""
    return pd.DataFrame({label("note", lang): [message]}, index=[""])


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    """The table indexed by its first column (a month, a date, a name), so no row number 0, 1, 2 is shown.

    Examples
    --------
    >>> _keyed(pd.DataFrame({"month": ["2026-09", "2026-10"], "mrr": [1, 2]}))
             mrr
    2026-09    1
    2026-10    2
    """
    return table.set_index(table.columns[0]).rename_axis(None)


def resolve_account_id(accounts: pd.DataFrame, value, lang: str = "en") -> str:
    """The account id ``value`` names in the accounts table, as text; a number from papermill is matched too.

    ``papermill -p account_id 00123`` passes the number 123; it is matched to the
    one id whose digits have that value (``00123``). ``-r account_id 00123`` passes
    the text unchanged.

    Parameters
    ----------
    accounts : pandas.DataFrame
        The accounts table (``account_id``).
    value : str or int
        The id given.
    lang : {"en", "ja"}, default "en"
        The language of the error message.

    Returns
    -------
    str
        The id as it is in the accounts table.

    Raises
    ------
    DataValidationError
        When ``value`` is empty or names no account (the message names it).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["00123", "A9"]})
    >>> resolve_account_id(acc, 123), resolve_account_id(acc, " A9 ")
    ('00123', 'A9')
    >>> resolve_account_id(acc, "B1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    playbook.data.errors.DataValidationError: parameters, column 'account_id': 'B1' is not an account id of accounts.csv ...
    """
    ids = accounts["account_id"].astype("str")
    given = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
    if isinstance(value, float) and float(value).is_integer():
        given = str(int(value))
    if not given:
        raise DataValidationError(Problem("parameters", "account_id", _x("error.empty", lang, example=ids.iloc[0])))
    if (ids == given).any():
        return given
    if given.isdigit():  # a number from papermill lost its leading zeros
        same = ids[ids.str.fullmatch(r"\d+") & (ids.str.lstrip("0") == given.lstrip("0"))]
        if len(same) == 1:
            return str(same.iloc[0])
    examples = ", ".join(ids.head(3))
    raise DataValidationError(
        Problem("parameters", "account_id", _x("error.unknown", lang, id=given, n=len(ids), examples=examples))
    )


def movement_rows(movements: pd.DataFrame) -> pd.DataFrame:
    """The months with an MRR movement of one account, each with its kind and signed amount.

    Parameters
    ----------
    movements : pandas.DataFrame
        Rows of :func:`playbook.kpis.revenue.mrr_movements` for one account:
        ``month``, ``mrr_start``, the five movement columns and ``mrr_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month with a movement, oldest first: ``month``, ``kind`` (``new``,
        ``reactivation``, ``expansion``, ``contraction`` or ``churned``: each month has
        one), ``change`` (``mrr_end - mrr_start``: positive for new, reactivation and
        expansion), ``mrr_start`` and ``mrr_end``.

    Examples
    --------
    >>> mv = pd.DataFrame({"month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03", "2026-04"], freq="M"),
    ...     "mrr_start": [0.0, 100.0, 100.0, 150.0], "new": [100.0, 0, 0, 0], "reactivation": [0.0] * 4,
    ...     "expansion": [0, 0, 50.0, 0], "contraction": [0.0] * 4, "churned": [0, 0, 0, 150.0],
    ...     "mrr_end": [100.0, 100.0, 150.0, 0.0]})
    >>> movement_rows(mv)  # 2026-02 kept 100: no movement; 2026-04: 150 - 150 churned = 0
         month       kind  change  mrr_start  mrr_end
    0  2026-01        new   100.0        0.0    100.0
    1  2026-03  expansion    50.0      100.0    150.0
    2  2026-04    churned  -150.0      150.0      0.0
    """
    moves = movements[list(MOVEMENTS)].to_numpy(dtype="float64")
    moved = (moves > 0).any(axis=1)
    rows = movements[moved]
    kind = np.array(MOVEMENTS, dtype=object)[np.argmax(moves[moved] > 0, axis=1)]
    return pd.DataFrame(
        {
            "month": rows["month"].to_numpy(),
            "kind": kind.astype("str"),
            "change": (rows["mrr_end"] - rows["mrr_start"]).to_numpy(dtype="float64"),
            "mrr_start": rows["mrr_start"].to_numpy(dtype="float64"),
            "mrr_end": rows["mrr_end"].to_numpy(dtype="float64"),
        }
    )


def milestone_status(onboarding: pd.DataFrame, signup: pd.Timestamp, as_of: pd.Timestamp) -> pd.DataFrame:
    """One account's onboarding milestones with their due date and status at ``as_of``.

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The account's rows of the onboarding table: ``milestone``, ``completed_date``
        and optionally ``due_days`` (days after signup). A milestone listed twice
        counts once, done at its first completion.
    signup : pandas.Timestamp
        The account's signup date.
    as_of : pandas.Timestamp
        The day the status is read (the review month's last day): a completion after it is not done yet.

    Returns
    -------
    pandas.DataFrame
        One row per milestone in the order listed: ``milestone``, ``due`` (NaT without
        ``due_days``), ``completed`` (NaT when not done by ``as_of``) and ``status``:
        ``done``, ``done_late`` (after its due date), ``overdue`` (not done, due date
        passed), ``pending`` (not done, not yet due) or ``not_done`` (not done, no due date).

    Examples
    --------
    >>> ob = pd.DataFrame({"milestone": ["setup", "project", "invite", "connect"],
    ...     "completed_date": pd.to_datetime(["2026-10-02", "2026-10-20", None, "2026-11-03"]),
    ...     "due_days": [3, 7, 14, 60]})
    >>> milestone_status(ob, pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))[["milestone", "status"]]
      milestone     status
    0     setup       done
    1   project  done_late
    2    invite    overdue
    3   connect    pending
    """
    ob = onboarding.assign(completed_date=onboarding["completed_date"].where(onboarding["completed_date"] <= as_of))
    agg = {"completed": ("completed_date", "min")}
    if "due_days" in ob.columns:
        agg["due_days"] = ("due_days", "min")
    per = ob.groupby("milestone", sort=False).agg(**agg).reset_index()
    if "due_days" in per.columns:
        per["due"] = signup + pd.to_timedelta(per["due_days"], unit="D")
    else:
        per["due"] = pd.NaT
    done, due = per["completed"].notna(), per["due"]
    per["status"] = np.select(
        [done & (per["completed"] > due), done, due.notna() & (due < as_of), due.notna()],
        ["done_late", "done", "overdue", "pending"],
        "not_done",
    )
    return per[["milestone", "due", "completed", "status"]]


def ticket_hours(tickets: pd.DataFrame) -> pd.DataFrame:
    """Hours to first response and to resolution of each ticket (NaN where there is none).

    Parameters
    ----------
    tickets : pandas.DataFrame
        Tickets with ``opened_at`` and optionally ``first_response_at`` and ``resolved_at``.

    Returns
    -------
    pandas.DataFrame
        The same index, ``first_response_hours`` and ``resolution_hours``.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2026-10-01 09:00", "2026-10-02 09:00"]),
    ...     "first_response_at": pd.to_datetime(["2026-10-01 10:30", None]),
    ...     "resolved_at": pd.to_datetime(["2026-10-02 09:00", None])})
    >>> ticket_hours(t)
       first_response_hours  resolution_hours
    0                   1.5              24.0
    1                   NaN               NaN
    """
    out = pd.DataFrame(index=tickets.index)
    for col, name in (("first_response_at", "first_response_hours"), ("resolved_at", "resolution_hours")):
        if col in tickets.columns:
            out[name] = (tickets[col] - tickets["opened_at"]).dt.total_seconds() / 3600
        else:
            out[name] = np.nan
    return out


def risk_drivers(coefficients: pd.DataFrame, features: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """What moves one account's churn risk away from the average account's: coefficient x difference from the mean.

    The model is linear in the log-odds, so the account's log-odds equal the
    average account's plus the sum of these effects (each input scaled as
    :data:`playbook.analyses.risk.SCALE` says).

    Parameters
    ----------
    coefficients : pandas.DataFrame
        :func:`playbook.analyses.risk.coefficients`: ``feature``, ``scale`` and
        ``coefficient`` (the intercept row is left out).
    features : pandas.DataFrame
        The model inputs of every account scored in one month (``account_id`` and one
        column per feature), as :func:`playbook.analyses.risk.walk_forward` returns them.
    account_id : str
        The account.

    Returns
    -------
    pandas.DataFrame
        One row per input with a coefficient, the largest absolute effect first:
        ``feature``, ``value`` (the account's), ``mean`` (over the month's accounts),
        ``effect`` (log-odds: coefficient x (value - mean) / scale; positive raises
        the risk) and ``odds`` (``exp(effect)``). Empty when the account is not in ``features``.

    Examples
    --------
    >>> coef = pd.DataFrame({"feature": ["intercept", "breadth_score", "annual"], "scale": [1.0, 100.0, 1.0],
    ...                      "coefficient": [-1.0, -2.0, 0.5]})
    >>> X = pd.DataFrame({"account_id": ["a", "b"], "breadth_score": [25.0, 75.0], "annual": [1.0, 1.0]})
    >>> risk_drivers(coef, X, "a")  # breadth: -2 x (25 - 50) / 100 = +0.5; annual: 0.5 x (1 - 1) = 0
             feature  value  mean  effect      odds
    0  breadth_score   25.0  50.0     0.5  1.648721
    1         annual    1.0   1.0     0.0  1.000000
    """
    c = coefficients[(coefficients["feature"] != "intercept") & coefficients["coefficient"].notna()]
    c = c[c["feature"].isin(features.columns)]
    row = features[features["account_id"].astype("str") == str(account_id)]
    cols = ["feature", "value", "mean", "effect", "odds"]
    if row.empty or c.empty:
        return pd.DataFrame({k: pd.Series(dtype="str" if k == "feature" else "float64") for k in cols})
    names = c["feature"].tolist()
    value = row.iloc[0][names].to_numpy(dtype="float64")
    mean = features[names].astype("float64").mean().to_numpy()
    effect = c["coefficient"].to_numpy(dtype="float64") * (value - mean) / c["scale"].to_numpy(dtype="float64")
    out = pd.DataFrame({"feature": names, "value": value, "mean": mean, "effect": effect, "odds": np.exp(effect)})
    order = np.argsort(-np.abs(out["effect"].to_numpy()), kind="stable")
    return out.iloc[order].reset_index(drop=True)


#: What the pages of one run read again and again, made once: {key: (dataset or frame, result)}.
_SNAPSHOTS: dict = {}
_ROWS: dict = {}


def _company_snapshots(ds, month: pd.Period):
    """:func:`playbook.kpis.snapshots.dataset_snapshots` of the whole data at ``month``, made once per dataset and month."""
    key = (id(ds), str(month))
    if key not in _SNAPSHOTS:
        _SNAPSHOTS.clear()  # one data set at a time; the dataset is kept, so its id is not reused
        _SNAPSHOTS[key] = (ds, dataset_snapshots(ds, month))
    return _SNAPSHOTS[key][1]


def _account_rows(frame: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """``frame[frame["account_id"] == account_id]`` (same rows, order and index) by an index of rows made once per frame.

    A run writes one page per account at risk from the same large tables (at 200,000 accounts, millions
    of users and scores); each page comparing every row's id took most of its time. Only for frames that
    live as long as the run (the dataset's tables, the shared health model, the company's snapshots).
    """
    hit = _ROWS.get(id(frame))
    if hit is None or hit[0] is not frame:
        if len(_ROWS) >= 16:
            _ROWS.pop(next(iter(_ROWS)))
        hit = _ROWS[id(frame)] = (frame, frame.groupby(frame["account_id"].astype("str"), sort=False).indices)
    positions = hit[1].get(account_id)
    return frame.iloc[positions] if positions is not None else frame.iloc[0:0]


class AccountView:
    """One account's page, in the review's language: each method gives a table, a sentence or a chart's data.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data, the review month (everything is cut at its end) and the language.
    account_id : str or int
        The account (see :func:`resolve_account_id`).
    health : HealthView, optional
        The health view of the review (notebook 05's); made here when not given.

    Raises
    ------
    DataValidationError
        When ``account_id`` is empty or not an account of the accounts table.
    """

    def __init__(self, ctx: ReviewContext, account_id, *, health: HealthView | None = None):
        self.ctx = ctx
        self.lang = ctx.lang
        self.id = resolve_account_id(ctx.ds.accounts, account_id, ctx.lang)
        self.end = ctx.month.end_time  # the last instant of the review month
        self.day = self.end.normalize()  # its last day
        self.account = ctx.ds.accounts.set_index("account_id").loc[self.id]
        self.health = health if health is not None else HealthView(ctx)
        snaps = _company_snapshots(ctx.ds, ctx.month)
        mine = _account_rows(snaps, self.id) if snaps is not None else snaps
        self.movements = (
            mrr_movements(mine, ctx.history) if mine is not None and len(mine) else pd.DataFrame(columns=["month"])
        )
        subs = ctx.ds.subscriptions
        subs = _account_rows(subs, self.id)
        self.subscriptions = subs[subs["start_date"] <= self.day]

    # ------------------------------------------------------------------ small helpers

    def _rows(self, table: str, date_col: str) -> pd.DataFrame | None:
        """The account's rows of ``table`` dated up to the review month's end; None without the table."""
        t = self.ctx.ds.tables.get(table)
        if t is None:
            return None
        t = _account_rows(t, self.id)
        return t[t[date_col] <= self.end]

    def _money(self, value) -> str:
        return format_value(value, "currency", self.ctx.ds.currency, self.lang)

    def _month(self, month) -> str:
        return format_month(month, self.lang)

    @property
    def name(self) -> str:
        """The account's name (its id when the accounts table has no name)."""
        name = self.account.get("name")
        return self.id if name is None or pd.isna(name) else str(name)

    @property
    def csm(self) -> str:
        """The account's CSM (``owner``), or "–"."""
        owner = self.account.get("owner")
        return "–" if owner is None or pd.isna(owner) else str(owner)

    @property
    def mrr_now(self) -> float:
        """MRR at the end of the review month (0 when not paying)."""
        if self.movements.empty:
            return 0.0
        now = self.movements[self.movements["month"] == self.ctx.month]
        return float(now["mrr_end"].iloc[0]) if len(now) else 0.0

    @property
    def score_now(self) -> pd.Series | None:
        """The account's row of the health scores of the review month, or None when it has none."""
        row = _account_rows(self.health.scores, self.id)
        row = row[row["month"] == self.ctx.month]
        return row.iloc[0] if len(row) else None

    @property
    def risk_now(self) -> float:
        """The predicted 3-month churn risk of the review month (NaN without a prediction)."""
        p = self.health.predictions
        row = _account_rows(p, self.id)
        row = row[row["month"] == self.ctx.month]
        return float(row["risk"].iloc[0]) if len(row) else float("nan")

    def at_risk_reason(self) -> str:
        """Why the account is on the review month's at-risk list, in words; "" when it is not on it.

        Returns
        -------
        str
            The reasons of notebook 05's at-risk list (red band, top 10% churn risk).
        """
        rows = self.health.at_risk_accounts()
        if self.id not in rows.index:
            return ""
        return self.health._reasons(rows.loc[[self.id]])[0]

    # ------------------------------------------------------------------ summary and profile

    def missing(self) -> list[str]:
        """What the page cannot show for this account, in words (empty when every section has data).

        Returns
        -------
        list of str
            One phrase per missing kind of history: subscriptions, usage, surveys,
            tickets, onboarding milestones, health score, churn-risk prediction.
        """
        ds, lang, out = self.ctx.ds, self.lang, []
        if self.subscriptions.empty:
            out.append(_x("missing.subscriptions", lang))
        if ds.usage is None:
            out.append(_x("missing.usage_table", lang))
        elif self._usage_months().empty:
            out.append(_x("missing.usage", lang))
        for table, col in (("surveys", "date"), ("tickets", "opened_at")):
            rows = self._rows(table, col)
            if rows is None:
                out.append(_x(f"missing.{table}_table", lang))
            elif rows.empty:
                out.append(_x(f"missing.{table}", lang))
        ob = ds.onboarding
        if ob is None:
            out.append(_x("missing.onboarding_table", lang))
        elif _account_rows(ob, self.id).empty:
            out.append(_x("missing.onboarding", lang))
        s = self.score_now
        if s is None or pd.isna(s["health"]):
            out.append(_x("missing.health", lang))
        if np.isnan(self.risk_now):
            out.append(_x("missing.risk", lang))
        return out

    def summary(self) -> str:
        """The page's first lines (Markdown): who, status and MRR, health, risk, renewal, at-risk list, what is missing.

        Returns
        -------
        str
            Three short paragraphs in the review's language.
        """
        lang, month = self.lang, self._month(self.ctx.month)
        plan = self.account.get("plan")
        status = self._status_words()
        head = _x(
            "summary.head",
            lang,
            name=self.name,
            id=self.id,
            csm=self.csm,
            plan="–" if plan is None or pd.isna(plan) else plan,
            status=status,
        )
        facts = []
        s = self.score_now
        if s is not None and s["band"] == "onboarding":
            facts.append(_x("summary.health_onboarding", lang, month=month, days=s["days_since_signup"]))
        elif s is not None and pd.notna(s["health"]):
            facts.append(_x("summary.health", lang, health=s["health"], band=label(s["band"], lang), month=month))
        else:
            facts.append(_x("summary.no_health", lang, month=month))
        if not np.isnan(self.risk_now):
            facts.append(_x("summary.risk", lang, risk=self.risk_now, share=self._risk_share()))
        renewal = self._renewal()
        if renewal is not None:
            facts.append(_x("summary.renewal", lang, date=_date_text(renewal[0], lang), mrr=self._money(renewal[1])))
        elif self.mrr_now > 0:
            facts.append(_x("summary.no_renewal", lang))
        why = self.at_risk_reason()
        listed = (
            _x("summary.at_risk", lang, month=month, why=why) if why else _x("summary.not_at_risk", lang, month=month)
        )
        missing = self.missing()
        gaps = (
            _x("summary.missing", lang, what=_x("missing.sep", lang).join(missing))
            if missing
            else _x("summary.complete", lang)
        )
        return "\n\n".join([head, _x("summary.sep", lang).join(facts), listed + " " + gaps])

    def _status_words(self) -> str:
        lang, month = self.lang, self._month(self.ctx.month)
        signup = self.account.get("signup_date")
        if self.mrr_now > 0:
            return _x(
                "summary.paying", lang, mrr=self._money(self.mrr_now), arr=self._money(12 * self.mrr_now), month=month
            )
        paid = self.movements[self.movements["mrr_end"] > 0] if len(self.movements) else self.movements
        if len(paid):
            return _x("summary.not_paying_churned", lang, month=month, last=self._month(paid["month"].max()))
        if signup is not None and pd.notna(signup) and signup > self.end:
            return _x("summary.starts_later", lang, signup=_date_text(signup, lang), month=month)
        return _x("summary.never_paid", lang, month=month)

    def _risk_share(self) -> float:
        """The share of the month's predicted accounts with a lower risk than this one."""
        p = self.health.predictions
        month = p[p["month"] == self.ctx.month]["risk"]
        return float((month < self.risk_now).mean()) if len(month) else float("nan")

    def profile(self) -> pd.DataFrame:
        """Who the account is: id, name, CSM, signup, the accounts table's descriptive columns, MRR, ARR, status.

        Returns
        -------
        pandas.DataFrame
            Two columns (what, value) without headers; one row per field present in the data.
        """
        lang, acc = self.lang, self.account
        rows = [("account_id", self.id), ("name", self.name), ("owner", self.csm)]
        if pd.notna(acc.get("signup_date")):
            rows.append(("signup_date", _date(acc["signup_date"], lang)))
        for col in ("industry", "company_size", "region", "plan", "acquisition_channel"):
            value = acc.get(col)
            if value is not None and pd.notna(value):
                shown = _code("customers.channel", value, lang) if col == "acquisition_channel" else str(value)
                rows.append((col, shown))
        paid = self.movements[self.movements["mrr_end"] > 0] if len(self.movements) else self.movements
        if len(paid):
            rows.append(("first_paid", self._month(paid["month"].min())))
            rows.append(("tenure", f"{len(paid):,}"))
        state = "status_paying" if self.mrr_now > 0 else "status_churned" if len(paid) else "status_never"
        rows += [
            ("status", _x(f"profile.{state}", lang)),
            ("mrr", self._money(self.mrr_now)),
            ("arr", self._money(12 * self.mrr_now)),
        ]
        return pd.DataFrame(
            {_x("profile.col_value", lang): [v for _, v in rows]},
            index=[_x(f"profile.{k}", lang) for k, _ in rows],
        )

    # ------------------------------------------------------------------ MRR

    def mrr_history(self) -> pd.DataFrame:
        """Month-end MRR of the account from its first paid month to the review month: a chart's data.

        Returns
        -------
        pandas.DataFrame
            ``month`` (Period) and ``mrr`` (0 in months without MRR); empty when the account never paid.
        """
        mv = self.movements
        if mv.empty:
            return pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "mrr": pd.Series(dtype="float64")})
        months = pd.period_range(mv["month"].min(), self.ctx.month, freq="M")
        mrr = mv.set_index("month")["mrr_end"].reindex(months, fill_value=0.0)
        return pd.DataFrame({"month": months, "mrr": mrr.to_numpy(dtype="float64")})

    def mrr_movements(self) -> pd.DataFrame:
        """Every MRR movement of the account (new, expansion, contraction, churn, reactivation), oldest first.

        Returns
        -------
        pandas.DataFrame
            One row per month with a movement, indexed by the month (``2026年10月`` in Japanese): movement,
            change, MRR before and after (in the review's language); a one-cell note when the account never paid.
        """
        lang = self.lang
        rows = movement_rows(self.movements) if len(self.movements) else pd.DataFrame()
        if rows.empty:
            return _note(_x("mrr.none", lang, month=self._month(self.ctx.month)), lang)
        signed = lambda v: ("+" if v > 0 else "") + self._money(v) if v >= 0 else "−" + self._money(-v)
        return _keyed(
            pd.DataFrame(
                {
                    _x("mrr.col_month", lang): [self._month(m) for m in rows["month"]],
                    _x("mrr.col_movement", lang): [label(k, lang) for k in rows["kind"]],
                    _x("mrr.col_change", lang): [signed(v) for v in rows["change"]],
                    _x("mrr.col_before", lang): [self._money(v) for v in rows["mrr_start"]],
                    _x("mrr.col_after", lang): [self._money(v) for v in rows["mrr_end"]],
                }
            )
        )

    def mrr_text(self) -> str:
        """One sentence on the MRR history: movements by kind, MRR now and its peak (Markdown).

        Returns
        -------
        str
            The sentence, or the note that the account never paid.
        """
        lang = self.lang
        rows = movement_rows(self.movements) if len(self.movements) else pd.DataFrame()
        if rows.empty:
            return _x("mrr.none", lang, month=self._month(self.ctx.month))
        counts = rows["kind"].value_counts()
        sep = text("customers.list_sep", lang)
        words = sep.join(
            _x("mrr.count", lang, n=int(counts[k]), kind=label(k, lang)) for k in MOVEMENTS if k in counts.index
        )
        h = self.mrr_history()
        peak = h.loc[h["mrr"].idxmax()]
        return _x(
            "mrr.text",
            lang,
            n=len(rows),
            first=self._month(rows["month"].iloc[0]),
            counts=words,
            month=self._month(self.ctx.month),
            mrr=self._money(self.mrr_now),
            peak=self._money(peak["mrr"]),
            peak_month=self._month(peak["month"]),
        )

    # ------------------------------------------------------------------ contract

    def _renewal(self) -> tuple[pd.Timestamp, float] | None:
        """The next renewal date and the MRR renewing then, from :func:`next_renewal`; None without one."""
        r = next_renewal(self.subscriptions, self.day)
        if r.empty:
            return None
        return r["next_renewal"].iloc[0], float(r["renewing_mrr"].iloc[0])

    def _active(self) -> pd.DataFrame:
        s = self.subscriptions
        return s[~(s["end_date"] <= self.day)] if "end_date" in s.columns else s

    def contract(self) -> pd.DataFrame:
        """The account's subscriptions started by the month end, newest first: product, plan, billing, seats, MRR, dates.

        Returns
        -------
        pandas.DataFrame
            One row per subscription with its status at the month end (active or
            ended); a one-cell note when there is none.
        """
        lang, s = self.lang, self.subscriptions.sort_values("start_date", ascending=False)
        if s.empty:
            return _note(_x("contract.none", lang, month=self._month(self.ctx.month)), lang)
        active = s.index.isin(self._active().index)
        out = {}
        if "product" in s.columns:
            out[_x("contract.col_product", lang)] = s["product"].fillna("").astype("str").to_numpy()
        if "plan" in s.columns:
            out[_x("contract.col_plan", lang)] = s["plan"].fillna("").astype("str").to_numpy()
        if "billing_period" in s.columns:
            out[_x("contract.col_billing", lang)] = [
                _code("account.contract.billing", b, lang) for b in s["billing_period"]
            ]
        if "seats" in s.columns:
            out[_x("contract.col_seats", lang)] = [("" if pd.isna(v) else f"{v:,.0f}") for v in s["seats"]]
        out[_x("contract.col_mrr", lang)] = [self._money(v) for v in s["mrr"]]
        out[_x("contract.col_start", lang)] = [_date(d, lang) for d in s["start_date"]]
        ends = s["end_date"] if "end_date" in s.columns else pd.Series(pd.NaT, index=s.index)
        out[_x("contract.col_end", lang)] = [_date(d, lang) if pd.notna(d) and d <= self.day else "" for d in ends]
        out[_x("contract.col_status", lang)] = [_x("contract.active" if a else "contract.ended", lang) for a in active]
        if "subscription_id" not in s:
            return _keyed(pd.DataFrame(out))
        return pd.DataFrame(out, index=s["subscription_id"].to_numpy())

    def contract_text(self) -> str:
        """The contract in one sentence: next renewal date (annual contract) or monthly billing, active seats (Markdown).

        Returns
        -------
        str
            In the review's language.
        """
        lang, active = self.lang, self._active()
        if active.empty:
            return _x("contract.text_inactive", lang, month=self._month(self.ctx.month))
        seats = f"{active['seats'].sum():,.0f}" if "seats" in active.columns else "–"
        renewal = self._renewal()
        if renewal is not None:
            return _x(
                "contract.text_renewal",
                lang,
                date=_date_text(renewal[0], lang),
                days=(renewal[0] - self.day).days,
                month_end=_date_text(self.day, lang),
                mrr=self._money(renewal[1]),
                subs=len(active),
                seats=seats,
            )
        key = "contract.text_monthly" if "billing_period" in active.columns else "contract.text_no_billing"
        return _x(key, lang, subs=len(active), seats=seats)

    # ------------------------------------------------------------------ usage

    def _usage_months(self) -> pd.DataFrame:
        u = self.ctx.ds.usage
        if u is None:
            return pd.DataFrame()
        am = u.account_month
        am = _account_rows(am, self.id)
        return am[am["month"] <= self.ctx.month]

    def usage_by_month(self, months: int = 12) -> pd.DataFrame:
        """Usage of the last ``months`` months: sessions, active users, licensed users, paid seats, active per seat.

        Parameters
        ----------
        months : int, default 12
            The months shown, ending with the review month.

        Returns
        -------
        pandas.DataFrame
            Columns ``month`` (Period), ``sessions``, ``active_users``, ``licensed``
            (users created and not deactivated by the month end; NaN without a users
            table), ``seats`` (paid seats of the subscriptions active at the month end,
            :func:`playbook.kpis.usage.account_seat_utilisation`; NaN without seats),
            ``active_share`` (active users / seats), ``days_per_user`` and ``hours``.
            Empty without a usage table.
        """
        ds = self.ctx.ds
        span = pd.period_range(self.ctx.month - (months - 1), self.ctx.month, freq="M")
        if ds.usage is None:
            return pd.DataFrame()
        am = self._usage_months().set_index("month").reindex(span)
        out = pd.DataFrame({"month": span})
        out["sessions"] = am["sessions"].fillna(0).to_numpy(dtype="float64")
        out["active_users"] = am["users"].fillna(0).to_numpy(dtype="float64")
        days = am["user_days"].fillna(0).to_numpy(dtype="float64")
        out["days_per_user"] = np.where(out["active_users"] > 0, days / np.maximum(out["active_users"], 1), np.nan)
        out["hours"] = am["seconds"].fillna(0).to_numpy(dtype="float64") / 3600
        users = ds.users
        if users is not None:
            mine = _account_rows(users, self.id)
            gone = (
                mine["deactivated_date"] if "deactivated_date" in mine.columns else pd.Series(pd.NaT, index=mine.index)
            )
            out["licensed"] = [
                float(((mine["created_date"] <= m.end_time) & ~(gone <= m.end_time)).sum()) for m in span
            ]
        else:
            out["licensed"] = np.nan
        seats = []
        if "seats" in self.subscriptions.columns and len(self.subscriptions):
            # the account's own usage rows only: 12 small lookups, not 12 scans of every account's months
            mine_usage = summary_from_parts(
                _account_rows(ds.usage.account_month, self.id), None, ds.usage.columns, ds.usage.source
            )
            for m in span:
                row = account_seat_utilisation(self.subscriptions, mine_usage, m)
                seats.append(float(row["seats"].iloc[0]) if len(row) else np.nan)
        else:
            seats = [np.nan] * len(span)
        out["seats"] = seats
        out["active_share"] = out["active_users"] / out["seats"]
        return out[["month", "sessions", "active_users", "licensed", "seats", "active_share", "days_per_user", "hours"]]

    def usage_table(self, months: int = 12) -> pd.DataFrame:
        """:meth:`usage_by_month` ready to read: months and headers in the review's language.

        Parameters
        ----------
        months : int, default 12
            The months shown.

        Returns
        -------
        pandas.DataFrame
            One row per month; a one-cell note without a usage table or without any usage.
        """
        lang = self.lang
        if self.ctx.ds.usage is None:
            return _note(_x("usage.no_table", lang), lang)
        if self._usage_months().empty:
            return _note(_x("usage.none", lang, month=self._month(self.ctx.month)), lang)
        u = self.usage_by_month(months)
        num = lambda v, f="{:,.0f}": "–" if pd.isna(v) else f.format(v)
        return pd.DataFrame(
            {
                _x("usage.col_sessions", lang): [num(v) for v in u["sessions"]],
                _x("usage.col_active", lang): [num(v) for v in u["active_users"]],
                _x("usage.col_licensed", lang): [num(v) for v in u["licensed"]],
                _x("usage.col_seats", lang): [num(v) for v in u["seats"]],
                _x("usage.col_active_share", lang): [num(v, "{:.0%}") for v in u["active_share"]],
                _x("usage.col_days", lang): [num(v, "{:.1f}") for v in u["days_per_user"]],
                _x("usage.col_hours", lang): [num(v, "{:,.1f}") for v in u["hours"]],
            },
            index=[self._month(m) for m in u["month"]],
        )

    def usage_text(self) -> str:
        """Active users against seats in the review month, and the 3 months before (Markdown).

        Returns
        -------
        str
            In the review's language; the note when there is no usage.
        """
        lang, month = self.lang, self._month(self.ctx.month)
        if self.ctx.ds.usage is None:
            return _x("usage.no_table", lang)
        if self._usage_months().empty:
            return _x("usage.none", lang, month=month)
        u = self.usage_by_month(4)
        now = u.iloc[-1]
        fmt = lambda v: "–" if pd.isna(v) else f"{v:,.0f}"
        if pd.isna(now["seats"]):
            return _x(
                "usage.text_no_seats",
                lang,
                month=month,
                active=fmt(now["active_users"]),
                licensed=fmt(now["licensed"]),
                sessions=fmt(now["sessions"]),
            )
        return _x(
            "usage.text",
            lang,
            month=month,
            active=fmt(now["active_users"]),
            seats=fmt(now["seats"]),
            share=f"{now['active_share']:.0%}",
            licensed=fmt(now["licensed"]),
            sessions=fmt(now["sessions"]),
            before=f"{u['active_users'].iloc[:3].mean():,.1f}",
        )

    def usage_by_feature(self, months: int = 6) -> pd.DataFrame:
        """Active users of each feature in each of the last ``months`` months (features as rows, months as columns).

        Parameters
        ----------
        months : int, default 6
            The months shown, ending with the review month.

        Returns
        -------
        pandas.DataFrame
            Counts of active users (0 where the feature was not used; a feature used in
            none of the months is left out). A one-cell note without a usage
            table, without a ``feature`` column, or without use in the window.
        """
        lang, u = self.lang, self.ctx.ds.usage
        if u is None:
            return _note(_x("usage.no_table", lang), lang)
        if u.account_features is None:
            return _note(_x("usage.no_features", lang), lang)
        span = pd.period_range(self.ctx.month - (months - 1), self.ctx.month, freq="M")
        fm = _account_rows(u.account_features, self.id)  # the summary's per-account counts: no new scan of the log
        fm = fm[fm["month"].isin(span)]
        if fm.empty:
            return _note(_x("usage.features_none", lang, n=months), lang)
        t = fm.pivot_table(index="feature", columns="month", values="users", aggfunc="sum", fill_value=0)
        t = t.reindex(columns=span, fill_value=0).astype("int64")
        t = t.loc[t.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        t.columns = [self._month(m) for m in t.columns]
        return t.rename_axis(index=_x("usage.col_feature", lang), columns=None)

    # ------------------------------------------------------------------ voice

    def surveys(self, months: int = 24) -> pd.DataFrame:
        """The account's NPS, CSAT and CES answers of the last ``months`` months, newest first, with comments and themes.

        Parameters
        ----------
        months : int, default 24
            The months of answers listed, ending with the review month.

        Returns
        -------
        pandas.DataFrame
            Date, survey, score, reading (promoter / passive / detractor for NPS;
            satisfied or not for CSAT; easy or not for CES), touchpoint, comment and the
            comment's themes (:func:`playbook.kpis.voice.tag_themes`); a one-cell note
            without a surveys table or without answers.
        """
        lang = self.lang
        s = self._rows("surveys", "date")
        if s is None:
            return _note(_x("voice.no_table", lang), lang)
        s = s[s["date"] > (self.ctx.month - months).end_time].sort_values("date", ascending=False, kind="stable")
        if s.empty:
            return _note(_x("voice.none", lang, month=self._month(self.ctx.month)), lang)
        reading = []
        groups = nps_group(s["score"].astype("float64").where(s["survey"] == "nps"))
        for kind, score, g in zip(s["survey"], s["score"], groups):
            if kind == "nps":
                reading.append(label(g, lang) if isinstance(g, str) else "")
            elif kind == "csat":
                reading.append(_x("voice.satisfied" if score >= 4 else "voice.not_satisfied", lang))
            elif kind == "ces":
                reading.append(_x("voice.easy" if score >= 5 else "voice.not_easy", lang))
            else:
                reading.append("")
        out = {
            _x("voice.col_date", lang): [_date(d, lang) for d in s["date"]],
            _x("voice.col_survey", lang): [_code("account.voice.survey", k, lang) for k in s["survey"]],
            _x("voice.col_score", lang): [f"{v:.0f}" for v in s["score"]],
            _x("voice.col_reading", lang): reading,
        }
        if "touchpoint" in s.columns:
            out[_x("voice.col_touchpoint", lang)] = [
                "" if pd.isna(v) else _code("account.touchpoint", v, lang) for v in s["touchpoint"]
            ]
        if "comment" in s.columns:
            out[_x("voice.col_comment", lang)] = s["comment"].fillna("").astype("str").to_numpy()
            themes = pd.Series("", index=s.index)
            comments = s["comment"].dropna()
            if len(comments):
                tags = tag_themes(comments)
                sep = text("customers.list_sep", lang)
                themes.loc[tags.index] = [
                    sep.join(label(t, lang) for t in tags.columns[row]) for row in tags.to_numpy()
                ]
            out[_x("voice.col_themes", lang)] = themes.to_numpy()
        return _keyed(pd.DataFrame(out))

    def voice_text(self) -> str:
        """The last 12 months of answers in one sentence: NPS answers by group and the account's NPS, CSAT (Markdown).

        Returns
        -------
        str
            In the review's language; the note without a surveys table or answers.
        """
        lang = self.lang
        s = self._rows("surveys", "date")
        if s is None:
            return _x("voice.no_table", lang)
        if s.empty:
            return _x("voice.none", lang, month=self._month(self.ctx.month))
        s = s[s["date"] > (self.ctx.month - 12).end_time]
        nps = s[s["survey"] == "nps"]
        g = nps_group(nps["score"].astype("float64")).value_counts()
        prom, pas, det = (int(g.get(k, 0)) for k in ("promoter", "passive", "detractor"))
        score = f"{100 * (prom - det) / len(nps):+.0f}" if len(nps) else _x("voice.nps_none", lang)
        csat = s[s["survey"] == "csat"]
        comments = int(s["comment"].notna().sum()) if "comment" in s.columns else 0
        return _x(
            "voice.text",
            lang,
            nps_n=len(nps),
            promoters=prom,
            passives=pas,
            detractors=det,
            nps=score,
            csat_n=len(csat),
            satisfied=int((csat["score"] >= 4).sum()),
            comments=comments,
        )

    # ------------------------------------------------------------------ tickets

    def tickets(self, months: int = 12) -> pd.DataFrame:
        """The account's tickets opened in the last ``months`` months, newest first.

        Parameters
        ----------
        months : int, default 12
            The months of tickets listed, ending with the review month.

        Returns
        -------
        pandas.DataFrame
            Opened, category, channel, hours to first response and to resolution,
            contacts, reopened, escalated and status at the month end (open or
            resolved); a one-cell note without a tickets table or without tickets.
        """
        lang = self.lang
        t = self._rows("tickets", "opened_at")
        if t is None:
            return _note(_x("tickets.no_table", lang), lang)
        t = t[t["opened_at"] > (self.ctx.month - months).end_time].sort_values("opened_at", ascending=False)
        if t.empty:
            return _note(_x("tickets.none", lang, month=self._month(self.ctx.month)), lang)
        t = self._cut_at_end(t)
        h = ticket_hours(t)
        yes, no = label("yes", lang), label("no", lang)
        flag = lambda col: [yes if v is True else no for v in t[col].fillna(False).astype(bool)] if col in t else None
        hours = lambda v: "–" if pd.isna(v) else f"{v:,.1f}"
        out = {
            _x("tickets.col_opened", lang): [_date(d, lang) for d in t["opened_at"]],
            _x("tickets.col_category", lang): self._codes(t, "category"),
            _x("tickets.col_channel", lang): self._codes(t, "channel"),
            _x("tickets.col_first_response", lang): [hours(v) for v in h["first_response_hours"]],
            _x("tickets.col_resolution", lang): [hours(v) for v in h["resolution_hours"]],
            _x("tickets.col_contacts", lang): [("" if pd.isna(v) else f"{v:.0f}") for v in t["contacts"]]
            if "contacts" in t
            else None,
            _x("tickets.col_reopened", lang): flag("reopened"),
            _x("tickets.col_escalated", lang): flag("escalated"),
            _x("tickets.col_status", lang): [
                _x("tickets.open" if pd.isna(r) else "tickets.resolved", lang) for r in t["resolved_at"]
            ]
            if "resolved_at" in t
            else None,
        }
        return pd.DataFrame({k: v for k, v in out.items() if v is not None}, index=t["ticket_id"].to_numpy())

    def _codes(self, t: pd.DataFrame, column: str) -> list[str] | None:
        """A column of codes (a ticket's category or channel) in words; None when the table has no such column."""
        if column not in t.columns:
            return None
        return ["" if pd.isna(v) else _code(f"account.{column}", v, self.lang) for v in t[column]]

    def _cut_at_end(self, t: pd.DataFrame) -> pd.DataFrame:
        """Tickets as they stood at the month end: a response or resolution after it has not happened yet."""
        t = t.copy()
        for col in ("first_response_at", "resolved_at"):
            if col in t.columns:
                t[col] = t[col].where(t[col] <= self.end)
        return t

    def tickets_text(self) -> str:
        """Tickets of the last 12 months in one sentence, with the company's medians for comparison (Markdown).

        Returns
        -------
        str
            Counts, escalations, open tickets, median hours to first response and to
            resolution (the account's and the company's over the same tickets' months),
            and the counts since signup; the note without a tickets table or tickets.
        """
        lang, month = self.lang, self._month(self.ctx.month)
        everyone = self.ctx.ds.tickets
        if everyone is None:
            return _x("tickets.no_table", lang)
        start = (self.ctx.month - 12).end_time
        window = self._cut_at_end(everyone[(everyone["opened_at"] > start) & (everyone["opened_at"] <= self.end)])
        mine = window[window["account_id"] == self.id]
        if mine.empty:
            return _x("tickets.none", lang, month=month)
        h, company = ticket_hours(mine), ticket_hours(window)
        hours = lambda v: format_value(v, "hours", lang=lang)
        esc = lambda t: int(t["escalated"].fillna(False).astype(bool).sum()) if "escalated" in t.columns else 0
        alltime = self._rows("tickets", "opened_at")
        still_open = int(mine["resolved_at"].isna().sum()) if "resolved_at" in mine.columns else 0
        return _x(
            "tickets.text",
            lang,
            n=len(mine),
            escalated=esc(mine),
            open=still_open,
            first=hours(h["first_response_hours"].median()),
            company_first=hours(company["first_response_hours"].median()),
            resolution=hours(h["resolution_hours"].median()),
            company_resolution=hours(company["resolution_hours"].median()),
            all=len(alltime),
            all_escalated=esc(alltime),
        )

    # ------------------------------------------------------------------ onboarding

    def onboarding(self) -> pd.DataFrame:
        """The account's onboarding milestones: due date, completion and status at the month end.

        Returns
        -------
        pandas.DataFrame
            One row per milestone (:func:`milestone_status`) in words; a one-cell note
            without an onboarding table or without milestones for the account.
        """
        lang, ob = self.lang, self.ctx.ds.onboarding
        if ob is None:
            return _note(_x("milestones.no_table", lang), lang)
        mine = _account_rows(ob, self.id)
        if mine.empty:
            return _note(_x("milestones.none", lang), lang)
        m = milestone_status(mine, self.account["signup_date"], self.day)
        return _keyed(
            pd.DataFrame(
                {
                    _x("milestones.col_milestone", lang): [
                        _code("customers.onboarding.milestone", v, lang) for v in m["milestone"]
                    ],
                    _x("milestones.col_due", lang): [_date(d, lang) for d in m["due"]],
                    _x("milestones.col_done", lang): [_date(d, lang) for d in m["completed"]],
                    _x("milestones.col_status", lang): [_x(f"milestones.{s}", lang) for s in m["status"]],
                }
            )
        )

    def onboarding_text(self) -> str:
        """The milestones in one sentence: done, late, overdue (Markdown); the note when there are none.

        Returns
        -------
        str
            In the review's language.
        """
        lang, ob = self.lang, self.ctx.ds.onboarding
        if ob is None:
            return _x("milestones.no_table", lang)
        mine = _account_rows(ob, self.id)
        if mine.empty:
            return _x("milestones.none", lang)
        m = milestone_status(mine, self.account["signup_date"], self.day)
        st = m["status"]
        return _x(
            "milestones.text",
            lang,
            done=int(st.isin(["done", "done_late"]).sum()),
            n=len(m),
            month_end=_date_text(self.day, lang),
            late=int((st == "done_late").sum()),
            overdue=int((st == "overdue").sum()),
        )

    # ------------------------------------------------------------------ health and risk

    def health_history(self, months: int = 12) -> pd.DataFrame:
        """The account's health, band, component scores and predicted churn risk over the last ``months`` months.

        Parameters
        ----------
        months : int, default 12
            The months shown, ending with the review month.

        Returns
        -------
        pandas.DataFrame
            ``month`` (Period), ``health``, ``band``, one ``<component>_score`` per
            component, ``weakest`` and ``risk`` (NaN in months without a prediction);
            only the months in which the account was scored (it paid at the month end).
        """
        span = pd.period_range(self.ctx.month - (months - 1), self.ctx.month, freq="M")
        s = self.health.scores
        s = _account_rows(s, self.id)
        s = s[s["month"].isin(span)]
        p = self.health.predictions
        risk = _account_rows(p, self.id).set_index("month")["risk"]
        cols = ["month", "health", "band"] + [c for c in s.columns if c.endswith("_score")] + ["weakest"]
        out = s[cols].reset_index(drop=True)
        out["risk"] = risk.reindex(out["month"]).to_numpy(dtype="float64")
        return out

    def health_table(self, months: int = 12) -> pd.DataFrame:
        """:meth:`health_history` ready to read: months as rows, components in words.

        Parameters
        ----------
        months : int, default 12
            The months shown.

        Returns
        -------
        pandas.DataFrame
            One row per scored month; a one-cell note when the account has no score in the window.
        """
        lang, h = self.lang, self.health_history(months)
        if h.empty or h.filter(like="_score").isna().all().all():  # scored months, but no component had data
            return _note(_x("health.none", lang, month=self._month(self.ctx.month)), lang)
        num = lambda v: "–" if pd.isna(v) else f"{v:.0f}"
        out = {
            _x("health.col_health", lang): [("–" if pd.isna(v) else f"{v:.1f}") for v in h["health"]],
            _x("health.col_band", lang): [label(b, lang) if b else "–" for b in h["band"]],
        }
        for col in [c for c in h.columns if c.endswith("_score")]:
            out[_code("customers.health.component", col.removesuffix("_score"), lang)] = [num(v) for v in h[col]]
        sep = text("customers.list_sep", lang)
        out[_x("health.col_weakest", lang)] = [
            sep.join(_code("customers.health.component", c, lang) for c in w.split(", ")) if w else ""
            for w in h["weakest"]
        ]
        out[_x("health.col_risk", lang)] = [("–" if pd.isna(v) else f"{v:.0%}") for v in h["risk"]]
        return pd.DataFrame(out, index=[self._month(m) for m in h["month"]])

    def health_text(self) -> str:
        """The health score of the review month against 12 months before, and what pulls it down (Markdown).

        Returns
        -------
        str
            In the review's language.
        """
        lang, month = self.lang, self._month(self.ctx.month)
        s = self.score_now
        if s is None or pd.isna(s["health"]):
            return _x("health.text_no_score", lang, month=month, why=_x("missing.health", lang))
        h = self.health_history(13)
        before = h[h["month"] == self.ctx.month - 12]["health"]
        before = f"{before.iloc[0]:.0f}" if len(before) and pd.notna(before.iloc[0]) else "–"
        sep = text("customers.list_sep", lang)
        weakest = sep.join(_code("customers.health.component", c, lang) for c in s["weakest"].split(", ") if c)
        band = label(s["band"], lang)
        values = {"month": month, "health": f"{s['health']:.0f}", "band": band, "before": before}
        out = (
            _x("health.text", lang, weakest=weakest, **values)
            if weakest
            else _x("health.text_none_weak", lang, **values)
        )
        if s["band"] == "onboarding":
            out += " " + _x("health.text_onboarding", lang, month=month, days=s["days_since_signup"])
        return out

    def risk_text(self) -> str:
        """The churn risk of the review month, its rank among paying accounts, and a warning when the model is weak.

        Returns
        -------
        str
            Markdown in the review's language; the note when there is no prediction.
        """
        lang, month = self.lang, self._month(self.ctx.month)
        risk = self.risk_now
        if np.isnan(risk):
            return _x("risk.none", lang, month=month)
        p = self.health.predictions
        n = int((p["month"] == self.ctx.month).sum())
        share = self._risk_share()
        top = bool(self.health.at_risk_accounts()["top_risk"].get(self.id, False))
        out = _x("risk.text", lang, risk=risk, share=share, n=n, rank=_x("risk.top" if top else "risk.not_top", lang))
        if self.health.model_is_weak:
            auc = self.health.model_stats["auc"]
            out = _x("risk.weak", lang, auc="–" if np.isnan(auc) else f"{auc:.2f}") + "\n\n" + out
        return out

    def risk_drivers(self, n: int = 8) -> pd.DataFrame:
        """What drives this account's churn risk: the model inputs with the largest effects, in words.

        Parameters
        ----------
        n : int, default 8
            The inputs shown (largest effect first, :func:`risk_drivers`).

        Returns
        -------
        pandas.DataFrame
            Input, this account's value, the average paying account's, the effect
            (raises or lowers risk) and the churn odds multiplier; a one-cell note when
            the model was not fitted or the account has no prediction this month.
        """
        lang = self.lang
        if self.health.coefficients is None:
            return _note(_x("risk.no_drivers", lang), lang)
        p = self.health.predictions
        d = risk_drivers(self.health.coefficients, p[p["month"] == self.ctx.month], self.id).head(n)
        if d.empty:
            return _note(_x("risk.none", lang, month=self._month(self.ctx.month)), lang)
        return pd.DataFrame(
            {
                _x("risk.col_value", lang): [self._feature_value(f, v) for f, v in zip(d["feature"], d["value"])],
                _x("risk.col_typical", lang): [self._feature_value(f, v) for f, v in zip(d["feature"], d["mean"])],
                _x("risk.col_effect", lang): [
                    "–" if abs(e) < 0.005 else _x("risk.raises" if e > 0 else "risk.lowers", lang) for e in d["effect"]
                ],
                _x("risk.col_odds", lang): [f"{v:.2f}" for v in d["odds"]],
            },
            index=[_code("customers.model.feature", f, self.lang) for f in d["feature"]],
        )

    def _feature_value(self, feature: str, value: float) -> str:
        """A model input's value as a reader reads it (a score, a share, money, months, yes/no)."""
        if pd.isna(value):
            return "–"
        if feature.endswith("_score"):
            return f"{value:.0f}"
        if feature == "annual":
            return f"{value:.0%}"
        if feature == "log2_mrr":
            return self._money(2**value - 1)
        if feature == "tenure_months":
            return format_value(value, "months", lang=self.lang)
        if feature in ("contracted_3m", "voice_missing"):
            return label("yes" if value >= 0.5 else "no", self.lang) if value in (0.0, 1.0) else f"{value:.0%}"
        return f"{value:,.2f}"

    # ------------------------------------------------------------------ actions

    def actions(self) -> pd.DataFrame:
        """Open and past actions that name this account (the actions table's ``account_id``), open first.

        Returns
        -------
        pandas.DataFrame
            Action, KPI, owner, start, due, status and note; a one-cell note when the
            data has no actions table, when the table does not name accounts, or when
            no action names this account.
        """
        lang, a = self.lang, self.ctx.ds.actions
        if a is None:
            return _note(_x("actions.no_table", lang), lang)
        if "account_id" not in a.columns:
            return _note(_x("actions.no_column", lang), lang)
        a = a[(a["account_id"].astype("str") == self.id) & (a["start_date"] <= self.end)]
        if a.empty:
            return _note(_x("actions.none", lang), lang)
        status = a["status"].fillna("open") if "status" in a.columns else pd.Series("open", index=a.index)
        a = a.assign(_open=(status != "open").astype(int)).sort_values(["_open", "start_date"], ascending=[True, False])
        status = status.reindex(a.index)
        out = {
            _x("actions.col_action", lang): a["action"].astype("str").to_numpy(),
            _x("actions.col_kpi", lang): [label(k, lang) for k in a["kpi"].astype("str")],
            _x("actions.col_owner", lang): a["owner"].astype("str").to_numpy(),
            _x("actions.col_start", lang): [_date(d, lang) for d in a["start_date"]],
        }
        if "due_date" in a.columns:
            out[_x("actions.col_due", lang)] = [_date(d, lang) for d in a["due_date"]]
        out[_x("actions.col_status", lang)] = [_code("account.actions.status", s, lang) for s in status]
        if "note" in a.columns:
            out[_x("actions.col_note", lang)] = a["note"].fillna("").astype("str").to_numpy()
        if "action_id" not in a.columns:
            return _keyed(pd.DataFrame(out))
        return pd.DataFrame(out, index=a["action_id"].to_numpy())

    # ------------------------------------------------------------------ charts

    def plot_mrr(self, ax=None):
        """Month-end MRR from the first paid month, each movement marked and labelled.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; the current Axes by default.

        Returns
        -------
        matplotlib.axes.Axes
            The chart, with room above the line for the movement labels (they stay inside the axes, under the
            title); a "not available" note when the account never paid.
        """
        from playbook.report.plots import plot_monthly

        h = self.mrr_history()
        title = _x("mrr.chart", self.lang)
        if h.empty:
            h = pd.DataFrame({"month": [self.ctx.month], "mrr": [np.nan]})
        ax = plot_monthly(h, "mrr", ax=ax, lang=self.lang, title=title, currency=self.ctx.ds.currency, kind="line")
        rows = movement_rows(self.movements) if len(self.movements) else pd.DataFrame()
        for r in rows.itertuples():
            x = r.month.to_timestamp()
            ax.annotate(
                label(r.kind, self.lang),
                (x, r.mrr_end),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color="0.25",
                annotation_clip=True,
            )
        if len(rows):
            # room above the highest point for its label, so no label runs into the title
            low, high = ax.get_ylim()
            ax.set_ylim(min(low, 0.0), high + 0.15 * (high - min(low, 0.0)))
        return ax

    def plot_usage(self, ax=None, months: int = 12):
        """Active users against licensed users and paid seats, month by month.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; the current Axes by default.
        months : int, default 12
            The months shown.

        Returns
        -------
        matplotlib.axes.Axes
            The chart; a "not available" note without usage data.
        """
        import seaborn as sns

        from playbook.report.plots import plot_monthly

        lang = self.lang
        u = self.usage_by_month(months) if self.ctx.ds.usage is not None else pd.DataFrame()
        if u.empty or self._usage_months().empty:
            u = pd.DataFrame({"month": [self.ctx.month], "active_users": [np.nan]})
            return plot_monthly(u, "active_users", ax=ax, lang=lang, title=_x("usage.chart", lang))
        ax = plot_monthly(u, "active_users", ax=ax, lang=lang, title=_x("usage.chart", lang))
        x = u["month"].dt.to_timestamp() if hasattr(u["month"], "dt") else pd.PeriodIndex(u["month"]).to_timestamp()
        pal = sns.color_palette()
        ax.lines[0].set_label(_x("usage.legend_active", lang))
        if u["licensed"].notna().any():
            ax.plot(x, u["licensed"], color=pal[1], linestyle="--", label=_x("usage.legend_licensed", lang))
        if u["seats"].notna().any():
            ax.plot(x, u["seats"], color=pal[2], drawstyle="steps-mid", label=_x("usage.legend_seats", lang))
        ax.set_ylabel("")
        ax.relim()  # the lines added after plot_monthly fixed the y range
        ax.autoscale(axis="y")
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.05)
        ax.legend(loc="best", fontsize=8)
        return ax

    def plot_health(self, ax=None, months: int = 12):
        """The health score over the months scored, over the red / yellow / green bands.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; the current Axes by default.
        months : int, default 12
            The months shown.

        Returns
        -------
        matplotlib.axes.Axes
            The chart; a "not available" note when the account has no score in the window.
        """
        from playbook.analyses.health import load_config
        from playbook.report.plots import plot_monthly

        lang = self.lang
        h = self.health_history(months)
        span = pd.period_range(self.ctx.month - (months - 1), self.ctx.month, freq="M")
        data = pd.DataFrame({"month": span, "health": h.set_index("month")["health"].reindex(span).to_numpy()})
        ax = plot_monthly(data, "health", ax=ax, lang=lang, title=_x("health.chart", lang))
        if data["health"].notna().any():
            bands = load_config(self.health.config)["bands"]
            for lo, hi, colour in ((0, bands["red"], "#e45756"), (bands["red"], bands["yellow"], "#f2c14e")):
                ax.axhspan(lo, hi, color=colour, alpha=0.12, zorder=0)
            ax.axhspan(bands["yellow"], 100, color="#54a24b", alpha=0.12, zorder=0)
            ax.set_ylim(0, 100)
        ax.set_ylabel("")
        return ax
